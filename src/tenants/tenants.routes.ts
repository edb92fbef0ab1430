import { createRoute } from "@hono/zod-openapi";
import { adminAuth } from "../auth/auth.middleware";
import { createKeysRepo } from "../auth/keys.repo";
import { createKeysService, forgetKey, toKeyView } from "../auth/keys.service";
import { createDb } from "../db/client";
import { fail } from "../http/errors";
import { readOptionalJson } from "../http/json-body";
import { createRouter, errorResponses, jsonBody, jsonResponse } from "../http/openapi";
import { createTenantsRepo, type TenantRow } from "./tenants.repo";
import {
  CreatedKey,
  CreateKeyBody,
  CreateTenantBody,
  KeyList,
  KeyParam,
  ListTenantsQuery,
  Tenant,
  TenantList,
  TenantParam,
} from "./tenants.schema";

const tags = ["admin"];
const security = [{ adminToken: [] }];

function toTenant(row: TenantRow) {
  return { id: row.id, name: row.name, created_at: row.createdAt };
}

/** Operator routes: tenants and their API keys. Authenticated by ADMIN_TOKEN. */
export function adminRoutes() {
  const app = createRouter();
  app.use("*", adminAuth());

  app.openapi(
    createRoute({
      method: "post",
      path: "/tenants",
      tags,
      security,
      summary: "Create a tenant",
      request: { body: jsonBody(CreateTenantBody) },
      responses: { 201: jsonResponse(Tenant, "Created"), ...errorResponses(400, 401, 409) },
    }),
    async (c) => {
      const { id, name } = c.req.valid("json");
      const row = await createTenantsRepo(createDb(c.env.DB)).insert(id, name ?? id);
      if (!row) throw fail.conflict(`Tenant "${id}" already exists.`, "tenant_exists");
      return c.json(toTenant(row), 201);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/tenants",
      tags,
      security,
      summary: "List tenants",
      request: { query: ListTenantsQuery },
      responses: { 200: jsonResponse(TenantList, "Tenants by id"), ...errorResponses(400, 401) },
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid("query");
      const rows = await createTenantsRepo(createDb(c.env.DB)).list(limit + 1, cursor);
      const page = rows.slice(0, limit);
      const next = rows.length > limit ? (page.at(-1)?.id ?? null) : null;
      return c.json({ tenants: page.map(toTenant), next_cursor: next }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/tenants/{tenant}",
      tags,
      security,
      summary: "Get a tenant",
      request: { params: TenantParam },
      responses: { 200: jsonResponse(Tenant, "The tenant"), ...errorResponses(401, 404) },
    }),
    async (c) => {
      const { tenant } = c.req.valid("param");
      const row = await createTenantsRepo(createDb(c.env.DB)).find(tenant);
      if (!row) throw fail.notFound(`Tenant "${tenant}" does not exist.`, "tenant_not_found");
      return c.json(toTenant(row), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/tenants/{tenant}/keys",
      tags,
      security,
      summary: "Create an API key for a tenant (the secret is returned once)",
      // The body is optional (defaults: both scopes), so it is read by hand below.
      request: { params: TenantParam },
      responses: { 201: jsonResponse(CreatedKey, "Created"), ...errorResponses(400, 401, 404) },
    }),
    async (c) => {
      const { tenant } = c.req.valid("param");
      const body = await readOptionalJson(c, CreateKeyBody);
      const db = createDb(c.env.DB);
      if (!(await createTenantsRepo(db).find(tenant))) {
        throw fail.notFound(`Tenant "${tenant}" does not exist.`, "tenant_not_found");
      }
      const created = await createKeysService(createKeysRepo(db)).issue(
        tenant,
        body.scopes,
        body.name ?? null,
      );
      return c.json(created, 201);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/tenants/{tenant}/keys",
      tags,
      security,
      summary: "List a tenant's API keys (never the secrets)",
      request: { params: TenantParam },
      responses: { 200: jsonResponse(KeyList, "Keys, newest first"), ...errorResponses(401, 404) },
    }),
    async (c) => {
      const { tenant } = c.req.valid("param");
      const db = createDb(c.env.DB);
      if (!(await createTenantsRepo(db).find(tenant))) {
        throw fail.notFound(`Tenant "${tenant}" does not exist.`, "tenant_not_found");
      }
      const rows = await createKeysRepo(db).listByTenant(tenant);
      return c.json({ keys: rows.map(toKeyView) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/keys/{id}",
      tags,
      security,
      summary: "Revoke an API key (idempotent)",
      request: { params: KeyParam },
      responses: {
        200: jsonResponse(CreatedKey.omit({ key: true }), "The revoked key"),
        ...errorResponses(401, 404),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const repo = createKeysRepo(createDb(c.env.DB));
      if (!(await repo.findById(id))) throw fail.notFound(`API key "${id}" does not exist.`, "key_not_found");
      await repo.revoke(id, Date.now());
      forgetKey(id); // this isolate stops accepting it now; others within KEY_CACHE_TTL_MS
      const row = await repo.findById(id);
      if (!row) throw fail.notFound(`API key "${id}" does not exist.`, "key_not_found");
      return c.json(toKeyView(row), 200);
    },
  );

  return app;
}
