import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { removeDataDir, startServer, type TestServer } from "./server";

describe("npm start (the local run contract)", () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server?.stop();
    if (server) removeDataDir(server.dataDir);
  });

  it("serves /healthz with D1 and Durable Objects healthy", async () => {
    const res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "ok" });
  });

  it("prints a working admin token and demo key", async () => {
    expect(server.adminToken).toMatch(/.{16,}/);
    const who = await fetch(`${server.url}/v1/whoami`, {
      headers: { authorization: `Bearer ${server.demoKey}` },
    });
    expect(await who.json()).toMatchObject({ tenant_id: "demo" });
  });

  it("keeps tenants, keys and revocations across a crash (SIGKILL) and restart", async () => {
    const admin = { authorization: `Bearer ${server.adminToken}`, "content-type": "application/json" };
    expect(
      (
        await fetch(`${server.url}/v1/admin/tenants`, {
          method: "POST",
          headers: admin,
          body: '{"id":"persist"}',
        })
      ).status,
    ).toBe(201);
    const created = (await (
      await fetch(`${server.url}/v1/admin/tenants/persist/keys`, {
        method: "POST",
        headers: admin,
        body: "{}",
      })
    ).json()) as { key: string; id: string };
    const revoked = (await (
      await fetch(`${server.url}/v1/admin/tenants/persist/keys`, {
        method: "POST",
        headers: admin,
        body: "{}",
      })
    ).json()) as { key: string; id: string };
    await fetch(`${server.url}/v1/admin/keys/${revoked.id}`, { method: "DELETE", headers: admin });

    server = await server.restart("SIGKILL");

    const who = await fetch(`${server.url}/v1/whoami`, {
      headers: { authorization: `Bearer ${created.key}` },
    });
    expect(await who.json()).toMatchObject({ tenant_id: "persist" });
    const gone = await fetch(`${server.url}/v1/whoami`, {
      headers: { authorization: `Bearer ${revoked.key}` },
    });
    expect(gone.status).toBe(401);
    // The demo key printed on the first start still works: seeding is first-run only.
    const demo = await fetch(`${server.url}/v1/whoami`, {
      headers: { authorization: `Bearer ${server.demoKey}` },
    });
    expect(demo.status).toBe(200);
  });
});
