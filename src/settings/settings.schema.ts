import { z } from "@hono/zod-openapi";

/** A provider spec or fallback chain, e.g. `openai:llama3.2@http://127.0.0.1:11434/v1,local:extractive`. */
const ProviderSpec = z
  .string()
  .trim()
  .min(3)
  .max(1000)
  .regex(
    /^(local|workers-ai|openai|hf):\S+$/,
    "must look like local:<name>, workers-ai:<model>, openai:<model>@<url> or hf:<model>[@<url>], comma-separated for a fallback chain",
  )
  .or(z.string().regex(/^[^,\s]+(,[^,\s]+)+$/));

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
