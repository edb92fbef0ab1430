/**
 * `npm start`: the self-hosted edgerag server. Builds the Worker, then serves it on
 * Miniflare directly (no `wrangler dev` proxy in the request path), with bindings taken
 * from wrangler.toml and every resource persisted under DATA_DIR.
 *
 * Environment: PORT (8787), HOST (127.0.0.1), DATA_DIR (./.data), INSPECTOR_PORT (unset: no
 * inspector). Any var from
 * wrangler.toml or .dev.vars can be overridden by an environment variable of the same name.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { convertV4MiniflareOptions, Log, LogLevel, Miniflare } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { ensureDevVars } from "./local/dev-vars";
import { applyMigrations } from "./local/migrate";
import { seedDemo } from "./local/seed";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  console.error(
    `edgerag needs Node >= 22.12 (found ${process.version}). Run it through npm (npm start), which uses the bundled node.`,
  );
  process.exit(1);
}

const port = Number(process.env.PORT ?? 8787);
const host = process.env.HOST ?? "127.0.0.1";
const dataDir = resolve(process.env.DATA_DIR ?? join(root, ".data"));
const buildRoot = join(root, ".wrangler", "start-build");
mkdirSync(dataDir, { recursive: true });

const MODULE_TYPES: [RegExp, "ESModule" | "CompiledWasm" | "Text" | "Data"][] = [
  [/\.m?js$/, "ESModule"],
  [/\.wasm$/, "CompiledWasm"],
  [/\.(txt|html|sql)$/, "Text"],
  [/\.bin$/, "Data"],
];

/** The bundle's files as Miniflare modules, entry point first. */
function bundleModules(dir: string) {
  const files = readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => !f.endsWith(".map"));
  const modules = [];
  for (const f of ["index.js", ...files.filter((f) => f !== "index.js")]) {
    const type = MODULE_TYPES.find(([re]) => re.test(f))?.[1];
    if (type) modules.push({ type, path: join(dir, f) });
  }
  return modules;
}

/** Paths, sizes and mtimes of everything that goes into the bundle. */
function sourceFingerprint(): string {
  const hash = createHash("sha256");
  const inputs = ["src", "durable-objects", "wrangler.toml", "package-lock.json", "tsconfig.json"];
  for (const input of inputs) {
    const path = join(root, input);
    if (!existsSync(path)) continue;
    const files = statSync(path).isDirectory()
      ? readdirSync(path, { recursive: true, encoding: "utf8" }).map((f) => join(path, f))
      : [path];
    for (const f of files.sort()) {
      const st = statSync(f);
      if (st.isFile()) hash.update(`${f}\0${st.size}\0${st.mtimeMs}\n`);
    }
  }
  return hash.digest("hex");
}

/** Keeps the newest few builds so the cache cannot grow without bound. */
function pruneBuilds(dir: string, keep: string) {
  const builds = readdirSync(dir)
    .filter((d) => !d.includes(".tmp-"))
    .map((d) => ({ path: join(dir, d), mtime: statSync(join(dir, d)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime);
  for (const b of builds.slice(3)) if (b.path !== keep) rmSync(b.path, { recursive: true, force: true });
}

function step(msg: string) {
  process.stdout.write(`\u001b[2m•\u001b[0m ${msg}\n`);
}

// 1. Secrets: .dev.vars with an ADMIN_TOKEN (created once, never overwritten).
const { vars: devVars, created } = ensureDevVars(join(root, ".dev.vars"));
if (created) step("created .dev.vars with a new ADMIN_TOKEN");

// 2. Build the Worker exactly as `wrangler deploy` would bundle it, unless the last
// build came from the same sources (restarts then take a second, not a bundle).
// Builds are keyed by fingerprint and published with an atomic rename, so servers started
// side by side (tests, benchmarks) never read a half-written bundle.
const fingerprint = sourceFingerprint();
const buildDir = join(buildRoot, fingerprint.slice(0, 16));
if (existsSync(join(buildDir, "index.js"))) {
  step("sources unchanged since the last build");
} else {
  step("building the Worker");
  const tmpDir = `${buildDir}.tmp-${process.pid}`;
  const build = spawnSync(
    join(root, "node_modules", ".bin", "wrangler"),
    ["deploy", "--dry-run", "--outdir", tmpDir],
    {
      cwd: root,
      stdio: ["ignore", "ignore", "inherit"],
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", WRANGLER_LOG: "error" },
    },
  );
  if (build.status !== 0) {
    console.error("Build failed (see above).");
    process.exit(1);
  }
  try {
    renameSync(tmpDir, buildDir);
  } catch {
    rmSync(tmpDir, { recursive: true, force: true }); // another server published the same build first
  }
  pruneBuilds(buildRoot, buildDir);
}

// 3. Bindings from wrangler.toml; vars overridden by .dev.vars, then by the environment.
const { workerOptions } = unstable_getMiniflareWorkerOptions(join(root, "wrangler.toml"));
// Module rules only matter while bundling; Miniflare gets the bundle's files as explicit modules.
const { modulesRules: _rules, rootPath: _rootPath, ...bindingOptions } = workerOptions;
const bindings: Record<string, unknown> = { ...(workerOptions.bindings ?? {}), ...devVars };
// RATE_LIMIT and SEARCH_REPLICA_* are optional (src/secrets.d.ts), so they are in neither
// wrangler.toml nor, usually, .dev.vars; without naming them here `RATE_LIMIT=off npm start`
// (benchmarks, e2e tests) was ignored.
const optional = ["RATE_LIMIT", "SEARCH_REPLICA_MAX_CHUNKS", "SEARCH_REPLICA_RECHECK_MS"];
for (const name of new Set([...Object.keys(bindings), ...optional])) {
  const fromEnv = process.env[name];
  if (fromEnv !== undefined && name !== "ADMIN_TOKEN") bindings[name] = fromEnv;
}

// Two Workers. "edgerag" is the API, without the static-assets layer: requests on the API's
// paths (wrangler.toml's run_worker_first) reach it straight from Miniflare's entry, as on
// Cloudflare, where the routing happens outside the Worker's CPU. Everything else goes to
// "edgerag-ui", which serves public/ and hands what is not a file to the API. (With assets
// on the API Worker every API request crossed two more isolates on the one workerd thread:
// ~1 ms of CPU per search.)
const { assets, ...apiOptions } = bindingOptions as typeof bindingOptions & { assets?: AssetsOptions };
interface AssetsOptions {
  directory: string;
  binding?: string;
  run_worker_first?: boolean | string[];
  routerConfig?: Record<string, unknown>;
  assetConfig?: Record<string, unknown>;
}
const apiPaths = Array.isArray(assets?.run_worker_first) ? assets.run_worker_first : [];
const ui = assets && {
  name: "edgerag-ui",
  compatibilityDate: workerOptions.compatibilityDate,
  modules: [
    {
      type: "ESModule",
      path: join(buildRoot, "ui.mjs"),
      contents: "export default { fetch: (request, env) => env.API.fetch(request) };",
    },
  ],
  serviceBindings: { API: "edgerag" },
  assets: {
    directory: assets.directory,
    routerConfig: { has_user_worker: true },
    ...(assets.assetConfig ? { assetConfig: assets.assetConfig } : {}),
  },
};

// wrangler describes bindings in Miniflare's v4 option shape; Miniflare 5 converts it.
const api = {
  ...apiOptions,
  name: "edgerag",
  modules: bundleModules(buildDir),
  modulesRoot: buildDir,
  bindings,
  routes: apiPaths.map((path) => `*${path}`),
};
const mf = new Miniflare(
  convertV4MiniflareOptions({
    host,
    port,
    // The first Worker takes the requests no route claims.
    workers: ui ? [ui, api] : [api],
    resourcePersistencePath: dataDir,
    // Offline: never fetch the Request.cf placeholder from workers.cloudflare.com.
    cf: false,
    logRequests: process.env.LOG_REQUESTS === "1",
    // INSPECTOR_PORT=9229: the V8 inspector of the Worker (DevTools, CPU profiles; see bench/profile).
    ...(process.env.INSPECTOR_PORT ? { inspectorPort: Number(process.env.INSPECTOR_PORT) } : {}),
    log: new Log(LogLevel.INFO),
  } as Parameters<typeof convertV4MiniflareOptions>[0]),
);

const url = await mf.ready;
const baseUrl = url.origin;

// 4. Schema, then the demo tenant (and its corpus, first run only).
const applied = await applyMigrations(await mf.getD1Database("DB", "edgerag"), join(root, "migrations"));
if (applied.length) step(`applied migrations: ${applied.join(", ")}`);
const adminToken = String(bindings.ADMIN_TOKEN);
const demo = await seedDemo({
  fetch: (u, init) => fetch(u, init),
  baseUrl,
  adminToken,
  statePath: join(dataDir, "demo.json"),
  corpusDir: join(root, "seed"),
});

// 5. Cron triggers: Miniflare does not fire them by itself. The sweep also runs once now,
// so work interrupted by a crash (queued messages live in memory) resumes at start.
const worker = await mf.getWorker("edgerag");
async function sweep(cron: string) {
  try {
    await worker.scheduled({ cron, scheduledTime: new Date() });
  } catch (err) {
    console.error("scheduled sweep failed:", err);
  }
}
const crons = (workerOptions as { cronTriggers?: string[] }).cronTriggers ?? [];
if (crons.length) {
  await sweep(crons[0] ?? "* * * * *");
  const timer = setInterval(() => void sweep(crons[0] ?? "* * * * *"), 60_000);
  timer.unref();
}

const bold = (s: string) => `\u001b[1m${s}\u001b[0m`;
console.log(`
${bold("edgerag")} is running at ${bold(baseUrl)}   (data: ${dataDir})

  admin token   ${adminToken}
  demo key      ${demo.key}   (tenant "demo")

  curl ${baseUrl}/healthz
  curl -H "Authorization: Bearer ${demo.key}" ${baseUrl}/v1/whoami
  open ${baseUrl}/docs
`);

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  step(`${signal}: stopping`);
  await mf.dispose();
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
