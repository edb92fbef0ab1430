import { createRoute } from "@hono/zod-openapi";
import { tenant, tenantSecurity } from "../http/middleware";
import { createRouter, errorResponses, jsonBody, jsonResponse } from "../http/openapi";
import { tenantRetriever } from "./index";
import { SearchInput, SearchOutput, toResultView, toSearchRequest } from "./search.schema";

/** `POST /v1/search`: hybrid (default), vector or keyword search over the tenant's chunks. */
export function searchRoutes() {
  const app = createRouter();
  app.openapi(
    createRoute({
      method: "post",
      path: "/search",
      tags: ["search"],
      security: tenantSecurity,
      middleware: tenant("read"),
      summary: "Search the tenant's documents (hybrid BM25 + vectors, fused; optional rerank)",
      description:
        "Runs BM25 keyword search and vector search in parallel, both scoped to the tenant and `filter`, " +
        "fuses them (normalised-score fusion with the built-in hash embedder, weighted reciprocal rank " +
        "fusion with model embedders), then optionally reranks, de-duplicates per document, diversifies " +
        "(MMR), applies `min_score` and attaches neighbouring chunks. `score` is the last stage's score; " +
        "`scores` has every stage's. A query with no letters or digits returns no results. `warnings` " +
        "reports a degraded search (e.g. keyword-only until a reindex after an embedder change).",
      request: { body: jsonBody(SearchInput) },
      responses: {
        200: jsonResponse(SearchOutput, "Ranked chunks"),
        ...errorResponses(400, 401, 403, 409, 429, 503),
      },
    }),
    async (c) => {
      const tenantId = c.var.principal.tenantId;
      const retriever = await tenantRetriever(c.env, tenantId, (p) => c.executionCtx.waitUntil(p));
      const { results, timings, warnings } = await retriever.search(
        tenantId,
        toSearchRequest(c.req.valid("json"), c.req.raw.signal),
      );
      return c.json({ results: results.map(toResultView), timings, ...(warnings ? { warnings } : {}) }, 200);
    },
  );
  return app;
}
