/**
 * How a model call failed, in terms the reliability layer acts on: retry the same provider,
 * fall back to the next one, count against the circuit breaker. Adapters translate their
 * transport's failures (HTTP status, Workers AI error codes, aborts) into these kinds.
 */

/** Stable failure kinds; also what responses and usage rows report. */
export type ProviderErrorKind =
  | "timeout"
  | "rate_limited"
  | "quota_exhausted"
  | "server_error"
  | "network"
  | "bad_response"
  | "auth"
  | "not_found"
  | "invalid_request"
  | "misconfigured"
  | "circuit_open";

// Transient: the same provider may answer if asked again shortly.
const RETRYABLE = new Set<ProviderErrorKind>([
  "timeout",
  "rate_limited",
  "server_error",
  "network",
  "bad_response",
]);
// Signs the provider is unhealthy or unusable for us; caller-caused rejections do not count.
const BREAKER = new Set<ProviderErrorKind>([
  "timeout",
  "rate_limited",
  "quota_exhausted",
  "server_error",
  "network",
  "bad_response",
  "auth",
  "not_found",
]);
// The provider is down or overloaded (503-class) rather than answering wrongly (502-class).
const UNAVAILABLE = new Set<ProviderErrorKind>([
  "timeout",
  "rate_limited",
  "quota_exhausted",
  "server_error",
  "network",
  "circuit_open",
  "misconfigured",
]);

/** A failed model call. `message` is for logs; clients only ever see `kind` and `status`. */
export class ProviderError extends Error {
  readonly kind: ProviderErrorKind;
  /** Upstream HTTP status, when there was one. */
  readonly status?: number;
  /** How long the provider asked us to wait (Retry-After), in milliseconds. */
  readonly retryAfterMs?: number;
  /** The provider spec id, filled in by the chain when the adapter did not. */
  provider?: string;

  constructor(
    kind: ProviderErrorKind,
    message: string,
    options: { status?: number; retryAfterMs?: number; provider?: string; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "ProviderError";
    this.kind = kind;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
    this.provider = options.provider;
  }

  /** Worth another attempt at the same provider. */
  get retryable(): boolean {
    return RETRYABLE.has(this.kind);
  }

  /** Counts towards opening this provider's circuit. */
  get tripsBreaker(): boolean {
    return BREAKER.has(this.kind);
  }

  /** An outage (503) rather than an unusable answer (502). */
  get unavailable(): boolean {
    return UNAVAILABLE.has(this.kind);
  }
}

/** Maps an upstream HTTP error status to a failure kind. */
export function kindForStatus(status: number): ProviderErrorKind {
  if (status === 408) return "timeout";
  if (status === 429) return "rate_limited";
  if (status === 401 || status === 403) return "auth";
  if (status === 404) return "not_found";
  if (status >= 500) return "server_error";
  return "invalid_request";
}

/**
 * Parses a Retry-After header (delta-seconds or an HTTP date) into milliseconds from `now`.
 * Returns undefined for absent or unparseable values.
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** True when `err` is the caller giving up (client disconnect, outer deadline), not a provider fault. */
export function isCallerAbort(err: unknown, signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true && !(err instanceof ProviderError);
}

/** Wraps anything thrown by an adapter as a ProviderError, keeping existing ones. */
export function asProviderError(err: unknown, fallbackKind: ProviderErrorKind = "network"): ProviderError {
  if (err instanceof ProviderError) return err;
  if (err instanceof SyntaxError)
    return new ProviderError("bad_response", `invalid JSON: ${err.message}`, { cause: err });
  const message = err instanceof Error ? err.message : String(err);
  return new ProviderError(fallbackKind, message, { cause: err });
}

/** A short, single-line excerpt of an upstream body for log messages. */
export function excerpt(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
