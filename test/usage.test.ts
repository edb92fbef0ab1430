import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createDb } from "../src/db/client";
import { renderFamilies } from "../src/observability/metrics";
import { providerMetrics } from "../src/usage/usage.metrics";
import { createUsageRecorder } from "../src/usage/usage.recorder";
import { utcDay } from "../src/usage/usage.repo";
import { call, createTenantWithKey, errorCode } from "./helpers";

const db = createDb(env.DB);
const DAY = 86_400_000;

async function seedUsage(tenantId: string, now: number) {
  const recorder = createUsageRecorder({ db, tenantId, now: () => now });
  recorder.record({
    provider: "openai:m@http://x/v1",
    operation: "generate",
    ok: false,
    error: "timeout",
    latencyMs: 100,
  });
  recorder.record({
    provider: "local:extractive",
    operation: "generate",
    ok: true,
    latencyMs: 3,
    usage: { input_tokens: 40, output_tokens: 12 },
  });
  recorder.cacheHits("local:hash-384", 5);
  await recorder.flush();
}

describe("GET /v1/usage", () => {
  it("reports the tenant's usage by provider and by day", async () => {
    const { tenantId, key } = await createTenantWithKey();
    const now = Date.now();
    await seedUsage(tenantId, now);
    await seedUsage(tenantId, now - 2 * DAY);
    const res = await call("GET", "/v1/usage", { token: key });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      tenant_id: string;
      to: string;
      totals: Record<string, number>;
      providers: { provider: string; operation: string; calls: number; avg_latency_ms: number | null }[];
      days: { day: string; calls: number }[];
    };
    expect(body.tenant_id).toBe(tenantId);
    expect(body.to).toBe(utcDay(now));
    expect(body.totals).toEqual({
      calls: 4,
      failures: 2,
      input_tokens: 80,
      output_tokens: 24,
      cache_hits: 10,
    });
    expect(body.providers.find((p) => p.provider === "openai:m@http://x/v1")).toMatchObject({
      operation: "generate",
      calls: 2,
      avg_latency_ms: 100,
    });
    expect(body.days.map((d) => d.day)).toEqual([utcDay(now - 2 * DAY), utcDay(now)]);
    const oneDay = await call("GET", `/v1/usage?from=${utcDay(now)}&to=${utcDay(now)}`, { token: key });
    expect(((await oneDay.json()) as { totals: { calls: number } }).totals.calls).toBe(2);
  });

  it("never shows another tenant's usage", async () => {
    const a = await createTenantWithKey();
    const b = await createTenantWithKey();
    await seedUsage(a.tenantId, Date.now());
    const res = await call("GET", "/v1/usage", { token: b.key });
    expect(((await res.json()) as { totals: { calls: number } }).totals.calls).toBe(0);
  });

  it("validates the range and requires the read scope", async () => {
    const { key } = await createTenantWithKey();
    const reversed = await call("GET", "/v1/usage?from=2026-02-01&to=2026-01-01", { token: key });
    expect(reversed.status).toBe(400);
    expect(await errorCode(reversed)).toBe("invalid_request");
    const notADate = await call("GET", "/v1/usage?from=2026-02-30", { token: key });
    expect(notADate.status).toBe(400);
    const tooLong = await call("GET", "/v1/usage?from=2020-01-01&to=2026-01-01", { token: key });
    expect(tooLong.status).toBe(400);
    expect((await call("GET", "/v1/usage")).status).toBe(401);
    const writeOnly = await createTenantWithKey(["write"]);
    const forbidden = await call("GET", "/v1/usage", { token: writeOnly.key });
    expect(forbidden.status).toBe(403);
  });
});

describe("provider metrics", () => {
  it("exposes all-time counters per tenant, provider and operation in Prometheus format", async () => {
    const { tenantId } = await createTenantWithKey();
    await seedUsage(tenantId, Date.now());
    await seedUsage(tenantId, Date.now() - 3 * DAY);
    const families = await providerMetrics(db);
    const calls = families.find((f) => f.name === "edgerag_provider_calls_total");
    expect(calls?.samples).toContainEqual({
      labels: { tenant: tenantId, provider: "local:extractive", operation: "generate" },
      value: 2,
    });
    const text = renderFamilies(families);
    expect(text).toContain("# TYPE edgerag_provider_tokens_total counter");
    expect(text).toContain(
      `edgerag_provider_tokens_total{direction="output",operation="generate",provider="local:extractive",tenant="${tenantId}"} 24`,
    );
  });
});

describe("PATCH /v1/settings provider validation", () => {
  it("accepts valid chains and refuses malformed ones, per role, with the fix in the message", async () => {
    const { key } = await createTenantWithKey();
    const ok = await call("PATCH", "/v1/settings", {
      token: key,
      json: { reranker: "local:lexical", generator: null },
    });
    expect(ok.status).toBe(200);
    const wrongRole = await call("PATCH", "/v1/settings", {
      token: key,
      json: { embeddings: "local:extractive" },
    });
    expect(wrongRole.status).toBe(400);
    const body = (await wrongRole.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("invalid_request");
    expect(body.error.message).toContain("local:hash-<dims>");
    const mixed = await call("PATCH", "/v1/settings", {
      token: key,
      json: { embeddings: "local:hash-384,workers-ai:@cf/baai/bge-small-en-v1.5" },
    });
    expect(mixed.status).toBe(400);
  });

  it("refuses endpoints the operator has not allowed, and Workers AI where there is no binding", async () => {
    const { key } = await createTenantWithKey();
    const ssrf = await call("PATCH", "/v1/settings", {
      token: key,
      json: { generator: "openai:m@http://169.254.169.254/v1,local:extractive" },
    });
    expect(ssrf.status).toBe(400);
    expect(await errorCode(ssrf)).toBe("provider_not_allowed");
    const ai = await call("PATCH", "/v1/settings", {
      token: key,
      json: { generator: "workers-ai:@cf/meta/llama-3.1-8b-instruct" },
    });
    expect(ai.status).toBe(400);
    expect(await errorCode(ai)).toBe("provider_not_allowed");
  });
});
