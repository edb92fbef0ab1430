import type { MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import type { AppEnv } from "../http/app-env";
import { metrics } from "./metrics";

/**
 * Records request count and latency per matched route pattern (never the raw path, whose
 * ids would explode label cardinality). Unmatched paths are labelled `unmatched`.
 */
export function recordHttpMetrics(): MiddlewareHandler<AppEnv> {
  return async function httpMetricsMiddleware(c, next) {
    const start = performance.now();
    try {
      await next();
    } finally {
      // The last matched route is the handler's pattern; wildcard-only matches are 404s.
      const matched = routePath(c, -1);
      const route = !matched || matched.endsWith("*") ? "unmatched" : matched;
      const labels = { method: c.req.method, route };
      metrics.httpRequests.inc({ ...labels, status: String(c.res.status) });
      metrics.httpDuration.observe((performance.now() - start) / 1000, labels);
    }
  };
}
