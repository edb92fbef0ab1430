import { Hono } from "hono";
import { adminAuth } from "../auth/auth.middleware";
import { createDb } from "../db/client";
import type { AppEnv } from "../http/app-env";
import { providerMetrics } from "../usage/usage.metrics";
import { log } from "./log";
import { type MetricFamily, renderFamilies, renderMetrics } from "./metrics";

/** Scrape-time gauges read from D1: tenants, documents by status, chunks. */
async function storageGauges(db: D1Database): Promise<MetricFamily[]> {
  const [tenants, docs, chunks] = await db.batch<{ status?: string; n: number }>([
    db.prepare("SELECT count(*) AS n FROM tenants"),
    db.prepare("SELECT status, count(*) AS n FROM documents GROUP BY status"),
    db.prepare("SELECT count(*) AS n FROM chunks"),
  ]);
  return [
    {
      name: "edgerag_tenants",
      help: "Tenants.",
      type: "gauge",
      samples: [{ value: tenants?.results[0]?.n ?? 0 }],
    },
    {
      name: "edgerag_documents",
      help: "Documents by ingest status.",
      type: "gauge",
      samples: (docs?.results ?? []).map((r) => ({ labels: { status: r.status ?? "unknown" }, value: r.n })),
    },
    {
      name: "edgerag_chunks",
      help: "Indexed chunks.",
      type: "gauge",
      samples: [{ value: chunks?.results[0]?.n ?? 0 }],
    },
  ];
}

/**
 * `GET /metrics` in Prometheus text format, behind the admin token (it reveals
 * instance-wide volumes). Point Prometheus at it with `authorization: credentials`.
 */
export function metricsRoutes() {
  const app = new Hono<AppEnv>();
  app.get("/metrics", adminAuth(), async (c) => {
    let stored = "";
    try {
      const [storage, providers] = await Promise.all([
        storageGauges(c.env.DB),
        providerMetrics(createDb(c.env.DB)),
      ]);
      stored = renderFamilies([...storage, ...providers]);
    } catch (err) {
      // Request metrics are still worth serving when D1 is unavailable.
      log.warn("metrics: stored metrics unavailable", { err });
    }
    return c.text(`${renderMetrics()}\n${stored}\n`, 200, { "content-type": "text/plain; version=0.0.4" });
  });
  return app;
}
