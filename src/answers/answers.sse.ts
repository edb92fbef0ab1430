import type { Context } from "hono";
import { streamSSE } from "hono/streaming";
import type { AppEnv } from "../http/app-env";
import { AppError, ErrorCode } from "../http/errors";
import { log } from "../observability/log";

/** One server-sent event. */
export interface SseFrame {
  event?: string;
  data: string;
}

/**
 * Streams `frames` as server-sent events. A client disconnect aborts the signal handed to
 * `frames`, which stops retrieval and generation (providers receive the same signal). A
 * failure after the stream started cannot change the status any more, so it becomes an
 * `error` event carrying the usual `{error:{code,message}}` body, then the stream ends.
 */
export function sseResponse(
  c: Context<AppEnv>,
  frames: (signal: AbortSignal) => AsyncIterable<SseFrame>,
  opts: { errorFrame?: (err: unknown, body: ReturnType<typeof errorBody>) => SseFrame } = {},
) {
  const errorFrame =
    opts.errorFrame ?? ((_err: unknown, body: unknown) => ({ event: "error", data: JSON.stringify(body) }));
  const controller = new AbortController();
  c.req.raw.signal?.addEventListener("abort", () => controller.abort());
  return streamSSE(c, async (stream) => {
    stream.onAbort(() => controller.abort());
    try {
      for await (const frame of frames(controller.signal)) {
        if (controller.signal.aborted) break;
        await stream.writeSSE(frame);
      }
    } catch (err) {
      if (controller.signal.aborted) return;
      await stream.writeSSE(errorFrame(err, errorBody(err, c.var.requestId)));
    }
  });
}

/** The error body of a failure inside a stream (internals never leak, like `app.onError`). */
export function errorBody(err: unknown, requestId: string) {
  if (err instanceof AppError)
    return { error: { code: err.code, message: err.message, request_id: requestId } };
  log.error("stream failed", { requestId, err });
  return {
    error: {
      code: ErrorCode.internal,
      message: "The answer failed on the server; try again.",
      request_id: requestId,
    },
  };
}
