import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "./app-env";
import { describeZodIssues, errorResponse } from "./error-handler";
import { ErrorCode } from "./errors";

/** The error body schema every route documents. */
export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: "invalid_request" }),
      message: z.string().openapi({ example: "Invalid request: query: Required." }),
      details: z.unknown().optional(),
      request_id: z.string().optional(),
      type: z
        .string()
        .optional()
        .openapi({ description: "OpenAI-compatible routes only: OpenAI's error type." }),
      param: z
        .string()
        .nullable()
        .optional()
        .openapi({ description: "OpenAI-compatible routes only: the request field at fault." }),
    }),
  })
  .openapi("Error");

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: "Invalid input (`invalid_request`, `malformed_json`, …)",
  401: "Missing or invalid credentials",
  403: "The key lacks the required scope",
  404: "Not found (also for another tenant's resources)",
  409: "Conflict with the current state",
  413: "Body too large",
  415: "Unsupported content type",
  429: "Rate limited; see `Retry-After`",
  503: "A dependency is unavailable",
};

/** OpenAPI response entries for the given error statuses, all sharing {@link ErrorSchema}. */
export function errorResponses(...statuses: number[]) {
  const out: Record<
    number,
    { description: string; content: { "application/json": { schema: typeof ErrorSchema } } }
  > = {};
  for (const s of statuses) {
    out[s] = {
      description: ERROR_DESCRIPTIONS[s] ?? "Error",
      content: { "application/json": { schema: ErrorSchema } },
    };
  }
  return out;
}

/** A JSON request body that must be present and valid. */
export function jsonBody<T extends z.ZodType>(schema: T, description?: string) {
  return { required: true, description, content: { "application/json": { schema } } };
}

/** A JSON response entry. */
export function jsonResponse<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { "application/json": { schema } } };
}

/**
 * A router whose validation failures become `400 invalid_request` with the zod issues,
 * so every route reports bad input the same way.
 */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (result.success) return;
      const { message, issues } = describeZodIssues(result.error);
      return errorResponse(c, 400, ErrorCode.invalidRequest, message, { details: { issues } });
    },
  });
}
