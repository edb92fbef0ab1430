import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");

/** A running `npm start` server on a private port and data directory. */
export interface TestServer {
  url: string;
  adminToken: string;
  demoKey: string;
  dataDir: string;
  /** Stops the server (SIGTERM, or SIGKILL to simulate a crash). */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Stops and starts again on the same port and data directory. */
  restart(signal?: NodeJS.Signals): Promise<TestServer>;
  output(): string;
}

let nextPort = 18_700 + Math.floor(Math.random() * 200) * 5;

/**
 * Starts edgerag exactly as a user would (`npm start`), with its own DATA_DIR and port,
 * and waits for /healthz. Vars can be overridden through `env`.
 */
export async function startServer(
  opts: { dataDir?: string; port?: number; env?: Record<string, string> } = {},
): Promise<TestServer> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), "edgerag-e2e-"));
  const port = opts.port ?? nextPort++;
  const child: ChildProcess = spawn(join(root, "node_modules", ".bin", "tsx"), ["scripts/start.ts"], {
    cwd: root,
    env: { ...process.env, PORT: String(port), DATA_DIR: dataDir, RATE_LIMIT: "off", ...opts.env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let log = "";
  child.stdout?.on("data", (d) => {
    log += d;
  });
  child.stderr?.on("data", (d) => {
    log += d;
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}:\n${log}`);
    if (/is running at/.test(log)) {
      try {
        if ((await fetch(`${url}/healthz`)).ok) break;
      } catch {
        // not listening yet
      }
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`npm start did not become healthy within 90 s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const demo = JSON.parse(readFileSync(join(dataDir, "demo.json"), "utf8")) as { key: string };
  const adminToken = /admin token\s+(\S+)/.exec(log)?.[1] ?? "";
  const stop = async (signal: NodeJS.Signals = "SIGTERM") => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    // The server runs workerd as a child; signal the whole process group.
    process.kill(-(child.pid ?? 0), signal);
    await exited;
  };
  return {
    url,
    adminToken,
    demoKey: demo.key,
    dataDir,
    stop,
    output: () => log,
    async restart(signal) {
      await stop(signal);
      return startServer({ ...opts, dataDir, port });
    },
  };
}

/** Removes a server's data directory. */
export function removeDataDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
