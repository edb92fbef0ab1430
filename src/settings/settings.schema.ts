import { z } from "@hono/zod-openapi";
import { type ProviderRole, ProviderSpecError } from "../providers/spec";
import { parseRoleChain } from "../providers/validate";

/** A provider spec or fallback chain, e.g. `openai:llama3.2@http://127.0.0.1:11434/v1,local:extractive`. */
const ProviderSpec = z.string().trim().min(3).max(1000);

/** A provider chain that must parse and suit `role` (see src/providers/validate.ts). */
const providerSetting = (role: ProviderRole) =>
  ProviderSpec.superRefine((value, ctx) => {
    try {
      parseRoleChain(value, role);
    } catch (err) {
      if (!(err instanceof ProviderSpecError)) throw err;
      ctx.addIssue({ code: "custom", message: err.message });
    }
  });

/**
 * Per-tenant settings. Every key is optional: an absent key falls back to the instance
 * configuration (wrangler.toml vars / .dev.vars).
 */
export const TenantSettings = z
  .object({
    embeddings: ProviderSpec.optional(),
    generator: ProviderSpec.optional(),
    reranker: ProviderSpec.optional(),
  })
  .strict()
  .openapi("TenantSettings");

/** The settings type. */
export type TenantSettingsValue = z.infer<typeof TenantSettings>;

/** Body of `PATCH /v1/settings`: keys to set, or `null` to clear a key. */
export const SettingsPatch = z
  .object(
    Object.fromEntries(
      Object.entries(TenantSettings.shape).map(([k, v]) => [
        k,
        (v as z.ZodOptional<z.ZodType>).unwrap().nullable().optional(),
      ]),
    ) as {
      [K in keyof TenantSettingsValue]-?: z.ZodOptional<
        z.ZodNullable<z.ZodType<NonNullable<TenantSettingsValue[K]>>>
      >;
    },
  )
  // Provider chains are checked per role when set (stored values are shown as they are).
  .extend({
    embeddings: providerSetting("embeddings").nullable().optional(),
    generator: providerSetting("generator").nullable().optional(),
    reranker: providerSetting("reranker").nullable().optional(),
  })
  .strict()
  .openapi("TenantSettingsPatch");

export const Whoami = z
  .object({
    tenant_id: z.string(),
    key_id: z.string().nullable(),
    scopes: z.array(z.string()),
    via: z.enum(["api_key", "jwt"]),
  })
  .openapi("Whoami");
