import { env, exports } from "cloudflare:workers";

/** The admin token configured for tests in vitest.config.ts. */
export const ADMIN_TOKEN = env.ADMIN_TOKEN ?? "";

/** Sends a request through the real Worker entry point. */
export function call(
  method: string,
  path: string,
  opts: { token?: string; json?: unknown; body?: BodyInit; headers?: Record<string, string> } = {},
): Promise<Response> {
  const headers = new Headers(opts.headers);
  if (opts.token) headers.set("authorization", `Bearer ${opts.token}`);
  let body = opts.body;
  if (opts.json !== undefined) {
    headers.set("content-type", "application/json");
    body = JSON.stringify(opts.json);
  }
  return exports.default.fetch(new Request(`http://edgerag.test${path}`, { method, headers, body }));
}

/** Unique-per-test tenant id, so tests sharing storage never collide. */
export function uniqueTenantId(prefix = "t"): string {
  return `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
}

/** Creates a tenant and a key with the given scopes; returns the tenant id and key secret. */
export async function createTenantWithKey(
  scopes: ("read" | "write")[] = ["read", "write"],
  tenantId = uniqueTenantId(),
): Promise<{ tenantId: string; key: string; keyId: string }> {
  const t = await call("POST", "/v1/admin/tenants", { token: ADMIN_TOKEN, json: { id: tenantId } });
  if (t.status !== 201) throw new Error(`create tenant: ${t.status} ${await t.text()}`);
  const k = await call("POST", `/v1/admin/tenants/${tenantId}/keys`, {
    token: ADMIN_TOKEN,
    json: { scopes },
  });
  if (k.status !== 201) throw new Error(`create key: ${k.status} ${await k.text()}`);
  const body = (await k.json()) as { key: string; id: string };
  return { tenantId, key: body.key, keyId: body.id };
}

/** Reads a JSON error body and returns its code. */
export async function errorCode(res: Response): Promise<string | undefined> {
  const body = (await res.json()) as { error?: { code?: string } };
  return body.error?.code;
}
