import type { Db } from "../db/client";
import type { MetricFamily } from "../observability/metrics";
import { isolateBreakers } from "../providers/reliability/breaker";
import { createUsageRepo } from "./usage.repo";

const STATE = { closed: 0, half_open: 1, open: 2 } as const;

/**
 * Provider metrics for `/metrics`: all-time call, failure, token, cache-hit and latency
 * counters per tenant, provider and operation (from D1, one row each), and this isolate's
 * circuit-breaker states (per isolate: each Workers isolate keeps its own breakers).
 */
export async function providerMetrics(db: Db, now = Date.now()): Promise<MetricFamily[]> {
  const rows = await createUsageRepo(db).totals();
  const family = (name: string, help: string, type: MetricFamily["type"] = "counter") => ({
    name,
    help,
    type,
    samples: [] as { labels: Record<string, string>; value: number }[],
  });
  const calls = family(
    "edgerag_provider_calls_total",
    "Model provider attempts, including retries and failures.",
  );
  const failures = family("edgerag_provider_failures_total", "Model provider attempts that failed.");
  const tokens = family(
    "edgerag_provider_tokens_total",
    "Tokens sent to (input) and produced by (output) providers.",
  );
  const hits = family("edgerag_embedding_cache_hits_total", "Texts served from the embedding cache.");
  const latency = family("edgerag_provider_latency_milliseconds_total", "Summed provider attempt latency.");
  for (const r of rows) {
    const labels = { tenant: r.tenantId, provider: r.provider, operation: r.operation };
    calls.samples.push({ labels, value: r.calls });
    failures.samples.push({ labels, value: r.failures });
    tokens.samples.push({ labels: { ...labels, direction: "input" }, value: r.inputTokens });
    tokens.samples.push({ labels: { ...labels, direction: "output" }, value: r.outputTokens });
    latency.samples.push({ labels, value: r.latencyMs });
    if (r.cacheHits) hits.samples.push({ labels, value: r.cacheHits });
  }
  const breakers = family(
    "edgerag_provider_circuit_state",
    "Circuit breaker state in this isolate: 0 closed, 1 half-open, 2 open.",
    "gauge",
  );
  for (const { provider, snapshot } of isolateBreakers.snapshots(now)) {
    breakers.samples.push({ labels: { provider }, value: STATE[snapshot.state] });
  }
  return [calls, failures, tokens, hits, latency, breakers];
}
