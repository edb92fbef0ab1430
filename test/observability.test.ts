import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import type { AppEnv } from "../src/http/app-env";
import { onError } from "../src/http/error-handler";
import { rateLimit } from "../src/http/middleware";
import { Counter, Histogram, renderFamilies } from "../src/observability/metrics";
import { ADMIN_TOKEN, call, createTenantWithKey } from "./helpers";

describe("Prometheus rendering", () => {
  it("renders counters with escaped labels", () => {
    const c = new Counter("x_total", "Things.");
    c.inc({ route: '/a"b', method: "GET" });
    c.inc({ method: "GET", route: '/a"b' }, 2);
    expect(c.render()).toBe(
      '# HELP x_total Things.\n# TYPE x_total counter\nx_total{method="GET",route="/a\\"b"} 3',
    );
  });

  it("renders cumulative histogram buckets, sum and count", () => {
    const h = new Histogram("lat_seconds", "Latency.", [0.1, 1]);
    h.observe(0.05);
    h.observe(0.5);
    h.observe(5);
    expect(h.render().split("\n")).toEqual([
      "# HELP lat_seconds Latency.",
      "# TYPE lat_seconds histogram",
      'lat_seconds_bucket{le="0.1"} 1',
      'lat_seconds_bucket{le="1"} 2',
      'lat_seconds_bucket{le="+Inf"} 3',
      "lat_seconds_sum 5.55",
      "lat_seconds_count 3",
    ]);
  });

  it("renders gauges", () => {
    expect(
      renderFamilies([
        { name: "g", help: "G.", type: "gauge", samples: [{ labels: { s: "ready" }, value: 2 }] },
      ]),
    ).toBe('# HELP g G.\n# TYPE g gauge\ng{s="ready"} 2');
  });
});

describe("GET /metrics", () => {
  it("requires the admin token", async () => {
    expect((await call("GET", "/metrics")).status).toBe(401);
  });

  it("counts requests by route pattern, not raw path, and reports storage gauges", async () => {
    const { key } = await createTenantWithKey();
    await call("GET", "/v1/whoami", { token: key });
    await call("GET", "/v1/admin/tenants/some-missing-tenant", { token: ADMIN_TOKEN });
    const res = await call("GET", "/metrics", { token: ADMIN_TOKEN });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain");
    const text = await res.text();
    expect(text).toMatch(/edgerag_http_requests_total\{method="GET",route="\/v1\/whoami",status="200"\} \d+/);
    expect(text).toContain('route="/v1/admin/tenants/:tenant",status="404"');
    expect(text).not.toContain("some-missing-tenant");
    expect(text).toMatch(/edgerag_tenants \d+/);
  });
});

describe("rate limiting", () => {
  function appWith(allowed: boolean, setting?: string) {
    const app = new Hono<AppEnv>();
    app.onError(onError);
    app.use("*", async (c, next) => {
      c.set("principal", { tenantId: "t1", keyId: "k", scopes: ["read"], via: "api_key" });
      await next();
    });
    app.get("/x", rateLimit(), (c) => c.text("ok"));
    const keys: string[] = [];
    const env = {
      RATE_LIMIT: setting,
      RATE_LIMITER: {
        limit: async ({ key }: { key: string }) => {
          keys.push(key);
          return { success: allowed };
        },
      },
    };
    return { app, env, keys };
  }

  it("answers 429 with Retry-After when the tenant is over its limit", async () => {
    const { app, env, keys } = appWith(false);
    const res = await app.request("/x", {}, env);
    expect(res.status).toBe(429);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("rate_limited");
    expect(keys).toEqual(["tenant:t1"]);
  });

  it("lets requests through under the limit, and skips the check when RATE_LIMIT=off", async () => {
    const under = appWith(true);
    expect((await under.app.request("/x", {}, under.env)).status).toBe(200);
    const off = appWith(false, "off");
    expect((await off.app.request("/x", {}, off.env)).status).toBe(200);
    expect(off.keys).toEqual([]);
  });
});
