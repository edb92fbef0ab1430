import { fail } from "../http/errors";
import type { ProviderRole } from "./spec";
import { ProviderSpecError } from "./spec";
import { checkTenantSpecs, type TrustEnv } from "./trust";
import { parseRoleChain } from "./validate";

const ROLES: readonly ProviderRole[] = ["embeddings", "generator", "reranker"];

/**
 * Checks provider chains a tenant is about to store (PATCH /v1/settings) against what this
 * instance allows: only trusted endpoints, Workers AI only where the binding exists. Syntax is
 * already checked by the request schema; this needs the environment. Throws 400
 * `provider_not_allowed`.
 */
export function assertTenantProviderSettings(
  changes: Record<string, unknown>,
  env: TrustEnv & { AI?: unknown },
): void {
  for (const role of ROLES) {
    const value = changes[role];
    if (typeof value !== "string") continue;
    try {
      checkTenantSpecs(parseRoleChain(value, role), env);
    } catch (err) {
      if (!(err instanceof ProviderSpecError)) throw err;
      throw fail.badRequest(`${role}: ${err.message}`, "provider_not_allowed");
    }
  }
}
