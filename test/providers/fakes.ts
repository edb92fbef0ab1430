import type { Clock } from "../../src/providers/reliability/clock";

/**
 * A manual clock: `sleep` advances time instantly (recording the delay) and fires any timers
 * that fall due on the way, so backoff, deadlines and breaker cooldowns run deterministically
 * and without real waiting.
 */
export class FakeClock implements Clock {
  t = 1_700_000_000_000;
  readonly slept: number[] = [];
  #timers: { at: number; fn: () => void }[] = [];

  now(): number {
    return this.t;
  }

  timer(ms: number, fn: () => void): () => void {
    const entry = { at: this.t + ms, fn };
    this.#timers.push(entry);
    return () => {
      this.#timers = this.#timers.filter((e) => e !== entry);
    };
  }

  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.slept.push(ms);
    signal?.throwIfAborted();
    this.advance(ms);
    signal?.throwIfAborted();
  }

  /** Moves time forward, firing due timers in order. */
  advance(ms: number): void {
    const target = this.t + ms;
    for (;;) {
      const due = this.#timers.filter((e) => e.at <= target).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.#timers = this.#timers.filter((e) => e !== due);
      this.t = Math.max(this.t, due.at);
      due.fn();
    }
    this.t = target;
  }
}
