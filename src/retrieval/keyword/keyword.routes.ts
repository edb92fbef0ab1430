import { createRoute, z } from "@hono/zod-openapi";
import { adminAuth } from "../../auth/auth.middleware";
import { createDb } from "../../db/client";
import { readOptionalJson } from "../../http/json-body";
import { createRouter, errorResponses, jsonResponse } from "../../http/openapi";
import { TenantId } from "../../tenants/tenants.schema";
import { createFts5KeywordIndex } from "./fts5-index";

const RebuildBody = z.object({ tenant: TenantId.optional() }).strict();
const Rebuilt = z.object({ chunks: z.number().int() }).openapi("KeywordIndexRebuilt");

/**
 * `POST /v1/admin/keyword-index/rebuild`: rebuilds the FTS5 keyword index from the chunks
 * table, for every tenant or one. The repair path after restoring a database (FTS5 virtual
 * tables break `wrangler d1 export`, so exports are made without them) or a suspect index.
 */
export function keywordAdminRoutes() {
  const app = createRouter();
  app.use("/keyword-index/*", adminAuth());
  app.openapi(
    createRoute({
      method: "post",
      path: "/keyword-index/rebuild",
      tags: ["admin"],
      security: [{ adminToken: [] }],
      summary: "Rebuild the keyword index from the chunks table (all tenants, or one: {tenant})",
      responses: { 200: jsonResponse(Rebuilt, "Chunks indexed"), ...errorResponses(400, 401) },
    }),
    async (c) => {
      const { tenant } = await readOptionalJson(c, RebuildBody);
      const result = await createFts5KeywordIndex(createDb(c.env.DB)).rebuild({ tenantId: tenant });
      return c.json(result, 200);
    },
  );
  return app;
}
