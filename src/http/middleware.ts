import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { requireScope, tenantAuth } from "../auth/auth.middleware";
import type { Scope } from "../auth/scopes";
import type { AppEnv } from "./app-env";
import { fail } from "./errors";

/** Period of the RATE_LIMITER binding in wrangler.toml, reported as Retry-After. */
const RATE_LIMIT_PERIOD_SECONDS = 60;

/**
 * Per-tenant request rate limit through the RATE_LIMITER binding (429 + Retry-After).
 * `RATE_LIMIT=off` disables it, e.g. for single-user installs and benchmarks.
 */
export function rateLimit(): MiddlewareHandler<AppEnv> {
  return async function rateLimitMiddleware(c, next) {
    if (c.env.RATE_LIMIT !== "off") {
      const { success } = await c.env.RATE_LIMITER.limit({ key: `tenant:${c.var.principal.tenantId}` });
      if (!success) {
        throw fail.rateLimited(
          "Too many requests for this tenant. Slow down and retry after the number of seconds in Retry-After.",
          RATE_LIMIT_PERIOD_SECONDS,
        );
      }
    }
    return next();
  };
}

/** Rejects bodies larger than `maxBytes` with 413 before they are read into memory. */
export function limitBody(maxBytes: number): MiddlewareHandler<AppEnv> {
  const mb = (maxBytes / (1024 * 1024)).toFixed(maxBytes % (1024 * 1024) === 0 ? 0 : 1);
  return bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw fail.tooLarge(
        `The request body exceeds the ${mb} MB limit of this endpoint. Send less per call.`,
      );
    },
  });
}

/**
 * Body limits by path prefix (longest prefix wins), falling back to `fallback`.
 * Keeps small-JSON endpoints strict while upload endpoints accept large bodies.
 */
export function bodyLimits(fallback: number, byPrefix: Record<string, number>): MiddlewareHandler<AppEnv> {
  const prefixes = Object.keys(byPrefix).sort((a, b) => b.length - a.length);
  const limiters = new Map(prefixes.map((p) => [p, limitBody(byPrefix[p] ?? fallback)]));
  const fallbackLimiter = limitBody(fallback);
  return async function bodyLimitsMiddleware(c, next) {
    if (c.req.method === "GET" || c.req.method === "HEAD") return next();
    const prefix = prefixes.find((p) => c.req.path.startsWith(p));
    const limiter = (prefix && limiters.get(prefix)) || fallbackLimiter;
    return limiter(c, next);
  };
}

/**
 * The middleware chain of a tenant route: authenticate, rate-limit, check scope.
 * Used as `createRoute({ middleware: tenant("read"), … })` so every route states its scope.
 */
export function tenant(scope: Scope): MiddlewareHandler<AppEnv>[] {
  return [tenantAuth(), rateLimit(), requireScope(scope)];
}

/** OpenAPI security requirement for tenant routes. */
export const tenantSecurity = [{ apiKey: [] }];
