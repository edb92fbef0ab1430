import { sign } from "hono/jwt";
import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN, call, createTenantWithKey, errorCode } from "./helpers";

const JWT_SECRET = "test-jwt-secret-with-enough-entropy-0123456789";
const nowS = () => Math.floor(Date.now() / 1000);

describe("tenant authentication", () => {
  it("rejects a missing credential with 401 and WWW-Authenticate", async () => {
    const res = await call("GET", "/v1/whoami");
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toContain("Bearer");
    expect(await errorCode(res)).toBe("unauthorized");
  });

  it("rejects unknown keys and non-bearer schemes", async () => {
    const unknown = await call("GET", "/v1/whoami", { token: "erk_notarealkey" });
    expect(unknown.status).toBe(401);
    expect(await errorCode(unknown)).toBe("invalid_api_key");
    const basic = await call("GET", "/v1/whoami", { headers: { authorization: "Basic dXNlcjpwYXNz" } });
    expect(basic.status).toBe(401);
  });

  it("resolves a key to its tenant and scopes", async () => {
    const { tenantId, key, keyId } = await createTenantWithKey(["read"]);
    const res = await call("GET", "/v1/whoami", { token: key });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      tenant_id: tenantId,
      key_id: keyId,
      scopes: ["read"],
      via: "api_key",
    });
  });

  it("returns 403 insufficient_scope when the key lacks the route's scope", async () => {
    const { key } = await createTenantWithKey(["read"]);
    const res = await call("PATCH", "/v1/settings", { token: key, json: { generator: "local:extractive" } });
    expect(res.status).toBe(403);
    expect(await errorCode(res)).toBe("insufficient_scope");
    const writeOnly = await createTenantWithKey(["write"]);
    const read = await call("GET", "/v1/settings", { token: writeOnly.key });
    expect(read.status).toBe(403);
  });

  it("stops accepting a key as soon as it is revoked", async () => {
    const { key, keyId } = await createTenantWithKey();
    expect((await call("GET", "/v1/whoami", { token: key })).status).toBe(200);
    expect((await call("DELETE", `/v1/admin/keys/${keyId}`, { token: ADMIN_TOKEN })).status).toBe(200);
    const after = await call("GET", "/v1/whoami", { token: key });
    expect(after.status).toBe(401);
    expect(await errorCode(after)).toBe("invalid_api_key");
  });

  it("authenticates before validating, so bad input from strangers is still 401", async () => {
    const res = await call("PATCH", "/v1/settings", {
      body: "{oops",
      headers: { "content-type": "application/json" },
    });
    expect(res.status).toBe(401);
  });

  it("records when a key was last used", async () => {
    const { tenantId, key, keyId } = await createTenantWithKey();
    await call("GET", "/v1/whoami", { token: key });
    const list = await call("GET", `/v1/admin/tenants/${tenantId}/keys`, { token: ADMIN_TOKEN });
    const { keys } = (await list.json()) as { keys: { id: string; last_used_at: number | null }[] };
    expect(keys.find((k) => k.id === keyId)?.last_used_at).toBeGreaterThan(0);
  });
});

describe("tenant JWTs (HS256, alg pinned, iss/aud checked)", () => {
  const claims = (tenant: string, extra: Record<string, unknown> = {}) => ({
    tenant,
    scope: "read write",
    iss: "https://issuer.test",
    aud: "edgerag-test",
    exp: nowS() + 60,
    ...extra,
  });

  it("accepts a valid token for an existing tenant", async () => {
    const { tenantId } = await createTenantWithKey();
    const token = await sign(claims(tenantId), JWT_SECRET, "HS256");
    const res = await call("GET", "/v1/whoami", { token });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ tenant_id: tenantId, via: "jwt", scopes: ["read", "write"] });
  });

  it("rejects wrong audience, wrong issuer, expiry, unknown tenant, bad signature and alg=none", async () => {
    const { tenantId } = await createTenantWithKey();
    const bad = [
      await sign(claims(tenantId, { aud: "someone-else" }), JWT_SECRET, "HS256"),
      await sign(claims(tenantId, { iss: "https://evil.test" }), JWT_SECRET, "HS256"),
      await sign(claims(tenantId, { exp: nowS() - 10 }), JWT_SECRET, "HS256"),
      await sign(claims("no-such-tenant"), JWT_SECRET, "HS256"),
      await sign(claims(tenantId), "another-secret-entirely-0123456789", "HS256"),
      `${btoa(JSON.stringify({ alg: "none", typ: "JWT" })).replace(/=+$/, "")}.${btoa(JSON.stringify(claims(tenantId))).replace(/=+$/, "")}.`,
      await sign(claims(tenantId), JWT_SECRET, "HS512"),
    ];
    for (const token of bad) {
      const res = await call("GET", "/v1/whoami", { token });
      expect(res.status, token).toBe(401);
    }
  });

  it("maps JWT scopes onto routes like key scopes", async () => {
    const { tenantId } = await createTenantWithKey();
    const token = await sign(claims(tenantId, { scope: "read" }), JWT_SECRET, "HS256");
    const res = await call("PATCH", "/v1/settings", { token, json: { generator: "local:extractive" } });
    expect(res.status).toBe(403);
  });
});

describe("input errors", () => {
  it("returns 400 for malformed JSON, wrong types and unknown fields", async () => {
    const { key } = await createTenantWithKey();
    const malformed = await call("PATCH", "/v1/settings", {
      token: key,
      body: "{nope",
      headers: { "content-type": "application/json" },
    });
    expect(malformed.status).toBe(400);
    expect(await errorCode(malformed)).toBe("malformed_json");
    const wrongType = await call("PATCH", "/v1/settings", { token: key, json: { generator: 7 } });
    expect(wrongType.status).toBe(400);
    expect(await errorCode(wrongType)).toBe("invalid_request");
    const unknown = await call("PATCH", "/v1/settings", { token: key, json: { colour: "red" } });
    expect(unknown.status).toBe(400);
  });

  it("returns 413 for an oversized body without reading it", async () => {
    const { key } = await createTenantWithKey();
    const huge = JSON.stringify({ generator: `local:${"x".repeat(2 * 1024 * 1024)}` });
    const res = await call("PATCH", "/v1/settings", {
      token: key,
      body: huge,
      headers: { "content-type": "application/json" },
    });
    expect(res.status).toBe(413);
    expect(await errorCode(res)).toBe("payload_too_large");
  });

  it("sets and clears tenant settings", async () => {
    const { key } = await createTenantWithKey();
    const set = await call("PATCH", "/v1/settings", { token: key, json: { generator: "local:extractive" } });
    expect(set.status).toBe(200);
    expect(await set.json()).toEqual({ generator: "local:extractive" });
    const clear = await call("PATCH", "/v1/settings", { token: key, json: { generator: null } });
    expect(await clear.json()).toEqual({});
  });
});
