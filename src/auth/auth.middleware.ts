import type { MiddlewareHandler } from "hono";
import { createDb } from "../db/client";
import type { AppEnv } from "../http/app-env";
import { ErrorCode, fail } from "../http/errors";
import { timingSafeEqualStrings } from "../lib/crypto";
import { log } from "../observability/log";
import { tenantExists } from "../tenants/tenants.repo";
import { jwtConfigFromEnv, looksLikeJwt, verifyTenantJwt } from "./jwt";
import { createKeysRepo } from "./keys.repo";
import { createKeysService } from "./keys.service";
import { parseScopes, type Scope } from "./scopes";

/** Don't write `last_used_at` more than once a minute per key. */
const TOUCH_INTERVAL_MS = 60_000;

/** Extracts the bearer token, or null. */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}

/**
 * Authenticates a tenant caller by API key (or JWT when configured) and stores the
 * principal in `c.var.principal`. Missing or unknown credentials are 401.
 */
export function tenantAuth(): MiddlewareHandler<AppEnv> {
  return async function tenantAuthMiddleware(c, next) {
    const token = bearerToken(c.req.header("authorization"));
    if (!token) {
      throw fail.unauthorized("Missing API key. Send it as `Authorization: Bearer <key>`.");
    }
    const db = createDb(c.env.DB);
    const jwtConfig = looksLikeJwt(token) ? jwtConfigFromEnv(c.env) : null;
    if (jwtConfig) {
      const claims = await verifyTenantJwt(token, jwtConfig);
      if (!claims || !(await tenantExists(db, claims.tenantId))) {
        throw fail.unauthorized(
          "The bearer token is not a valid JWT for this service.",
          ErrorCode.invalidApiKey,
        );
      }
      c.set("principal", { tenantId: claims.tenantId, keyId: null, scopes: claims.scopes, via: "jwt" });
      return next();
    }
    const key = await createKeysService(createKeysRepo(db)).resolve(token);
    if (!key) throw fail.unauthorized("The API key is invalid or has been revoked.", ErrorCode.invalidApiKey);
    c.set("principal", {
      tenantId: key.tenantId,
      keyId: key.id,
      scopes: parseScopes(key.scopes),
      via: "api_key",
    });
    const now = Date.now();
    if (key.lastUsedAt === null || now - key.lastUsedAt > TOUCH_INTERVAL_MS) {
      // The row may be this isolate's cached copy (keys.service.ts): mark it touched so the
      // requests that follow within the minute do not write again.
      key.lastUsedAt = now;
      const touch = createKeysRepo(db)
        .touch(key.id, now)
        .catch((err: unknown) => log.warn("could not record key use", { key_id: key.id, err }));
      try {
        c.executionCtx.waitUntil(touch);
      } catch {
        await touch; // No execution context (e.g. app.request in tests).
      }
    }
    return next();
  };
}

/** Requires the authenticated principal to hold `scope`; otherwise 403. */
export function requireScope(scope: Scope): MiddlewareHandler<AppEnv> {
  return async function requireScopeMiddleware(c, next) {
    if (!c.var.principal.scopes.includes(scope)) {
      throw fail.forbidden(
        `This key lacks the \`${scope}\` scope. Create a key with scopes ["${scope}"] to call this endpoint.`,
        ErrorCode.insufficientScope,
      );
    }
    return next();
  };
}

/** Authenticates the operator by the `ADMIN_TOKEN` secret, compared in constant time. */
export function adminAuth(): MiddlewareHandler<AppEnv> {
  return async function adminAuthMiddleware(c, next) {
    const expected = c.env.ADMIN_TOKEN;
    if (!expected) {
      throw fail.unauthorized(
        "The admin API is disabled because no ADMIN_TOKEN secret is set. Set it (npm start creates one in .dev.vars).",
        "admin_disabled",
      );
    }
    const token = bearerToken(c.req.header("authorization"));
    if (!token)
      throw fail.unauthorized("Missing admin token. Send it as `Authorization: Bearer <ADMIN_TOKEN>`.");
    if (!(await timingSafeEqualStrings(token, expected))) {
      throw fail.unauthorized("The admin token is not valid.", "invalid_admin_token");
    }
    return next();
  };
}
