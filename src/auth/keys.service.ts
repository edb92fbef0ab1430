import { randomToken, sha256Hex } from "../lib/crypto";
import { newId } from "../lib/ids";
import { TtlCache } from "../lib/ttl-cache";
import type { ApiKeyRow, KeysRepo } from "./keys.repo";
import { parseScopes, type Scope } from "./scopes";

/** Every tenant key starts with this, so leaked keys are easy to grep for and tell apart from JWTs. */
export const API_KEY_PREFIX = "erk_";

/** A key as shown to administrators: never the secret. */
export interface ApiKeyView {
  id: string;
  tenant_id: string;
  name: string | null;
  prefix: string;
  scopes: Scope[];
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

/** Public view of a stored key. */
export function toKeyView(row: ApiKeyRow): ApiKeyView {
  return {
    id: row.id,
    tenant_id: row.tenantId,
    name: row.name,
    prefix: row.prefix,
    scopes: parseScopes(row.scopes),
    created_at: row.createdAt,
    last_used_at: row.lastUsedAt,
    revoked_at: row.revokedAt,
  };
}

/**
 * How long an isolate may keep using a key row it has read: the bound on how late another
 * isolate notices a revocation (Cloudflare runs many isolates; locally there is one, and a
 * revocation through it takes effect at once). Keys are resolved on every request, and this
 * saves a D1 read on almost all of them.
 */
export const KEY_CACHE_TTL_MS = 10_000;

/** Active key rows by secret hash, per isolate (unknown and revoked keys are never cached). */
const activeKeys = new TtlCache<string, ApiKeyRow>(KEY_CACHE_TTL_MS, 10_000);

/** Forgets a key in this isolate's cache (after revoking it, or changing its row). */
export function forgetKey(id: string): void {
  activeKeys.deleteWhere((row) => row.id === id);
}

/** Key lifecycle: issue (secret shown once), resolve by secret, revoke. */
export function createKeysService(repo: KeysRepo) {
  return {
    /** Issues a new key; the returned `key` is the only time the secret exists outside the caller. */
    async issue(tenantId: string, scopes: readonly Scope[], name: string | null) {
      const secret = `${API_KEY_PREFIX}${randomToken(32)}`;
      const row = await repo.insert({
        id: newId("key"),
        tenantId,
        name,
        hash: await sha256Hex(secret),
        prefix: secret.slice(0, API_KEY_PREFIX.length + 6),
        scopes: scopes.join(" "),
      });
      return { ...toKeyView(row), key: secret };
    },
    /**
     * Resolves a presented secret to its active key, or undefined if unknown or revoked (a
     * revocation made in another isolate is seen within {@link KEY_CACHE_TTL_MS}).
     */
    async resolve(secret: string): Promise<ApiKeyRow | undefined> {
      if (!secret.startsWith(API_KEY_PREFIX)) return undefined;
      // Lookup is by the hash of the secret, so response timing depends only on a one-way
      // digest, never on how many characters of a real key matched.
      const hash = await sha256Hex(secret);
      const cached = activeKeys.get(hash);
      if (cached) return cached;
      const row = await repo.findByHash(hash);
      if (!row || row.revokedAt !== null) return undefined;
      activeKeys.set(hash, row);
      return row;
    },
  };
}

/** The keys service type. */
export type KeysService = ReturnType<typeof createKeysService>;
