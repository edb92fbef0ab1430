import { RETRY_BASE_SECONDS, RETRY_MAX_SECONDS } from "./ingest.config";

/**
 * Delay before retry number `attempt` (1 = after the first failure): exponential
 * (base · 2^(attempt-1), capped) with "equal jitter" — half fixed, half random — so a burst
 * of failures (a provider outage) does not come back as a synchronized burst of retries,
 * while every retry still waits at least half its nominal delay.
 */
export function retryDelaySeconds(attempt: number, random: () => number = Math.random): number {
  const nominal = Math.min(RETRY_MAX_SECONDS, RETRY_BASE_SECONDS * 2 ** Math.max(0, attempt - 1));
  return Math.max(1, Math.ceil(nominal / 2 + random() * (nominal / 2)));
}
