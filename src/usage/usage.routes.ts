import { createRoute } from "@hono/zod-openapi";
import { createDb } from "../db/client";
import { fail } from "../http/errors";
import { tenant, tenantSecurity } from "../http/middleware";
import { createRouter, errorResponses, jsonResponse } from "../http/openapi";
import { createUsageRepo, type UsageSums, utcDay } from "./usage.repo";
import { UsageQuery, UsageReport } from "./usage.schema";

/** Longest range one request may ask for. */
const MAX_RANGE_DAYS = 366;
const DAY_MS = 86_400_000;

const counters = (s: UsageSums) => ({
  calls: s.calls,
  failures: s.failures,
  input_tokens: s.inputTokens,
  output_tokens: s.outputTokens,
  cache_hits: s.cacheHits,
});

/** `GET /v1/usage`: the calling tenant's model calls and tokens by provider and by day. */
export function usageRoutes() {
  const app = createRouter();
  app.openapi(
    createRoute({
      method: "get",
      path: "/usage",
      tags: ["tenant"],
      security: tenantSecurity,
      middleware: tenant("read"),
      summary: "Model calls, tokens and cache hits of this tenant, by provider and by UTC day",
      request: { query: UsageQuery },
      responses: { 200: jsonResponse(UsageReport, "Usage in the range"), ...errorResponses(400, 401, 403) },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const to = q.to ?? utcDay(Date.now());
      const from = q.from ?? utcDay(Date.parse(`${to}T00:00:00Z`) - 29 * DAY_MS);
      const span = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS + 1;
      if (span < 1) throw fail.badRequest(`"from" (${from}) is after "to" (${to}).`);
      if (span > MAX_RANGE_DAYS) throw fail.badRequest(`Ask for at most ${MAX_RANGE_DAYS} days at a time.`);
      const tenantId = c.var.principal.tenantId;
      const repo = createUsageRepo(createDb(c.env.DB));
      const [providers, days] = await Promise.all([
        repo.byProvider(tenantId, from, to),
        repo.byDay(tenantId, from, to),
      ]);
      const totals = { calls: 0, failures: 0, inputTokens: 0, outputTokens: 0, cacheHits: 0, latencyMs: 0 };
      for (const p of providers)
        for (const k of Object.keys(totals) as (keyof UsageSums)[]) totals[k] += p[k];
      return c.json(
        {
          tenant_id: tenantId,
          from,
          to,
          totals: counters(totals),
          providers: providers.map((p) => ({
            provider: p.provider,
            operation: p.operation as "embed" | "rerank" | "generate",
            ...counters(p),
            avg_latency_ms: p.calls ? Math.round((p.latencyMs / p.calls) * 10) / 10 : null,
          })),
          days: days.map((d) => ({ day: d.day, ...counters(d) })),
        },
        200,
      );
    },
  );
  return app;
}
