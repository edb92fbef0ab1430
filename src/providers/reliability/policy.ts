/**
 * Per-operation call policies: how long one attempt may take, how often and how patiently a
 * provider is retried before the chain moves on. Generation gets fewer retries because each
 * attempt is slow and a fallback (e.g. local:extractive) answers faster than a third try.
 */

/** Retry tuning for one provider of a chain. */
export interface RetryPolicy {
  /** Attempts per provider, including the first. */
  maxAttempts: number;
  /** Backoff before the second attempt; doubles per attempt (equal jitter). */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After longer than this is not waited for: the chain falls back instead. */
  maxRetryAfterMs: number;
}

/** Time limits and retries for one kind of call. */
export interface CallPolicy {
  /** Limit for one non-streamed attempt. */
  timeoutMs: number;
  /** Streams: limit until the first event, and between two events. */
  firstEventTimeoutMs: number;
  idleTimeoutMs: number;
  retry: RetryPolicy;
}

/** Policies by operation. */
export interface ProviderPolicies {
  embed: CallPolicy;
  rerank: CallPolicy;
  generate: CallPolicy;
}

/** Defaults, chosen so a failing chain still answers within typical HTTP client timeouts (~100 s). */
export const DEFAULT_POLICIES: ProviderPolicies = {
  embed: {
    timeoutMs: 20_000,
    firstEventTimeoutMs: 20_000,
    idleTimeoutMs: 20_000,
    retry: { maxAttempts: 3, baseDelayMs: 250, maxDelayMs: 4_000, maxRetryAfterMs: 5_000 },
  },
  rerank: {
    timeoutMs: 10_000,
    firstEventTimeoutMs: 10_000,
    idleTimeoutMs: 10_000,
    retry: { maxAttempts: 2, baseDelayMs: 200, maxDelayMs: 2_000, maxRetryAfterMs: 2_000 },
  },
  generate: {
    timeoutMs: 60_000,
    firstEventTimeoutMs: 30_000,
    idleTimeoutMs: 30_000,
    retry: { maxAttempts: 2, baseDelayMs: 500, maxDelayMs: 4_000, maxRetryAfterMs: 5_000 },
  },
};

/**
 * Delay before attempt `failedAttempts + 1`: exponential with equal jitter (half fixed, half
 * random, so retries spread out but never hammer), and never earlier than a Retry-After.
 */
export function backoffDelay(
  failedAttempts: number,
  policy: RetryPolicy,
  random: () => number,
  retryAfterMs?: number,
): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, failedAttempts - 1));
  const jittered = exp / 2 + random() * (exp / 2);
  return Math.round(retryAfterMs === undefined ? jittered : Math.max(retryAfterMs, jittered));
}
