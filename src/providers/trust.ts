import { type ProviderSpec, ProviderSpecError, parseProviderChain, specOrigin } from "./spec";

/**
 * Where `hf:<model>` without an endpoint sends requests (and the operator's HF_TOKEN, and
 * bills): tenants may only use it when the operator does or allows it.
 */
export const HF_ROUTER_ORIGIN = "https://router.huggingface.co";

/** The origin a spec's requests go to, counting Hugging Face's hosted router. */
function trustOrigin(spec: ProviderSpec): string | null {
  return specOrigin(spec) ?? (spec.kind === "hf" ? HF_ROUTER_ORIGIN : null);
}

/** The environment values that decide which endpoints are trusted with secrets. */
export interface TrustEnv {
  EMBEDDINGS?: string;
  GENERATOR?: string;
  RERANKER?: string;
  /** Extra origins tenants may point their settings at, comma-separated (`https://tei.internal:8080`). */
  PROVIDER_ALLOWED_ORIGINS?: string;
  OPENAI_API_KEY?: string;
  HF_TOKEN?: string;
}

/**
 * Origins the operator trusts: those in the instance's own provider vars plus
 * PROVIDER_ALLOWED_ORIGINS. Secrets are only ever sent there, and tenant settings may only
 * point there; otherwise a tenant could aim `openai:x@https://attacker.example` at the
 * operator's OPENAI_API_KEY, or make the server call internal addresses (SSRF).
 */
export function trustedOrigins(env: TrustEnv): Set<string> {
  const origins = new Set<string>();
  for (const value of [env.EMBEDDINGS, env.GENERATOR, env.RERANKER]) {
    if (!value) continue;
    try {
      for (const spec of parseProviderChain(value)) {
        const o = trustOrigin(spec);
        if (o) origins.add(o);
      }
    } catch {
      // An invalid instance var is reported where it is resolved; it trusts nothing.
    }
  }
  for (const raw of (env.PROVIDER_ALLOWED_ORIGINS ?? "").split(",")) {
    const v = raw.trim();
    if (!v) continue;
    try {
      origins.add(new URL(v).origin);
    } catch {
      // Ignored: a malformed entry allows nothing.
    }
  }
  return origins;
}

/** The secret to send to `spec`'s endpoint, or undefined. */
export function credentialFor(
  spec: ProviderSpec,
  env: TrustEnv,
  trusted = trustedOrigins(env),
): string | undefined {
  if (spec.kind === "openai") return trusted.has(specOrigin(spec) ?? "") ? env.OPENAI_API_KEY : undefined;
  if (spec.kind === "hf") {
    // Without an endpoint the request goes to Hugging Face's own router, the token's home.
    return !spec.endpointUrl || trusted.has(specOrigin(spec) ?? "") ? env.HF_TOKEN : undefined;
  }
  return undefined;
}

/** Checks tenant-chosen specs: endpoints must be trusted origins; workers-ai needs the AI binding. */
export function checkTenantSpecs(specs: readonly ProviderSpec[], env: TrustEnv & { AI?: unknown }): void {
  const trusted = trustedOrigins(env);
  for (const spec of specs) {
    const origin = trustOrigin(spec);
    if (origin && !trusted.has(origin)) {
      throw new ProviderSpecError(
        `"${spec.id}" points at ${origin}, which this instance does not allow for tenants. ` +
          "Use an endpoint the operator configured or listed in PROVIDER_ALLOWED_ORIGINS.",
      );
    }
    if (spec.kind === "workers-ai" && !env.AI) {
      throw new ProviderSpecError(
        `"${spec.id}" needs Workers AI, which this instance does not have (no AI binding).`,
      );
    }
  }
}
