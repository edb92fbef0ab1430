import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./app-env";

const VALID_ID = /^[\w\-=.:]{1,128}$/;

/**
 * Gives every request an id (the caller's `x-request-id` when well-formed) and puts it
 * on every response, including error responses and static assets.
 */
export function requestId({ header = "x-request-id" }: { header?: string } = {}): MiddlewareHandler<AppEnv> {
  return async function requestIdMiddleware(c, next) {
    const incoming = c.req.header(header);
    const id = incoming && VALID_ID.test(incoming) ? incoming : crypto.randomUUID();
    c.set("requestId", id);
    await next();
    if (c.res.headers.get(header) !== id) {
      try {
        c.res.headers.set(header, id);
      } catch {
        // Responses passed through from bindings can carry immutable headers.
        c.res = new Response(c.res.body, c.res);
        c.res.headers.set(header, id);
      }
    }
  };
}
