/**
 * A circuit breaker per provider: after repeated failures calls are refused at once (so a dead
 * endpoint costs nothing and the fallback answers immediately), then one probe is let through
 * after a cooldown. State lives in the isolate: Workers isolates serve many requests, and
 * sharing plain numbers across requests is safe (sharing promises or I/O objects is not).
 */

/** Tuning of a breaker. */
export interface BreakerOptions {
  /** Consecutive failures that open the circuit. */
  failureThreshold: number;
  /** First open period; doubles after each failed probe. */
  cooldownMs: number;
  maxCooldownMs: number;
}

/** Defaults: 5 consecutive failures open the circuit for 30 s, growing to at most 5 min. */
export const DEFAULT_BREAKER: BreakerOptions = {
  failureThreshold: 5,
  cooldownMs: 30_000,
  maxCooldownMs: 300_000,
};

/** Observable state of one breaker (for /metrics and tests). */
export interface BreakerSnapshot {
  state: "closed" | "open" | "half_open";
  consecutiveFailures: number;
  openUntil: number;
}

/** One provider's breaker. Methods take `now` so callers decide which clock is used. */
export class CircuitBreaker {
  #failures = 0;
  #openUntil = 0;
  #cooldown: number;
  #probeUntil = 0;
  #opened = false;

  constructor(readonly options: BreakerOptions = DEFAULT_BREAKER) {
    this.#cooldown = options.cooldownMs;
  }

  /**
   * Whether a call may go ahead now. After the cooldown exactly one caller gets a probe; the
   * probe's lease expires after another cooldown so a probe whose request died cannot wedge
   * the breaker half-open forever.
   */
  tryAcquire(now: number): boolean {
    if (!this.#opened) return true;
    if (now < this.#openUntil) return false;
    if (now < this.#probeUntil) return false;
    this.#probeUntil = now + this.#cooldown;
    return true;
  }

  /** A call succeeded: close the circuit and forget past failures. */
  onSuccess(): void {
    this.#failures = 0;
    this.#opened = false;
    this.#openUntil = 0;
    this.#probeUntil = 0;
    this.#cooldown = this.options.cooldownMs;
  }

  /** A call failed in a way that says the provider is unhealthy. */
  onFailure(now: number): void {
    this.#failures++;
    if (this.#opened) {
      // A failed probe: stay open, and back off harder.
      this.#cooldown = Math.min(this.#cooldown * 2, this.options.maxCooldownMs);
      this.#open(now, this.#cooldown);
    } else if (this.#failures >= this.options.failureThreshold) {
      this.#open(now, this.#cooldown);
    }
  }

  /** Opens the circuit for at least `ms` (a provider's long Retry-After). */
  openFor(now: number, ms: number): void {
    this.#open(now, Math.min(ms, this.options.maxCooldownMs));
  }

  /** Current state. */
  snapshot(now: number): BreakerSnapshot {
    const state = !this.#opened ? "closed" : now < this.#openUntil ? "open" : "half_open";
    return { state, consecutiveFailures: this.#failures, openUntil: this.#openUntil };
  }

  #open(now: number, ms: number): void {
    this.#opened = true;
    this.#openUntil = Math.max(this.#openUntil, now + ms);
    this.#probeUntil = 0;
  }
}

/** Breakers keyed by provider spec id. */
export class BreakerRegistry {
  readonly #breakers = new Map<string, CircuitBreaker>();

  constructor(readonly options: BreakerOptions = DEFAULT_BREAKER) {}

  /** The breaker of `providerId`, created closed on first use. */
  get(providerId: string): CircuitBreaker {
    let b = this.#breakers.get(providerId);
    if (!b) {
      b = new CircuitBreaker(this.options);
      this.#breakers.set(providerId, b);
    }
    return b;
  }

  /** Every breaker's state, for metrics. */
  snapshots(now: number): { provider: string; snapshot: BreakerSnapshot }[] {
    return [...this.#breakers].map(([provider, b]) => ({ provider, snapshot: b.snapshot(now) }));
  }
}

/** The isolate-wide registry used by default. */
export const isolateBreakers = new BreakerRegistry();
