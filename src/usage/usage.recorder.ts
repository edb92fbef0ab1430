import type { Db } from "../db/client";
import { log } from "../observability/log";
import type { AttemptEvent } from "../providers/reliability/chain";
import { createUsageRepo, type UsageDelta } from "./usage.repo";

/** Collects provider attempts in memory and writes them to D1 in one batch per flush. */
export interface UsageRecorder {
  /** One provider attempt (successful or not). */
  record(event: AttemptEvent): void;
  /** Texts served from the embedding cache instead of `provider`. */
  cacheHits(provider: string, count: number): void;
  /** Writes what was collected since the last flush; never throws (usage must not fail a request). */
  flush(): Promise<void>;
}

/** A recorder for one tenant. */
export function createUsageRecorder(opts: { db: Db; tenantId: string; now?: () => number }): UsageRecorder {
  const now = opts.now ?? Date.now;
  let pending = new Map<string, UsageDelta>();
  const entry = (provider: string, operation: string) => {
    const key = `${provider}\n${operation}`;
    let d = pending.get(key);
    if (!d) {
      d = {
        provider,
        operation,
        calls: 0,
        failures: 0,
        inputTokens: 0,
        outputTokens: 0,
        cacheHits: 0,
        latencyMs: 0,
      };
      pending.set(key, d);
    }
    return d;
  };
  return {
    record(e) {
      const d = entry(e.provider, e.operation);
      d.calls++;
      if (!e.ok) d.failures++;
      d.inputTokens += e.usage?.input_tokens ?? 0;
      d.outputTokens += e.usage?.output_tokens ?? 0;
      d.latencyMs += Math.max(0, Math.round(e.latencyMs));
    },
    cacheHits(provider, count) {
      entry(provider, "embed").cacheHits += count;
    },
    async flush() {
      if (pending.size === 0) return;
      const deltas = [...pending.values()];
      pending = new Map();
      try {
        await createUsageRepo(opts.db).add(opts.tenantId, now(), deltas);
      } catch (err) {
        log.warn("usage accounting write failed", { tenant: opts.tenantId, err });
      }
    },
  };
}
