import { asProviderError, isCallerAbort, ProviderError, type ProviderErrorKind } from "../errors";
import type { ProviderRole } from "../spec";
import type { FallbackNote, Usage } from "../types";
import type { BreakerRegistry, CircuitBreaker } from "./breaker";
import type { Clock } from "./clock";
import { withDeadline } from "./deadline";
import { providerUnavailable } from "./exhausted";
import { backoffDelay, type CallPolicy } from "./policy";

/** The three kinds of model call, as recorded in usage rows. */
export type Operation = "embed" | "rerank" | "generate";

/** One try at one provider, reported for accounting and metrics. */
export interface AttemptEvent {
  provider: string;
  operation: Operation;
  ok: boolean;
  error?: ProviderErrorKind;
  latencyMs: number;
  usage?: Usage;
}

/** What the chain needs from the outside world; tests pass fakes. */
export interface ChainDeps {
  clock: Clock;
  random: () => number;
  breakers: BreakerRegistry;
  onAttempt?: (event: AttemptEvent) => void;
}

/** One provider of a chain. */
export interface ChainMember<P> {
  id: string;
  provider: P;
}

/** What a successful chain call returns. */
export interface ChainOutcome<T> {
  value: T;
  provider: string;
  fallbacks: FallbackNote[];
}

/** Options of {@link callChain}. */
export interface CallChainOptions<P, T> {
  role: ProviderRole;
  operation: Operation;
  members: readonly ChainMember<P>[];
  policy: CallPolicy;
  deps: ChainDeps;
  signal?: AbortSignal;
  call: (provider: P, signal: AbortSignal) => Promise<T>;
  usage?: (value: T) => Usage | undefined;
}

/**
 * Calls the providers of a chain in order: each with a deadline, retried with backoff on
 * transient failures (honouring Retry-After), skipped while its circuit is open; the next one
 * is tried when a provider gives up. Throws `provider_unavailable` only when all failed, and
 * rethrows the caller's own abort untouched.
 */
export async function callChain<P, T>(opts: CallChainOptions<P, T>): Promise<ChainOutcome<T>> {
  const failures: ProviderError[] = [];
  for (const member of opts.members) {
    try {
      const value = await tryMember(opts, member);
      return { value, provider: member.id, fallbacks: notes(failures) };
    } catch (err) {
      if (isCallerAbort(err, opts.signal)) throw err;
      failures.push(err as ProviderError);
    }
  }
  throw providerUnavailable(opts.role, failures);
}

async function tryMember<P, T>(opts: CallChainOptions<P, T>, member: ChainMember<P>): Promise<T> {
  const { clock, breakers } = opts.deps;
  const breaker = breakers.get(member.id);
  for (let attempt = 1; ; attempt++) {
    if (!breaker.tryAcquire(clock.now())) throw circuitOpen(member.id);
    const started = clock.now();
    try {
      const value = await withDeadline(clock, opts.policy.timeoutMs, opts.signal, (s) =>
        opts.call(member.provider, s),
      );
      breaker.onSuccess();
      report(opts, {
        provider: member.id,
        ok: true,
        latencyMs: clock.now() - started,
        usage: opts.usage?.(value),
      });
      return value;
    } catch (raw) {
      if (isCallerAbort(raw, opts.signal)) throw raw;
      const err = failed(opts, member.id, raw, clock.now() - started, breaker);
      const delay = retryDelay(opts, err, attempt, breaker);
      if (delay === null) throw err;
      await clock.sleep(delay, opts.signal);
    }
  }
}

/** Records a failed try and returns it as a ProviderError attributed to the provider. */
export function failed(
  opts: { operation: Operation; deps: ChainDeps },
  provider: string,
  raw: unknown,
  latencyMs: number,
  breaker: CircuitBreaker,
): ProviderError {
  const err = asProviderError(raw);
  err.provider ??= provider;
  if (err.tripsBreaker) breaker.onFailure(opts.deps.clock.now());
  report(opts, { provider, ok: false, error: err.kind, latencyMs });
  return err;
}

/** Milliseconds to wait before retrying the same provider, or null to give up on it. */
export function retryDelay(
  opts: { policy: CallPolicy; deps: ChainDeps },
  err: ProviderError,
  attempt: number,
  breaker: CircuitBreaker,
): number | null {
  const { retry } = opts.policy;
  if (err.retryAfterMs !== undefined && err.retryAfterMs > retry.maxRetryAfterMs) {
    // Waiting that long would stall the request; let the fallback answer and keep others off it.
    breaker.openFor(opts.deps.clock.now(), err.retryAfterMs);
    return null;
  }
  if (!err.retryable || attempt >= retry.maxAttempts) return null;
  return backoffDelay(attempt, retry, opts.deps.random, err.retryAfterMs);
}

/** The error for a provider skipped because its circuit is open. */
export function circuitOpen(provider: string): ProviderError {
  return new ProviderError("circuit_open", "circuit open after repeated failures", { provider });
}

/** Fallback notes for the providers that failed before the one that answered. */
export function notes(failures: readonly ProviderError[]): FallbackNote[] {
  return failures.map((f) => ({ provider: f.provider ?? "?", error: f.kind }));
}

function report(
  opts: { operation: Operation; deps: ChainDeps },
  event: Omit<AttemptEvent, "operation">,
): void {
  opts.deps.onAttempt?.({ ...event, operation: opts.operation });
}
