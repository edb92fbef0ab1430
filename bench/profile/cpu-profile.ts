/**
 * CPU profile of the Worker under search load: connects to the V8 inspector of a running
 * `npm start` (started with INSPECTOR_PORT), records a sampling profile while N clients send
 * `/v1/search` requests built from a BEIR query file, writes the `.cpuprofile` (open it in
 * Chrome DevTools → Performance, or speedscope) and prints the functions with the most self
 * time and the source files with the most inclusive time.
 *
 *   INSPECTOR_PORT=9229 DATA_DIR=/tmp/sf npm start                    # in another terminal
 *   npx tsx bench/profile/cpu-profile.ts --key erk_… [--url http://127.0.0.1:8787] [--inspector 9229]
 *     [--dataset scifact] [--seconds 10] [--clients 4] [--path /v1/search] [--body '{"mode":"hybrid"}']
 *     [--out bench/out/search.cpuprofile]
 *
 * Native time (SQLite inside the local D1, JSON parsing in C++) shows as "(program)" or under
 * the JS frame that called into it; `perf record -p <workerd pid>` sees inside it.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { type BeirQuery, parseJsonl } from "../../src/eval/beir";
import { dataDir } from "../providers/data";

const { values: opt } = parseArgs({
  options: {
    url: { type: "string", default: "http://127.0.0.1:8787" },
    key: { type: "string", default: "" },
    inspector: { type: "string", default: "9229" },
    dataset: { type: "string", default: "scifact" },
    seconds: { type: "string", default: "10" },
    clients: { type: "string", default: "4" },
    path: { type: "string", default: "/v1/search" },
    body: { type: "string", default: '{"mode":"hybrid"}' },
    out: { type: "string", default: "bench/out/search.cpuprofile" },
    top: { type: "string", default: "40" },
    // Miniflare runs each simulated service in its own isolate: the Worker (and its Durable
    // Objects) is core:user:edgerag; d1:db is the local D1, core:entry the HTTP entry.
    target: { type: "string", default: "core:user:edgerag" },
  },
});
if (!opt.key) throw new Error("--key is required (a read key of the tenant holding the corpus)");

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** A minimal Chrome DevTools Protocol session over the inspector's WebSocket. */
async function connect(
  port: string,
  id: string,
): Promise<{
  send: (method: string, params?: object) => Promise<Record<string, unknown>>;
  close: () => void;
}> {
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json`)).json()) as {
    id: string;
    webSocketDebuggerUrl: string;
  }[];
  const target = targets.find((t) => t.id === id);
  if (!target)
    throw new Error(`no inspector target ${id} on port ${port}: ${targets.map((t) => t.id).join(", ")}`);
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = reject;
  });
  let next = 1;
  const pending = new Map<number, (v: Record<string, unknown>) => void>();
  ws.onmessage = (e) => {
    const msg = JSON.parse(String(e.data)) as { id?: number; result?: Record<string, unknown> };
    if (msg.id !== undefined) pending.get(msg.id)?.(msg.result ?? {});
  };
  return {
    send: (method, params = {}) =>
      new Promise((resolve) => {
        const id = next++;
        pending.set(id, resolve);
        ws.send(JSON.stringify({ id, method, params }));
      }),
    close: () => ws.close(),
  };
}

const queries = parseJsonl<BeirQuery>(
  readFileSync(join(dataDir(), opt.dataset as string, "queries.jsonl"), "utf8"),
  "queries",
);
const body = JSON.parse(opt.body as string) as Record<string, unknown>;
const cdp = await connect(opt.inspector as string, opt.target as string);
await cdp.send("Profiler.enable");
await cdp.send("Profiler.setSamplingInterval", { interval: 200 });
await cdp.send("Profiler.start");

const deadline = Date.now() + Number(opt.seconds) * 1000;
let sent = 0;
await Promise.all(
  Array.from({ length: Number(opt.clients) }, async () => {
    while (Date.now() < deadline) {
      const q = queries[sent++ % queries.length] as BeirQuery;
      const res = await fetch(`${opt.url}${opt.path}`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${opt.key}`,
          "content-type": "application/json",
          "accept-encoding": "identity",
        },
        body: JSON.stringify({ query: q.text, ...body }),
      });
      if (!res.ok) throw new Error(`${opt.path}: ${res.status} ${await res.text()}`);
      await res.arrayBuffer();
    }
  }),
);
const { profile } = (await cdp.send("Profiler.stop")) as unknown as { profile: Profile };
cdp.close();
mkdirSync(dirname(opt.out as string), { recursive: true });
writeFileSync(opt.out as string, JSON.stringify(profile));

// Self time per function, inclusive time per source file (each file counted once per stack).
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const self = new Map<string, number>();
const inclusive = new Map<string, number>();
let total = 0;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  total += dt;
  const n = byId.get(id);
  if (!n) return;
  const f = n.callFrame;
  const name = `${f.functionName || "(anonymous)"} ${f.url.split("/").slice(-2).join("/")}:${f.lineNumber + 1}`;
  self.set(name, (self.get(name) ?? 0) + dt);
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const fn = byId.get(cur)?.callFrame.functionName ?? "";
    if (fn && !seen.has(fn)) {
      seen.add(fn);
      inclusive.set(fn, (inclusive.get(fn) ?? 0) + dt);
    }
  }
});
const pct = (us: number) => `${((us / total) * 100).toFixed(1).padStart(5)}%`;
console.log(
  `${sent} requests in ${opt.seconds} s on ${opt.clients} clients; profile ${(total / 1e6).toFixed(1)} s`,
);
const idle = self.get("(idle) :0") ?? 0;
console.log(
  `${((total - idle) / 1e3 / sent).toFixed(2)} ms of isolate CPU per request (idle excluded; sampling adds overhead)\n`,
);
console.log("self time");
for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(opt.top))) console.log(pct(v), k);
console.log("\ninclusive time by function name");
for (const [k, v] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, Number(opt.top)))
  console.log(pct(v), k);
