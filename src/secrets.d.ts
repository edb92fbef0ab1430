// Secrets and optional vars are not in wrangler.toml, so `wrangler types` cannot see them.
// Locally they come from `.dev.vars`; in the cloud from `wrangler secret put`.
interface EdgeragSecrets {
  /** Operator token for /v1/admin/*. `npm start` creates one in .dev.vars. */
  ADMIN_TOKEN?: string;
  /** Key for `openai:` providers. */
  OPENAI_API_KEY?: string;
  /** Token for `hf:` providers. */
  HF_TOKEN?: string;
  /** HS256 secret for tenant JWTs (with JWT_ISSUER and JWT_AUDIENCE). */
  JWT_SECRET?: string;
  /** RS256 public key (PEM or JWK JSON) for tenant JWTs. */
  JWT_PUBLIC_KEY?: string;
  JWT_ALG?: string;
  JWT_ISSUER?: string;
  JWT_AUDIENCE?: string;
  JWT_TENANT_CLAIM?: string;
  JWT_SCOPE_CLAIM?: string;
  /** Comma-separated origins that may receive OPENAI_API_KEY / HF_TOKEN and that tenant settings may point at. */
  PROVIDER_ALLOWED_ORIGINS?: string;
  /** "off" disables per-tenant rate limiting (benchmarks, single-user installs). */
  RATE_LIMIT?: string;
  /**
   * Largest tenant (in chunks) whose search replica an isolate builds; "0" disables replicas.
   * Unset: 50000 with VECTOR_BACKEND=local, 0 with vectorize (see src/retrieval/replica).
   */
  SEARCH_REPLICA_MAX_CHUNKS?: string;
  /**
   * Milliseconds a search replica found current is used without re-reading the tenant's stamp
   * from D1 (writes through the same isolate are seen at once); "0" reads it for every search.
   * Unset: 1000.
   */
  SEARCH_REPLICA_RECHECK_MS?: string;
}

interface Env extends EdgeragSecrets {}
declare namespace Cloudflare {
  interface Env extends EdgeragSecrets {}
}
