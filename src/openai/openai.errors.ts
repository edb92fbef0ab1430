import type { MiddlewareHandler } from "hono";
import type { SseFrame } from "../answers/answers.sse";
import type { AppEnv } from "../http/app-env";
import { openAiErrorType } from "../http/error-handler";
import { AppError } from "../http/errors";

/** Paths of the OpenAI-compatible surface (mounted under /v1). */
export const OPENAI_PATH_PREFIXES = ["/v1/chat/completions", "/v1/embeddings", "/v1/models"] as const;

/**
 * Error bodies of the OpenAI-compatible routes keep edgerag's envelope
 * (`{"error":{"code","message"}}`) and add OpenAI's `type` and `param`, which the `openai`
 * SDKs surface as `err.type` / `err.param`. Installed app-wide before the body limit and auth,
 * so every failure on these paths (413, 401, validation) gets them.
 */
export function openAiErrorsByPath(
  prefixes: readonly string[] = OPENAI_PATH_PREFIXES,
): MiddlewareHandler<AppEnv> {
  return async function openAiErrorsByPathMiddleware(c, next) {
    if (prefixes.some((p) => c.req.path === p || c.req.path.startsWith(`${p}/`)))
      c.set("errorStyle", "openai");
    await next();
  };
}

/** An error about one request field, rendered with `param` on these routes. */
export function paramError(status: 400 | 404, code: string, message: string, param: string): AppError {
  return new AppError(status, code, message, { details: { param } });
}

/**
 * A failure after a stream started: OpenAI streams report it as a `data: {"error":…}` frame,
 * which the SDKs raise as an APIError.
 */
export function openAiErrorFrame(err: unknown, body: { error: Record<string, unknown> }): SseFrame {
  const status = err instanceof AppError ? err.status : 500;
  return { data: JSON.stringify({ error: { ...body.error, type: openAiErrorType(status), param: null } }) };
}
