import { z } from "@hono/zod-openapi";
import { SCOPES } from "../auth/scopes";

/** Tenant ids are URL- and log-safe slugs. */
export const TenantId = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9_-]{0,62}$/,
    "must be 1–63 characters of a-z, 0-9, '_' or '-', starting with a letter or digit",
  )
  .openapi({ example: "acme" });

export const CreateTenantBody = z
  .object({
    id: TenantId,
    name: z.string().trim().min(1).max(200).optional().openapi({ example: "Acme Corp" }),
  })
  .strict()
  .openapi("CreateTenant");

export const Tenant = z
  .object({ id: z.string(), name: z.string(), created_at: z.number().int() })
  .openapi("Tenant");

export const TenantList = z
  .object({ tenants: z.array(Tenant), next_cursor: z.string().nullable() })
  .openapi("TenantList");

export const ListTenantsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().max(200).optional(),
});

export const CreateKeyBody = z
  .object({
    scopes: z
      .array(z.enum(SCOPES))
      .min(1)
      .max(SCOPES.length)
      .default(["read", "write"])
      .openapi({ example: ["read"] }),
    name: z.string().trim().min(1).max(200).optional().openapi({ example: "search frontend" }),
  })
  .strict()
  .openapi("CreateKey");

const keyFields = {
  id: z.string().openapi({ example: "key_01jd3k5q7x0000000000000000" }),
  tenant_id: z.string(),
  name: z.string().nullable(),
  prefix: z.string().openapi({ example: "erk_Ab12Cd" }),
  scopes: z.array(z.enum(SCOPES)),
  created_at: z.number().int(),
  last_used_at: z.number().int().nullable(),
  revoked_at: z.number().int().nullable(),
};

export const ApiKey = z.object(keyFields).openapi("ApiKey");

export const CreatedKey = z
  .object({
    ...keyFields,
    key: z.string().openapi({ description: "The secret. Shown only in this response." }),
  })
  .openapi("CreatedApiKey");

export const KeyList = z.object({ keys: z.array(ApiKey) }).openapi("ApiKeyList");

export const TenantParam = z.object({ tenant: TenantId.openapi({ param: { name: "tenant", in: "path" } }) });
export const KeyParam = z.object({
  id: z
    .string()
    .min(1)
    .max(100)
    .openapi({ param: { name: "id", in: "path" } }),
});
