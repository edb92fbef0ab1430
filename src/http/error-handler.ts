import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ZodError } from "zod";
import { log } from "../observability/log";
import type { AppEnv } from "./app-env";
import { AppError, type ErrorBody, ErrorCode } from "./errors";

/** Renders an error body with the request id; the one place error JSON is produced. */
export function errorResponse(
  c: Context<AppEnv>,
  status: ContentfulStatusCode,
  code: string,
  message: string,
  extra: { details?: unknown; headers?: Record<string, string> } = {},
): Response {
  const body: ErrorBody = { error: { code, message } };
  if (extra.details !== undefined) body.error.details = extra.details;
  const requestId = c.get("requestId");
  if (requestId) body.error.request_id = requestId;
  if (c.get("errorStyle") === "openai") {
    // The `openai` SDKs read `type` and `param` next to `code` and `message`.
    body.error.type = openAiErrorType(status);
    body.error.param = errorParam(extra.details);
  }
  return c.json(body, status, extra.headers);
}

/** OpenAI's error `type` for a status, as its SDKs and clients expect it. */
export function openAiErrorType(status: number): string {
  if (status === 401) return "authentication_error";
  if (status === 403) return "permission_error";
  if (status === 429) return "rate_limit_error";
  if (status >= 500) return "server_error";
  return "invalid_request_error";
}

/** The request field an error is about: `details.param`, else the first zod issue's path. */
function errorParam(details: unknown): string | null {
  if (!details || typeof details !== "object") return null;
  const d = details as { param?: unknown; issues?: { path?: unknown }[] };
  if (typeof d.param === "string") return d.param;
  const path = d.issues?.[0]?.path;
  return typeof path === "string" && path !== "(body)" ? path : null;
}

/** Summarises zod issues as `path: message` strings a person can act on. */
export function describeZodIssues(error: ZodError): {
  message: string;
  issues: { path: string; message: string }[];
} {
  const issues = error.issues.map((i) => ({
    path: i.path.length ? i.path.map(String).join(".") : "(body)",
    message: i.message,
  }));
  const first = issues[0];
  const message = first
    ? `Invalid request: ${first.path}: ${first.message}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ""}.`
    : "Invalid request.";
  return { message, issues };
}

/** The app's single error handler: expected errors as their status, everything else a logged 500. */
export const onError: ErrorHandler<AppEnv> = (err, c) => {
  if (err instanceof AppError) {
    if (err.status >= 500)
      log.error("request failed", { request_id: c.get("requestId"), code: err.code, err });
    return errorResponse(c, err.status, err.code, err.message, {
      details: err.options.details,
      headers: err.options.headers,
    });
  }
  if (err instanceof ZodError) {
    const { message, issues } = describeZodIssues(err);
    return errorResponse(c, 400, ErrorCode.invalidRequest, message, { details: { issues } });
  }
  if (err instanceof HTTPException) {
    const status = err.status as ContentfulStatusCode;
    if (status === 400 && /json/i.test(err.message)) {
      return errorResponse(c, 400, ErrorCode.malformedJson, "The request body is not valid JSON.");
    }
    if (status === 413) {
      return errorResponse(
        c,
        413,
        ErrorCode.payloadTooLarge,
        "The request body is larger than this endpoint accepts.",
      );
    }
    if (status === 401) return errorResponse(c, 401, ErrorCode.unauthorized, err.message || "Unauthorized.");
    if (status < 500)
      return errorResponse(c, status, ErrorCode.invalidRequest, err.message || "Invalid request.");
  }
  log.error("unhandled error", { request_id: c.get("requestId"), path: c.req.path, err });
  return errorResponse(
    c,
    500,
    ErrorCode.internal,
    "An internal error occurred. Retry later; if it persists, report the request id.",
  );
};

/** Unknown routes answer JSON, not Hono's plain-text 404. */
export const onNotFound: NotFoundHandler<AppEnv> = (c) =>
  errorResponse(c, 404, ErrorCode.routeNotFound, `No route for ${c.req.method} ${c.req.path}. See /docs.`);
