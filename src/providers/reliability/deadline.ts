import { ProviderError } from "../errors";
import type { Clock } from "./clock";

/**
 * Runs `fn` with a signal that aborts after `ms` or when `parent` aborts, and settles at the
 * deadline even if `fn` ignores its signal (a hung binding call must not hang the request).
 */
export function withDeadline<T>(
  clock: Clock,
  ms: number,
  parent: AbortSignal | undefined,
  fn: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  return new Promise<T>((resolve, reject) => {
    const onParentAbort = () => {
      cancelTimer();
      controller.abort(parent?.reason);
      reject(parent?.reason);
    };
    const cancelTimer = clock.timer(ms, () => {
      parent?.removeEventListener("abort", onParentAbort);
      const err = new ProviderError("timeout", `no answer within ${ms} ms`);
      controller.abort(err);
      reject(err);
    });
    if (parent?.aborted) return onParentAbort();
    parent?.addEventListener("abort", onParentAbort, { once: true });
    fn(controller.signal).then(
      (value) => {
        cancelTimer();
        parent?.removeEventListener("abort", onParentAbort);
        resolve(value);
      },
      (err: unknown) => {
        cancelTimer();
        parent?.removeEventListener("abort", onParentAbort);
        // An abort we caused surfaces as the timeout, not as the adapter's AbortError.
        reject(controller.signal.aborted ? controller.signal.reason : err);
      },
    );
  });
}
