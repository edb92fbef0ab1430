import { verify } from "hono/jwt";
import type { SignatureAlgorithm } from "hono/utils/jwt/jwa";
import { parseScopes, type Scope } from "./scopes";

/** JWT acceptance settings, read from vars/secrets. Absent `key` means JWTs are not accepted. */
export interface JwtConfig {
  alg: "HS256" | "RS256";
  /** HS256 shared secret, or RS256 public key as PEM or JWK JSON. */
  key: string;
  issuer: string;
  audience: string;
  tenantClaim: string;
  scopeClaim: string;
}

/** Reads JWT settings from the environment; returns null unless a key, issuer and audience are all set. */
export function jwtConfigFromEnv(env: EdgeragSecrets): JwtConfig | null {
  const key = str(env.JWT_SECRET) ?? str(env.JWT_PUBLIC_KEY);
  const issuer = str(env.JWT_ISSUER);
  const audience = str(env.JWT_AUDIENCE);
  // iss and aud are mandatory: a token minted for another service must never be accepted here.
  if (!key || !issuer || !audience) return null;
  const alg = str(env.JWT_ALG) === "RS256" || str(env.JWT_PUBLIC_KEY) ? "RS256" : "HS256";
  return {
    alg,
    key,
    issuer,
    audience,
    tenantClaim: str(env.JWT_TENANT_CLAIM) ?? "tenant",
    scopeClaim: str(env.JWT_SCOPE_CLAIM) ?? "scope",
  };
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v.length > 0 ? v : undefined;
}

/** True when the token has the three-part shape of a compact JWS. */
export function looksLikeJwt(token: string): boolean {
  return /^[\w-]+\.[\w-]+\.[\w-]*$/.test(token);
}

/**
 * Verifies a JWT with the algorithm pinned by configuration (the token's own `alg`
 * header is never trusted), and checks `iss`, `aud`, `exp` and `nbf`.
 * Returns the tenant and scopes it grants, or null if it is not acceptable.
 */
export async function verifyTenantJwt(
  token: string,
  config: JwtConfig,
): Promise<{ tenantId: string; scopes: Scope[] } | null> {
  let payload: Record<string, unknown>;
  try {
    const key =
      config.alg === "RS256" && config.key.trim().startsWith("{") ? JSON.parse(config.key) : config.key;
    payload = await verify(token, key, {
      alg: config.alg as SignatureAlgorithm,
      iss: config.issuer,
      aud: config.audience,
    });
  } catch {
    return null;
  }
  const tenantId = payload[config.tenantClaim];
  if (typeof tenantId !== "string" || tenantId.length === 0) return null;
  const rawScopes = payload[config.scopeClaim];
  const scopes = parseScopes(Array.isArray(rawScopes) ? rawScopes.map(String) : String(rawScopes ?? ""));
  return { tenantId, scopes };
}
