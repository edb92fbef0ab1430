import type { Context } from "hono";
import type { z } from "zod";
import { ErrorCode, fail } from "./errors";

/**
 * Reads an optional JSON body: empty means `{}` (so schema defaults apply), malformed
 * JSON is `400 malformed_json`, and schema failures are thrown as ZodError (→ 400).
 */
export async function readOptionalJson<T extends z.ZodType>(c: Context, schema: T): Promise<z.output<T>> {
  const raw = (await c.req.text()).trim();
  let value: unknown = {};
  if (raw) {
    try {
      value = JSON.parse(raw);
    } catch {
      throw fail.badRequest("The request body is not valid JSON.", ErrorCode.malformedJson);
    }
  }
  return schema.parse(value);
}
