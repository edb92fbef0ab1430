import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";

/** What `npm start` remembers about the demo tenant between runs (under DATA_DIR). */
export interface DemoState {
  tenant: string;
  key: string;
  documents_seeded: boolean;
}

type Fetch = (url: string, init?: RequestInit) => Promise<Response>;

async function expectOk(res: Response, what: string, ok: number[]): Promise<unknown> {
  if (!ok.includes(res.status)) throw new Error(`${what} failed: ${res.status} ${await res.text()}`);
  return res.status === 204 ? null : res.json();
}

/**
 * Seeds the `demo` tenant with a key and, once ingestion is available, the bundled corpus
 * in `seed/`. Runs through the public HTTP API, so it exercises exactly what users do.
 */
export async function seedDemo(opts: {
  fetch: Fetch;
  baseUrl: string;
  adminToken: string;
  statePath: string;
  corpusDir: string;
}): Promise<DemoState> {
  const { fetch, baseUrl, adminToken, statePath, corpusDir } = opts;
  const admin = { authorization: `Bearer ${adminToken}`, "content-type": "application/json" };
  let state: DemoState | null = existsSync(statePath)
    ? (JSON.parse(readFileSync(statePath, "utf8")) as DemoState)
    : null;

  await expectOk(
    await fetch(`${baseUrl}/v1/admin/tenants`, {
      method: "POST",
      headers: admin,
      body: JSON.stringify({ id: "demo", name: "Demo" }),
    }),
    "creating the demo tenant",
    [201, 409],
  );

  const keyWorks =
    state !== null &&
    (await fetch(`${baseUrl}/v1/whoami`, { headers: { authorization: `Bearer ${state.key}` } })).status ===
      200;
  if (!state || !keyWorks) {
    const created = (await expectOk(
      await fetch(`${baseUrl}/v1/admin/tenants/demo/keys`, {
        method: "POST",
        headers: admin,
        body: JSON.stringify({ scopes: ["read", "write"], name: "demo (npm start)" }),
      }),
      "creating the demo key",
      [201],
    )) as { key: string };
    state = { tenant: "demo", key: created.key, documents_seeded: state?.documents_seeded ?? false };
    writeFileSync(statePath, JSON.stringify(state, null, 2), { mode: 0o600 });
  }

  if (!state.documents_seeded && existsSync(corpusDir)) {
    const files = readdirSync(corpusDir).filter((f) => /\.(md|txt|html)$/.test(f));
    const documents = files.map((f) => ({
      id: basename(f).replace(/\.[^.]+$/, ""),
      text: readFileSync(join(corpusDir, f), "utf8"),
      content_type: f.endsWith(".html") ? "text/html" : f.endsWith(".md") ? "text/markdown" : "text/plain",
      metadata: { source: "edgerag-seed", file: f },
    }));
    const res = await fetch(`${baseUrl}/v1/documents/batch`, {
      method: "POST",
      headers: { authorization: `Bearer ${state.key}`, "content-type": "application/json" },
      body: JSON.stringify({ documents }),
    });
    // 404 means this build has no ingestion route yet; try again on the next start.
    if (res.status !== 404) {
      await expectOk(res, "seeding demo documents", [202]);
      state.documents_seeded = true;
      writeFileSync(statePath, JSON.stringify(state, null, 2), { mode: 0o600 });
    }
  }
  return state;
}
