import { describe, expect, it } from "vitest";
import { AppError } from "../../src/http/errors";
import { ProviderError } from "../../src/providers/errors";
import { BreakerRegistry, CircuitBreaker } from "../../src/providers/reliability/breaker";
import { type AttemptEvent, type ChainDeps, callChain } from "../../src/providers/reliability/chain";
import { backoffDelay, type CallPolicy, DEFAULT_POLICIES } from "../../src/providers/reliability/policy";
import { streamChain } from "../../src/providers/reliability/stream-chain";
import type { GenerateEvent } from "../../src/providers/types";
import { FakeClock } from "./fakes";

const policy: CallPolicy = {
  timeoutMs: 1_000,
  firstEventTimeoutMs: 1_000,
  idleTimeoutMs: 1_000,
  retry: { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1_000, maxRetryAfterMs: 5_000 },
};

function setup() {
  const clock = new FakeClock();
  const events: AttemptEvent[] = [];
  const deps: ChainDeps = {
    clock,
    random: () => 0.5,
    breakers: new BreakerRegistry(),
    onAttempt: (e) => events.push(e),
  };
  return { clock, deps, events };
}

/** A provider that plays a script: each entry is thrown (errors) or returned. */
function scripted(...script: (ProviderError | string | "hang")[]) {
  const calls: number[] = [];
  let i = 0;
  return {
    calls,
    provider: {
      async call(clock: FakeClock, signal: AbortSignal): Promise<string> {
        calls.push(clock.now());
        const step = script[Math.min(i++, script.length - 1)];
        if (step === "hang") {
          await clock.sleep(60_000, signal);
          return "too late";
        }
        if (step instanceof ProviderError) throw step;
        return step as string;
      },
    },
  };
}

const run = (
  deps: ChainDeps,
  clock: FakeClock,
  members: { id: string; provider: ReturnType<typeof scripted>["provider"] }[],
  signal?: AbortSignal,
) =>
  callChain({
    role: "generator",
    operation: "generate",
    members,
    policy,
    deps,
    signal,
    call: (p, s) => p.call(clock, s),
  });

describe("backoff", () => {
  it("doubles per attempt with equal jitter, caps, and never undercuts Retry-After", () => {
    const r = policy.retry;
    expect(backoffDelay(1, r, () => 0)).toBe(50);
    expect(backoffDelay(1, r, () => 1)).toBe(100);
    expect(backoffDelay(3, r, () => 1)).toBe(400);
    expect(backoffDelay(10, r, () => 1)).toBe(1_000);
    expect(backoffDelay(1, r, () => 0.5, 2_500)).toBe(2_500);
    expect(backoffDelay(3, r, () => 1, 10)).toBe(400);
  });
});

describe("callChain", () => {
  it("retries transient failures with backoff, then succeeds on the same provider", async () => {
    const { clock, deps, events } = setup();
    const a = scripted(new ProviderError("server_error", "boom", { status: 502 }), "answer");
    const out = await run(deps, clock, [{ id: "a", provider: a.provider }]);
    expect(out).toEqual({ value: "answer", provider: "a", fallbacks: [] });
    expect(a.calls).toHaveLength(2);
    expect(clock.slept).toEqual([75]);
    expect(events.map((e) => [e.provider, e.ok, e.error])).toEqual([
      ["a", false, "server_error"],
      ["a", true, undefined],
    ]);
  });

  it("honours a short Retry-After before retrying", async () => {
    const { clock, deps } = setup();
    const a = scripted(new ProviderError("rate_limited", "429", { status: 429, retryAfterMs: 3_000 }), "ok");
    await run(deps, clock, [{ id: "a", provider: a.provider }]);
    expect(clock.slept).toEqual([3_000]);
    expect((a.calls[1] ?? 0) - (a.calls[0] ?? 0)).toBe(3_000);
  });

  it("does not wait for a long Retry-After: falls back, and keeps the provider's circuit open meanwhile", async () => {
    const { clock, deps } = setup();
    const a = scripted(
      new ProviderError("rate_limited", "429", { status: 429, retryAfterMs: 60_000 }),
      "a-ok",
    );
    const b = scripted("b-ok");
    const members = [
      { id: "a", provider: a.provider },
      { id: "b", provider: b.provider },
    ];
    const first = await run(deps, clock, members);
    expect(first.provider).toBe("b");
    expect(first.fallbacks).toEqual([{ provider: "a", error: "rate_limited" }]);
    expect(clock.slept).toEqual([]);
    const second = await run(deps, clock, members);
    expect(second.fallbacks).toEqual([{ provider: "a", error: "circuit_open" }]);
    expect(a.calls).toHaveLength(1);
    clock.advance(60_000);
    expect((await run(deps, clock, members)).provider).toBe("a");
  });

  it("falls back on timeouts, reporting which provider answered", async () => {
    const { clock, deps } = setup();
    const a = scripted("hang");
    const b = scripted("b-ok");
    const out = await run(deps, clock, [
      { id: "a", provider: a.provider },
      { id: "b", provider: b.provider },
    ]);
    expect(out.provider).toBe("b");
    expect(out.fallbacks).toEqual([{ provider: "a", error: "timeout" }]);
    expect(a.calls).toHaveLength(3);
  });

  it("does not retry caller errors but still falls back", async () => {
    const { clock, deps } = setup();
    const a = scripted(new ProviderError("auth", "401", { status: 401 }));
    const b = scripted("b-ok");
    const out = await run(deps, clock, [
      { id: "a", provider: a.provider },
      { id: "b", provider: b.provider },
    ]);
    expect(a.calls).toHaveLength(1);
    expect(out.fallbacks).toEqual([{ provider: "a", error: "auth" }]);
  });

  it("throws provider_unavailable (503 + Retry-After) only when every provider failed", async () => {
    const { clock, deps } = setup();
    const a = scripted(new ProviderError("rate_limited", "429", { status: 429, retryAfterMs: 30_000 }));
    const b = scripted(new ProviderError("server_error", "500", { status: 500, retryAfterMs: 8_000 }));
    const err = await run(deps, clock, [
      { id: "a", provider: a.provider },
      { id: "b", provider: b.provider },
    ]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    const app = err as AppError;
    expect(app.status).toBe(503);
    expect(app.code).toBe("provider_unavailable");
    expect(app.message).toContain("a was rate limited");
    expect(app.options.headers).toEqual({ "Retry-After": "8" });
    expect(app.options.details).toEqual({
      role: "generator",
      attempts: [
        { provider: "a", error: "rate_limited", status: 429 },
        { provider: "b", error: "server_error", status: 500 },
      ],
    });
  });

  it("is 502 when providers answered but unusably", async () => {
    const { clock, deps } = setup();
    const a = scripted(new ProviderError("invalid_request", "400", { status: 400 }));
    const err = (await run(deps, clock, [{ id: "a", provider: a.provider }]).catch(
      (e: unknown) => e,
    )) as AppError;
    expect(err.status).toBe(502);
    expect(err.code).toBe("provider_unavailable");
  });

  it("rethrows the caller's abort without trying further providers", async () => {
    const { clock, deps } = setup();
    const controller = new AbortController();
    const b = scripted("b-ok");
    const a = {
      calls: [] as number[],
      provider: {
        async call(): Promise<string> {
          controller.abort(new Error("client went away"));
          throw new Error("fetch aborted");
        },
      },
    };
    const err = await run(
      deps,
      clock,
      [
        { id: "a", provider: a.provider },
        { id: "b", provider: b.provider },
      ],
      controller.signal,
    ).catch((e: unknown) => e);
    expect((err as Error).message).toBe("client went away");
    expect(b.calls).toHaveLength(0);
  });
});

describe("circuit breaker", () => {
  it("opens after consecutive failures, skips the provider, and closes after a successful probe", async () => {
    const { clock, deps } = setup();
    const fail = new ProviderError("server_error", "500", { status: 500 });
    const a = scripted(fail, fail, fail, fail, fail, "a-ok");
    const b = scripted("b-ok");
    const members = [
      { id: "a", provider: a.provider },
      { id: "b", provider: b.provider },
    ];
    await run(deps, clock, members); // 3 failed attempts
    await run(deps, clock, members); // 2 more: the fifth opens the circuit
    expect(a.calls).toHaveLength(5);
    expect(deps.breakers.get("a").snapshot(clock.now()).state).toBe("open");
    const skipped = await run(deps, clock, members);
    expect(skipped.fallbacks).toEqual([{ provider: "a", error: "circuit_open" }]);
    expect(a.calls).toHaveLength(5);
    clock.advance(30_000);
    expect(deps.breakers.get("a").snapshot(clock.now()).state).toBe("half_open");
    const probe = await run(deps, clock, members);
    expect(probe.provider).toBe("a");
    expect(deps.breakers.get("a").snapshot(clock.now()).state).toBe("closed");
  });

  it("lets one probe through when half-open and backs off harder when it fails", () => {
    const b = new CircuitBreaker({ failureThreshold: 2, cooldownMs: 1_000, maxCooldownMs: 8_000 });
    b.onFailure(0);
    expect(b.tryAcquire(0)).toBe(true);
    b.onFailure(0);
    expect(b.tryAcquire(500)).toBe(false);
    expect(b.tryAcquire(1_000)).toBe(true);
    expect(b.tryAcquire(1_001)).toBe(false);
    b.onFailure(1_001);
    expect(b.snapshot(2_500).state).toBe("open");
    expect(b.tryAcquire(3_001)).toBe(true);
  });

  it("does not count caller-caused rejections", () => {
    const b = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 1_000, maxCooldownMs: 1_000 });
    expect(new ProviderError("invalid_request", "x").tripsBreaker).toBe(false);
    expect(new ProviderError("timeout", "x").tripsBreaker).toBe(true);
    expect(b.snapshot(0).state).toBe("closed");
  });
});

describe("streamChain", () => {
  const done = (provider: string): GenerateEvent => ({
    type: "done",
    result: { text: "hi", provider, usage: { input_tokens: 1, output_tokens: 1 }, finishReason: "stop" },
  });
  const collect = async (it: AsyncIterable<GenerateEvent>) => {
    const out: GenerateEvent[] = [];
    for await (const e of it) out.push(e);
    return out;
  };

  it("falls back when a provider fails before its first event", async () => {
    const { clock, deps } = setup();
    const members = [
      {
        id: "a",
        // A stream whose request fails before any event (e.g. HTTP 500).
        provider: (): AsyncIterable<GenerateEvent> => ({
          [Symbol.asyncIterator]: () => ({
            next: () => Promise.reject(new ProviderError("server_error", "500", { status: 500 })),
          }),
        }),
      },
      {
        id: "b",
        provider: async function* (): AsyncGenerator<GenerateEvent> {
          yield { type: "delta", text: "hi" };
          yield done("b");
        },
      },
    ];
    const events = await collect(streamChain({ role: "generator", members, policy, deps, open: (p) => p() }));
    expect(events[0]).toEqual({ type: "delta", text: "hi" });
    const last = events.at(-1) as Extract<GenerateEvent, { type: "done" }>;
    expect(last.result.provider).toBe("b");
    expect(last.result.fallbacks).toEqual([{ provider: "a", error: "server_error" }]);
    expect(clock.slept).toHaveLength(2);
  });

  it("times out a stream that never starts, and one that stalls after starting", async () => {
    const { clock, deps } = setup();
    const stalls = (after: number) =>
      async function* (signal: AbortSignal): AsyncGenerator<GenerateEvent> {
        for (let i = 0; i < after; i++) yield { type: "delta", text: `${i}` };
        await clock.sleep(60_000, signal);
      };
    const never = await collect(
      streamChain({
        role: "generator",
        members: [{ id: "a", provider: stalls(0) }],
        policy,
        deps,
        open: (p, s) => p(s),
      }),
    ).catch((e: unknown) => e);
    expect((never as AppError).code).toBe("provider_unavailable");
    const seen: GenerateEvent[] = [];
    const stalled = await (async () => {
      for await (const e of streamChain({
        role: "generator",
        members: [{ id: "b", provider: stalls(2) }],
        policy,
        deps,
        open: (p, s) => p(s),
      }))
        seen.push(e);
    })().catch((e: unknown) => e);
    expect(seen).toHaveLength(2);
    expect((stalled as AppError).code).toBe("provider_stream_failed");
    expect((stalled as AppError).status).toBe(502);
  });

  it("aborts the upstream when the consumer stops early", async () => {
    const { deps } = setup();
    let aborted = false;
    const provider = async function* (signal: AbortSignal): AsyncGenerator<GenerateEvent> {
      signal.addEventListener("abort", () => {
        aborted = true;
      });
      yield { type: "delta", text: "a" };
      yield { type: "delta", text: "b" };
      yield done("a");
    };
    for await (const _ of streamChain({
      role: "generator",
      members: [{ id: "a", provider }],
      policy,
      deps,
      open: (p, s) => p(s),
    }))
      break;
    expect(aborted).toBe(true);
  });
});

it("default policies send fewer retries for generation than for embeddings", () => {
  expect(DEFAULT_POLICIES.generate.retry.maxAttempts).toBeLessThan(DEFAULT_POLICIES.embed.retry.maxAttempts);
});
