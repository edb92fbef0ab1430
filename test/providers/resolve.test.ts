import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import type { AppError } from "../../src/http/errors";
import { BreakerRegistry } from "../../src/providers/reliability/breaker";
import { type ProviderEnv, resolveProviders } from "../../src/providers/resolve";
import type { GenerateEvent } from "../../src/providers/types";
import { createSettingsRepo } from "../../src/settings/settings.repo";
import { createUsageRepo, utcDay } from "../../src/usage/usage.repo";
import { createTenantWithKey } from "../helpers";
import { FakeClock } from "./fakes";
import { rejection, wireBase, wireLog } from "./wire";

const db = createDb(env.DB);
const wireOrigin = new URL(env.PROVIDER_WIRE_URL).origin;
const testEnv: ProviderEnv = { ...env, PROVIDER_ALLOWED_ORIGINS: wireOrigin };
const question = "When was the Duchy of Normandy founded?";
const passages = [
  { id: "c1", documentId: "d1", text: "The Duchy of Normandy was founded in 911 by treaty." },
];

async function tenantWith(settings: Record<string, string>) {
  const { tenantId, key } = await createTenantWithKey();
  await createSettingsRepo(db).apply(tenantId, settings);
  return { tenantId, key };
}

const resolve = (tenantId: string, clock = new FakeClock(), e: ProviderEnv = testEnv) =>
  resolveProviders({
    env: e,
    db,
    tenantId,
    deps: { clock, random: () => 0, breakers: new BreakerRegistry() },
  });

describe("resolveProviders", () => {
  it("uses the instance configuration by default", async () => {
    const { tenantId } = await createTenantWithKey();
    const p = await resolve(tenantId);
    expect(p.specs).toEqual({
      embeddings: "local:hash-384",
      reranker: "local:lexical",
      generator: "local:extractive",
    });
    expect(p.embedder.dimensions).toBe(384);
    const r = await p.generator.generate({ messages: [], question, passages });
    expect(r.text).toContain("911");
    expect(r.provider).toBe("local:extractive");
    expect((await p.reranker.rerank("duchy founded", ["x", passages[0]?.text ?? ""])).scores).toHaveLength(2);
  });

  it("applies tenant overrides role by role and reports which provider of the chain answered", async () => {
    const { base } = wireBase("error");
    const { tenantId } = await tenantWith({ generator: `openai:m@${base}/v1,local:extractive` });
    const p = await resolve(tenantId);
    expect(p.specs.generator).toBe(`openai:m@${base}/v1,local:extractive`);
    expect(p.specs.embeddings).toBe("local:hash-384");
    const r = await p.generator.generate({ messages: [], question, passages });
    expect(r.provider).toBe("local:extractive");
    expect(r.fallbacks).toEqual([{ provider: `openai:m@${base}/v1`, error: "server_error" }]);
  });

  it("falls back in streams too, before the first delta", async () => {
    const { base } = wireBase("rate-limited");
    const { tenantId } = await tenantWith({ generator: `openai:m@${base}/v1,local:extractive` });
    const events: GenerateEvent[] = [];
    for await (const e of (await resolve(tenantId)).generator.stream({ messages: [], question, passages }))
      events.push(e);
    expect(events.at(-1)).toMatchObject({
      type: "done",
      result: {
        provider: "local:extractive",
        fallbacks: [{ provider: `openai:m@${base}/v1`, error: "rate_limited" }],
      },
    });
  });

  it("answers 503 provider_unavailable when the whole chain fails", async () => {
    const { base } = wireBase("error");
    const { tenantId } = await tenantWith({ generator: `openai:m@${base}/v1` });
    const err = (await rejection(
      (await resolve(tenantId)).generator.generate({ messages: [], question, passages }),
    )) as AppError;
    expect(err.status).toBe(503);
    expect(err.code).toBe("provider_unavailable");
  });

  it("sends OPENAI_API_KEY only to trusted endpoints", async () => {
    const { base, key } = wireBase("auth");
    const { tenantId } = await tenantWith({ generator: `openai:m@${base}/v1` });
    const trusted = await resolve(tenantId, new FakeClock(), { ...testEnv, OPENAI_API_KEY: "test-key" });
    expect((await trusted.generator.generate({ messages: [], question, passages })).text).toContain("echo:");
    const [logged] = await wireLog(key);
    expect(logged?.headers.authorization).toBe("Bearer test-key");
  });

  it("refuses a stored tenant setting the instance no longer allows (409), naming the fix", async () => {
    const { tenantId } = await tenantWith({ generator: "openai:m@https://attacker.example/v1" });
    const err = (await rejection(resolve(tenantId))) as AppError;
    expect(err.status).toBe(409);
    expect(err.code).toBe("invalid_provider_setting");
    expect(err.message).toContain("PATCH /v1/settings");
  });

  it("reports a broken instance variable as a 500 for the operator", async () => {
    const { tenantId } = await createTenantWithKey();
    const err = (await rejection(
      resolve(tenantId, new FakeClock(), { ...testEnv, EMBEDDINGS: "local:hash-384,local:hash-256" }),
    )) as AppError;
    expect(err.status).toBe(500);
    expect(err.code).toBe("provider_config_invalid");
    expect(err.message).toContain("EMBEDDINGS");
  });

  it("records calls, failures, tokens and cache hits per provider", async () => {
    const { base } = wireBase("error");
    const { tenantId } = await tenantWith({ generator: `openai:m@${base}/v1,local:extractive` });
    const clock = new FakeClock();
    const p = await resolve(tenantId, clock);
    await p.generator.generate({ messages: [], question, passages });
    await p.embedder.embed(["alpha", "beta"]);
    await p.embedder.embed(["alpha"]);
    const day = utcDay(clock.now());
    const rows = await createUsageRepo(db).byProvider(tenantId, day, day);
    const row = (provider: string, operation: string) =>
      rows.find((r) => r.provider === provider && r.operation === operation);
    expect(row(`openai:m@${base}/v1`, "generate")).toMatchObject({ calls: 2, failures: 2 });
    expect(row("local:extractive", "generate")).toMatchObject({ calls: 1, failures: 0 });
    expect(row("local:extractive", "generate")?.outputTokens).toBeGreaterThan(0);
    // The built-in embedder recomputes instead of reading vectors back from D1.
    expect(row("local:hash-384", "embed")).toMatchObject({ calls: 2, cacheHits: 0 });
  });

  it("serves repeated texts of a remote embedder from the D1 cache", async () => {
    const { base } = wireBase("ok");
    const { tenantId } = await tenantWith({ embeddings: `openai:m@${base}/v1` });
    const clock = new FakeClock();
    const p = await resolve(tenantId, clock);
    await p.embedder.embed(["alpha", "beta"]);
    const again = await p.embedder.embed(["alpha"]);
    expect(again.cached).toBe(1);
    const day = utcDay(clock.now());
    const rows = await createUsageRepo(db).byProvider(tenantId, day, day);
    expect(rows.find((r) => r.provider === `openai:m@${base}/v1` && r.operation === "embed")).toMatchObject({
      calls: 1,
      cacheHits: 1,
    });
  });
});
