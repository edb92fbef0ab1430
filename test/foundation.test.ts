import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN, call, createTenantWithKey, errorCode, uniqueTenantId } from "./helpers";

describe("health and docs", () => {
  it("reports D1 and Durable Object health with a request id", async () => {
    const res = await call("GET", "/healthz");
    expect(res.status).toBe(200);
    expect(res.headers.get("x-request-id")).toMatch(/.+/);
    const body = (await res.json()) as { status: string; checks: Record<string, { ok: boolean }> };
    expect(body.status).toBe("ok");
    expect(body.checks.d1?.ok).toBe(true);
    expect(body.checks.durable_objects?.ok).toBe(true);
  });

  it("echoes a well-formed incoming request id and replaces a malformed one", async () => {
    const ok = await call("GET", "/healthz", { headers: { "x-request-id": "abc-123" } });
    expect(ok.headers.get("x-request-id")).toBe("abc-123");
    const bad = await call("GET", "/healthz", { headers: { "x-request-id": "<script>" } });
    expect(bad.headers.get("x-request-id")).not.toBe("<script>");
  });

  it("serves an OpenAPI 3.1 document covering the admin routes", async () => {
    const res = await call("GET", "/openapi.json");
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/v1/admin/tenants",
        "/v1/admin/tenants/{tenant}/keys",
        "/v1/admin/keys/{id}",
        "/healthz",
      ]),
    );
  });

  it("renders /docs as HTML", async () => {
    const res = await call("GET", "/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(await res.text()).toContain("/openapi.json");
  });

  it("answers unknown routes with a JSON 404", async () => {
    const res = await call("GET", "/v1/nope");
    expect(res.status).toBe(404);
    expect(res.headers.get("x-request-id")).toBeTruthy();
    expect(await errorCode(res)).toBe("route_not_found");
  });
});

describe("admin API", () => {
  it("requires the admin token", async () => {
    const none = await call("POST", "/v1/admin/tenants", { json: { id: uniqueTenantId() } });
    expect(none.status).toBe(401);
    expect(await errorCode(none)).toBe("unauthorized");
    const wrong = await call("POST", "/v1/admin/tenants", { token: "nope", json: { id: uniqueTenantId() } });
    expect(wrong.status).toBe(401);
    expect(await errorCode(wrong)).toBe("invalid_admin_token");
  });

  it("rejects a tenant key on admin routes", async () => {
    const { key } = await createTenantWithKey();
    const res = await call("GET", "/v1/admin/tenants", { token: key });
    expect(res.status).toBe(401);
  });

  it("creates a tenant once and reports a conflict the second time", async () => {
    const id = uniqueTenantId();
    const first = await call("POST", "/v1/admin/tenants", { token: ADMIN_TOKEN, json: { id, name: "Acme" } });
    expect(first.status).toBe(201);
    expect(await first.json()).toMatchObject({ id, name: "Acme" });
    const again = await call("POST", "/v1/admin/tenants", { token: ADMIN_TOKEN, json: { id } });
    expect(again.status).toBe(409);
    expect(await errorCode(again)).toBe("tenant_exists");
  });

  it("validates input with stable codes", async () => {
    const malformed = await call("POST", "/v1/admin/tenants", {
      token: ADMIN_TOKEN,
      body: "{not json",
      headers: { "content-type": "application/json" },
    });
    expect(malformed.status).toBe(400);
    expect(await errorCode(malformed)).toBe("malformed_json");

    const missing = await call("POST", "/v1/admin/tenants", { token: ADMIN_TOKEN, json: {} });
    expect(missing.status).toBe(400);
    const body = (await missing.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("invalid_request");
    expect(body.error.message).toContain("id");

    const wrongType = await call("POST", "/v1/admin/tenants", { token: ADMIN_TOKEN, json: { id: 42 } });
    expect(wrongType.status).toBe(400);
    expect(await errorCode(wrongType)).toBe("invalid_request");

    const badSlug = await call("POST", "/v1/admin/tenants", { token: ADMIN_TOKEN, json: { id: "Bad Id!" } });
    expect(badSlug.status).toBe(400);

    const unknownField = await call("POST", "/v1/admin/tenants", {
      token: ADMIN_TOKEN,
      json: { id: uniqueTenantId(), colour: "red" },
    });
    expect(unknownField.status).toBe(400);
  });

  it("issues keys with default and explicit scopes, showing the secret once", async () => {
    const { tenantId } = await createTenantWithKey();
    const dflt = await call("POST", `/v1/admin/tenants/${tenantId}/keys`, { token: ADMIN_TOKEN });
    expect(dflt.status).toBe(201);
    const created = (await dflt.json()) as { id: string; key: string; scopes: string[]; prefix: string };
    expect(created.scopes).toEqual(["read", "write"]);
    expect(created.key.startsWith("erk_")).toBe(true);
    expect(created.key.startsWith(created.prefix)).toBe(true);

    const list = await call("GET", `/v1/admin/tenants/${tenantId}/keys`, { token: ADMIN_TOKEN });
    const text = await list.text();
    expect(text).toContain(created.id);
    expect(text).not.toContain(created.key);

    const bad = await call("POST", `/v1/admin/tenants/${tenantId}/keys`, {
      token: ADMIN_TOKEN,
      json: { scopes: ["admin"] },
    });
    expect(bad.status).toBe(400);
    const missingTenant = await call("POST", `/v1/admin/tenants/${uniqueTenantId()}/keys`, {
      token: ADMIN_TOKEN,
    });
    expect(missingTenant.status).toBe(404);
  });

  it("revokes keys idempotently and 404s unknown ones", async () => {
    const { keyId } = await createTenantWithKey();
    const first = await call("DELETE", `/v1/admin/keys/${keyId}`, { token: ADMIN_TOKEN });
    expect(first.status).toBe(200);
    const revokedAt = ((await first.json()) as { revoked_at: number }).revoked_at;
    expect(revokedAt).toBeGreaterThan(0);
    const second = await call("DELETE", `/v1/admin/keys/${keyId}`, { token: ADMIN_TOKEN });
    expect(((await second.json()) as { revoked_at: number }).revoked_at).toBe(revokedAt);
    const unknown = await call("DELETE", "/v1/admin/keys/key_missing", { token: ADMIN_TOKEN });
    expect(unknown.status).toBe(404);
  });
});
