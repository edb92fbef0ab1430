/**
 * Crash safety of ingestion, end to end: start `npm start`, ingest 1,000 documents through
 * the HTTP API, SIGKILL the server while documents are still being accepted and indexed,
 * start it again on the same data, let the client send what it never got a 202 for (as a
 * client retrying would; a request that died mid-flight may or may not have been stored, and
 * sending it again must be harmless), and check that
 *
 * - every document that got a 202, before or after the crash, ends `ready` (or `failed`
 *   with a reason), and
 * - nothing is duplicated: one row per document, one chunk per (document, ordinal), one
 *   keyword-index entry per chunk, and every chunk of a ready document present.
 *
 * Local queues live in memory, so the messages in flight die with the process; D1 is the
 * source of truth and the maintenance sweep (run at start and every minute) re-enqueues
 * documents whose lease lapsed. Recovery therefore takes up to about two minutes.
 *
 *   npx tsx bench/crash-safety/crash-safety.ts [--docs 1000] [--batch 50] [--kill-after 500] [--port 8842]
 *
 * Exits 0 when every check passes, 1 otherwise. Writes bench/out/crash-safety.json.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import { removeDataDir, startServer, type TestServer } from "../../test-node/server";

const ROOT = resolve(import.meta.dirname, "..", "..");

function args(defaults: Record<string, string>): Record<string, string> {
  const out = { ...defaults };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a.startsWith("--")) out[a.slice(2)] = argv[i + 1] ?? "";
  }
  return out;
}

const opt = args({
  docs: "1000",
  batch: "50",
  "kill-after": "500",
  port: "8842",
  "recovery-timeout": "300",
  corpus: join(ROOT, "..", "shared", "data", "scifact", "corpus.jsonl"),
});
const log = (...a: unknown[]) => console.log(new Date().toISOString().slice(11, 19), ...a);

const docs = readFileSync(opt.corpus as string, "utf8")
  .split("\n")
  .filter((l) => l.trim())
  .slice(0, Number(opt.docs))
  .map((l) => {
    const d = JSON.parse(l) as { _id: string; title: string; text: string };
    return { id: `sf-${d._id}`, title: d.title, text: d.text };
  });

let server: TestServer = await startServer({ port: Number(opt.port) });
const admin = { authorization: `Bearer ${server.adminToken}`, "content-type": "application/json" };
const tenant = "crash";
await fetch(`${server.url}/v1/admin/tenants`, {
  method: "POST",
  headers: admin,
  body: JSON.stringify({ id: tenant }),
});
const { key } = (await (
  await fetch(`${server.url}/v1/admin/tenants/${tenant}/keys`, { method: "POST", headers: admin, body: "{}" })
).json()) as { key: string };
const auth = { authorization: `Bearer ${key}` };

// Ingest in batches, two calls in flight, and kill the server once enough were accepted.
const accepted = new Set<string>();
const rejected: string[] = [];
const batches: (typeof docs)[] = [];
for (let i = 0; i < docs.length; i += Number(opt.batch)) batches.push(docs.slice(i, i + Number(opt.batch)));
let next = 0;
let killed: Promise<void> | null = null;
const kill = () => {
  killed ??= (async () => {
    log(`SIGKILL after ${accepted.size} accepted documents`);
    await server.stop("SIGKILL");
  })();
  return killed;
};
await Promise.all(
  [0, 1].map(async () => {
    while (next < batches.length && !killed) {
      const batch = batches[next++] as typeof docs;
      try {
        const res = await fetch(`${server.url}/v1/documents/batch`, {
          method: "POST",
          headers: { ...auth, "content-type": "application/json" },
          body: JSON.stringify({ documents: batch }),
        });
        if (res.status === 202) for (const d of batch) accepted.add(d.id);
        else rejected.push(`${res.status}`);
      } catch {
        // The connection died with the server: these documents never got a 202.
      }
      if (accepted.size >= Number(opt["kill-after"])) await kill();
    }
  }),
);
await kill();

log("restarting on the same data directory");
server = await startServer({ port: Number(opt.port), dataDir: server.dataDir });
const acceptedBeforeKill = accepted.size;
const started = Date.now();
// The client resends everything it has no 202 for (including requests cut off by the kill).
const unsent = docs.filter((d) => !accepted.has(d.id));
for (let i = 0; i < unsent.length; i += Number(opt.batch)) {
  const batch = unsent.slice(i, i + Number(opt.batch));
  const res = await fetch(`${server.url}/v1/documents/batch`, {
    method: "POST",
    headers: { ...auth, "content-type": "application/json" },
    body: JSON.stringify({ documents: batch }),
  });
  if (res.status !== 202) throw new Error(`resending after the restart: ${res.status} ${await res.text()}`);
  for (const d of batch) accepted.add(d.id);
}
log(`resent ${unsent.length} documents after the restart`);
type Doc = {
  id: string;
  status: string;
  chunk_count: number;
  error: { code: string; message: string } | null;
};
async function listAll(): Promise<Doc[]> {
  const out: Doc[] = [];
  let cursor = "";
  do {
    const res = await fetch(`${server.url}/v1/documents?limit=1000${cursor ? `&cursor=${cursor}` : ""}`, {
      headers: { authorization: `Bearer ${key}` },
    });
    const page = (await res.json()) as { documents: Doc[]; next_cursor: string | null };
    out.push(...page.documents);
    cursor = page.next_cursor ?? "";
  } while (cursor);
  return out;
}
let listed: Doc[] = [];
for (;;) {
  listed = await listAll();
  const open = listed.filter((d) => d.status === "queued" || d.status === "indexing").length;
  if (open === 0) break;
  if (Date.now() - started > Number(opt["recovery-timeout"]) * 1000) {
    log(`gave up waiting: ${open} documents still queued or indexing`);
    break;
  }
  log(`waiting: ${open} of ${listed.length} documents queued or indexing`);
  await new Promise((r) => setTimeout(r, 5000));
}
const recoverySeconds = Math.round((Date.now() - started) / 1000);
await server.stop();

// Inspect D1 directly (the server is stopped) for duplicates the API could not show.
const mf = new Miniflare(
  convertV4MiniflareOptions({
    modules: true,
    script: "export default { fetch() { return new Response('') } }",
    d1Databases: { DB: "00000000-0000-4000-8000-000000000000" },
    resourcePersistencePath: server.dataDir,
  } as Parameters<typeof convertV4MiniflareOptions>[0]),
);
const db = await mf.getD1Database("DB");
const one = async <T>(sql: string, ...params: unknown[]) =>
  (await db
    .prepare(sql)
    .bind(...params)
    .first<T>()) as T;
const sqlChecks = {
  documents: (await one<{ n: number }>("SELECT count(*) AS n FROM documents WHERE tenant_id = ?", tenant)).n,
  duplicate_chunks: (
    await one<{ n: number }>(
      "SELECT count(*) AS n FROM (SELECT document_id, ordinal FROM chunks WHERE tenant_id = ? GROUP BY 1, 2 HAVING count(*) > 1)",
      tenant,
    )
  ).n,
  chunk_rows: (await one<{ n: number }>("SELECT count(*) AS n FROM chunks WHERE tenant_id = ?", tenant)).n,
  chunk_count_sum: (
    await one<{ n: number }>(
      "SELECT coalesce(sum(chunk_count), 0) AS n FROM documents WHERE tenant_id = ? AND status = 'ready'",
      tenant,
    )
  ).n,
  keyword_entries: (
    await one<{ n: number }>(
      "SELECT count(*) AS n FROM chunks_fts WHERE chunks_fts MATCH ?",
      `scope : "t${[...new TextEncoder().encode(tenant)].map((b) => String(b).padStart(3, "0")).join("")}"`,
    )
  ).n,
};
await mf.dispose();

const byId = new Map(listed.map((d) => [d.id, d]));
const missing = [...accepted].filter((id) => !byId.has(id));
const notReady = [...accepted].filter((id) => {
  const d = byId.get(id);
  return d && d.status !== "ready" && !(d.status === "failed" && d.error);
});
const failedWithReason = listed
  .filter((d) => d.status === "failed")
  .map((d) => ({ id: d.id, error: d.error }));
const checks = {
  every_accepted_document_exists: missing.length === 0,
  every_accepted_document_ready_or_failed_with_reason: notReady.length === 0,
  no_duplicate_documents:
    listed.length === new Set(listed.map((d) => d.id)).size && sqlChecks.documents === listed.length,
  no_duplicate_chunks: sqlChecks.duplicate_chunks === 0 && sqlChecks.chunk_rows === sqlChecks.chunk_count_sum,
  keyword_index_matches_chunks: sqlChecks.keyword_entries === sqlChecks.chunk_rows,
};
const report = {
  date: new Date().toISOString(),
  options: opt,
  accepted_before_kill: acceptedBeforeKill,
  accepted_in_total: accepted.size,
  rejected_before_kill: rejected,
  documents_after_restart: listed.length,
  ready: listed.filter((d) => d.status === "ready").length,
  failed: failedWithReason,
  recovery_seconds: recoverySeconds,
  missing: missing.slice(0, 20),
  not_settled: notReady.slice(0, 20),
  sql: sqlChecks,
  checks,
};
console.log(JSON.stringify(report, null, 2));
mkdirSync(join(ROOT, "bench", "out"), { recursive: true });
writeFileSync(join(ROOT, "bench", "out", "crash-safety.json"), JSON.stringify(report, null, 2));
removeDataDir(server.dataDir);
const ok = Object.values(checks).every(Boolean);
log(ok ? "PASS" : "FAIL");
process.exit(ok ? 0 : 1);
