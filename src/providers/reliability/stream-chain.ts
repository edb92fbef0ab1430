import { isCallerAbort, ProviderError } from "../errors";
import type { GenerateEvent } from "../types";
import { type CallChainOptions, type ChainMember, circuitOpen, failed, notes, retryDelay } from "./chain";
import type { Clock } from "./clock";
import { providerUnavailable, streamInterrupted } from "./exhausted";

/** Options of {@link streamChain}: like a call chain, but each provider opens an event stream. */
export interface StreamChainOptions<P>
  extends Omit<CallChainOptions<P, never>, "call" | "usage" | "operation"> {
  open: (provider: P, signal: AbortSignal) => AsyncIterable<GenerateEvent>;
}

/**
 * Streams from the first provider of the chain that produces an event. Until a provider's
 * first event the chain retries and falls back exactly like {@link callChain}; after it the
 * answer is committed to that provider, and a later failure ends the stream with
 * `provider_stream_failed` (text already sent cannot be taken back). Timeouts apply to the
 * first event and to every gap between events.
 */
export async function* streamChain<P>(opts: StreamChainOptions<P>): AsyncGenerator<GenerateEvent> {
  const failures: ProviderError[] = [];
  const { clock, breakers } = opts.deps;
  const ctx = { ...opts, operation: "generate" as const };
  for (const member of opts.members) {
    const breaker = breakers.get(member.id);
    for (let attempt = 1; ; attempt++) {
      if (!breaker.tryAcquire(clock.now())) {
        failures.push(circuitOpen(member.id));
        break;
      }
      const started = clock.now();
      const stream = openStream(opts, member, clock);
      let first: IteratorResult<GenerateEvent>;
      try {
        first = await stream.next(opts.policy.firstEventTimeoutMs);
        if (first.done) throw new ProviderError("bad_response", "stream ended without any event");
      } catch (raw) {
        stream.close();
        if (isCallerAbort(raw, opts.signal)) throw raw;
        const err = failed(ctx, member.id, raw, clock.now() - started, breaker);
        const delay = retryDelay(opts, err, attempt, breaker);
        if (delay === null) {
          failures.push(err);
          break;
        }
        await clock.sleep(delay, opts.signal);
        continue;
      }
      // Committed to this provider from here on.
      try {
        let event: GenerateEvent = first.value;
        for (;;) {
          if (event.type === "done") {
            breaker.onSuccess();
            opts.deps.onAttempt?.({
              provider: member.id,
              operation: "generate",
              ok: true,
              latencyMs: clock.now() - started,
              usage: event.result.usage,
            });
            const fallbacks = notes(failures);
            yield {
              type: "done",
              result: { ...event.result, provider: member.id, ...(fallbacks.length ? { fallbacks } : {}) },
            };
            return;
          }
          yield event;
          const next = await stream.next(opts.policy.idleTimeoutMs);
          if (next.done) throw new ProviderError("bad_response", "stream ended before its final event");
          event = next.value;
        }
      } catch (raw) {
        if (isCallerAbort(raw, opts.signal)) throw raw;
        throw streamInterrupted(failed(ctx, member.id, raw, clock.now() - started, breaker));
      } finally {
        stream.close();
      }
    }
  }
  throw providerUnavailable(opts.role, failures);
}

/** A provider's stream with per-event deadlines and a way to abort the upstream. */
function openStream<P>(opts: StreamChainOptions<P>, member: ChainMember<P>, clock: Clock) {
  const controller = new AbortController();
  const onParentAbort = () => controller.abort(opts.signal?.reason);
  if (opts.signal?.aborted) onParentAbort();
  opts.signal?.addEventListener("abort", onParentAbort, { once: true });
  let iterator: AsyncIterator<GenerateEvent> | undefined;
  return {
    next(ms: number): Promise<IteratorResult<GenerateEvent>> {
      iterator ??= opts.open(member.provider, controller.signal)[Symbol.asyncIterator]();
      const pending = iterator.next();
      return new Promise((resolve, reject) => {
        const cancel = clock.timer(ms, () => {
          const err = new ProviderError("timeout", `no stream event within ${ms} ms`);
          controller.abort(err);
          reject(err);
        });
        pending.then(
          (r) => {
            cancel();
            resolve(r);
          },
          (e: unknown) => {
            cancel();
            // The caller's abort stays an abort; our own abort (deadline) is its reason.
            if (opts.signal?.aborted) reject(opts.signal.reason ?? e);
            else reject(controller.signal.aborted ? controller.signal.reason : e);
          },
        );
      });
    },
    close(): void {
      opts.signal?.removeEventListener("abort", onParentAbort);
      if (!controller.signal.aborted) controller.abort(new ProviderError("timeout", "stream closed"));
      // Release the upstream reader; errors from an already-failed stream are irrelevant here.
      iterator?.return?.().catch(() => {});
    },
  };
}
