import type { Client } from "../client";

/** `edgerag tenants create <id> [--name]`, `tenants list`. */
export async function tenants(
  client: Client,
  args: string[],
  flags: Record<string, string | boolean | undefined>,
) {
  const [sub, id] = args;
  if (sub === "create" && id) {
    return client.request("POST", "/v1/admin/tenants", {
      admin: true,
      body: { id, ...(typeof flags.name === "string" ? { name: flags.name } : {}) },
    });
  }
  if (sub === "list") return client.request("GET", "/v1/admin/tenants", { admin: true });
  throw new Error("usage: edgerag tenants create <id> [--name <name>] | tenants list");
}

/** `edgerag keys create <tenant> [--scopes read,write] [--name]`, `keys list <tenant>`, `keys revoke <id>`. */
export async function keys(
  client: Client,
  args: string[],
  flags: Record<string, string | boolean | undefined>,
) {
  const [sub, arg] = args;
  if (sub === "create" && arg) {
    const scopes =
      typeof flags.scopes === "string" ? flags.scopes.split(",").map((s) => s.trim()) : undefined;
    return client.request("POST", `/v1/admin/tenants/${encodeURIComponent(arg)}/keys`, {
      admin: true,
      body: {
        ...(scopes ? { scopes } : {}),
        ...(typeof flags.name === "string" ? { name: flags.name } : {}),
      },
    });
  }
  if (sub === "list" && arg)
    return client.request("GET", `/v1/admin/tenants/${encodeURIComponent(arg)}/keys`, { admin: true });
  if (sub === "revoke" && arg)
    return client.request("DELETE", `/v1/admin/keys/${encodeURIComponent(arg)}`, { admin: true });
  throw new Error(
    "usage: edgerag keys create <tenant> [--scopes read,write] [--name n] | keys list <tenant> | keys revoke <key-id>",
  );
}
