import { createRoute, z } from "@hono/zod-openapi";
import { createRouter, jsonResponse } from "../http/openapi";
import { VERSION } from "../version";

const Check = z.object({ ok: z.boolean(), latency_ms: z.number(), error: z.string().optional() });
const Health = z
  .object({
    status: z.enum(["ok", "degraded"]),
    version: z.string(),
    checks: z.object({ d1: Check, durable_objects: Check }),
  })
  .openapi("Health");

async function timed(fn: () => Promise<unknown>): Promise<z.infer<typeof Check>> {
  const start = performance.now();
  try {
    await fn();
    return { ok: true, latency_ms: round(performance.now() - start) };
  } catch (err) {
    return { ok: false, latency_ms: round(performance.now() - start), error: (err as Error).message };
  }
}

const round = (ms: number) => Math.round(ms * 100) / 100;

/** `GET /healthz`: D1 and a Durable Object round trip; 503 when either fails. */
export function healthRoutes() {
  const app = createRouter();
  app.openapi(
    createRoute({
      method: "get",
      path: "/healthz",
      tags: ["ops"],
      summary: "Liveness and dependency health",
      responses: { 200: jsonResponse(Health, "Healthy"), 503: jsonResponse(Health, "A dependency failed") },
    }),
    async (c) => {
      const [d1, durableObjects] = await Promise.all([
        timed(() => c.env.DB.prepare("SELECT 1").first()),
        timed(() => c.env.SESSIONS.get(c.env.SESSIONS.idFromName("__healthz__")).ping()),
      ]);
      const ok = d1.ok && durableObjects.ok;
      return c.json(
        {
          status: ok ? ("ok" as const) : ("degraded" as const),
          version: VERSION,
          checks: { d1, durable_objects: durableObjects },
        },
        ok ? 200 : 503,
      );
    },
  );
  return app;
}
