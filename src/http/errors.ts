import type { ContentfulStatusCode } from "hono/utils/http-status";

/** Stable, documented error codes. Clients branch on these, so never rename one. */
export const ErrorCode = {
  invalidRequest: "invalid_request",
  malformedJson: "malformed_json",
  unauthorized: "unauthorized",
  invalidApiKey: "invalid_api_key",
  insufficientScope: "insufficient_scope",
  forbidden: "forbidden",
  notFound: "not_found",
  routeNotFound: "route_not_found",
  methodNotAllowed: "method_not_allowed",
  conflict: "conflict",
  payloadTooLarge: "payload_too_large",
  unsupportedMediaType: "unsupported_media_type",
  rateLimited: "rate_limited",
  providerUnavailable: "provider_unavailable",
  unavailable: "service_unavailable",
  internal: "internal_error",
} as const;

/** One of the stable error codes, or a feature-specific snake_case code. */
export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode] | (string & {});

/**
 * An expected failure with an HTTP status, a stable machine-readable `code` and a
 * sentence a person can act on. The app's single error handler renders it; anything
 * that is not an AppError becomes a logged 500 with no internals in the body.
 */
export class AppError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ErrorCodeValue,
    message: string,
    readonly options: { details?: unknown; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "AppError";
  }
}

/** Shorthand constructors for the common cases. */
export const fail = {
  badRequest: (message: string, code: ErrorCodeValue = ErrorCode.invalidRequest, details?: unknown) =>
    new AppError(400, code, message, { details }),
  unauthorized: (message: string, code: ErrorCodeValue = ErrorCode.unauthorized) =>
    new AppError(401, code, message, { headers: { "WWW-Authenticate": 'Bearer realm="edgerag"' } }),
  forbidden: (message: string, code: ErrorCodeValue = ErrorCode.forbidden) =>
    new AppError(403, code, message),
  notFound: (message: string, code: ErrorCodeValue = ErrorCode.notFound) => new AppError(404, code, message),
  conflict: (message: string, code: ErrorCodeValue = ErrorCode.conflict) => new AppError(409, code, message),
  tooLarge: (message: string) => new AppError(413, ErrorCode.payloadTooLarge, message),
  unsupportedMediaType: (message: string) => new AppError(415, ErrorCode.unsupportedMediaType, message),
  rateLimited: (message: string, retryAfterSeconds: number) =>
    new AppError(429, ErrorCode.rateLimited, message, {
      headers: { "Retry-After": String(Math.max(1, Math.ceil(retryAfterSeconds))) },
    }),
  unavailable: (message: string, code: ErrorCodeValue = ErrorCode.unavailable, retryAfterSeconds?: number) =>
    new AppError(503, code, message, {
      headers: retryAfterSeconds === undefined ? {} : { "Retry-After": String(Math.ceil(retryAfterSeconds)) },
    }),
};

/** The JSON body of every error response. */
export interface ErrorBody {
  error: {
    code: string;
    message: string;
    details?: unknown;
    request_id?: string;
    /** OpenAI-compatible routes only: OpenAI's error type (`invalid_request_error`, …). */
    type?: string;
    /** OpenAI-compatible routes only: the request field at fault, or null. */
    param?: string | null;
  };
}
