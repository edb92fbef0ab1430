import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** Where to reach edgerag and with which credentials. */
export interface ClientConfig {
  url: string;
  key?: string;
  adminToken?: string;
}

function readDotenv(path: string): Record<string, string> {
  if (!existsSync(path)) return {};
  const out: Record<string, string> = {};
  for (const line of readFileSync(path, "utf8").split(/\r?\n/)) {
    const m = /^\s*([A-Z0-9_]+)\s*=\s*"?(.*?)"?\s*$/.exec(line);
    if (m?.[1]) out[m[1]] = m[2] ?? "";
  }
  return out;
}

/**
 * Resolves configuration from flags, then EDGERAG_URL / EDGERAG_KEY / EDGERAG_ADMIN_TOKEN,
 * then — when run inside a checkout where `npm start` has run — the local server's
 * `.dev.vars` admin token and `DATA_DIR/demo.json` demo key.
 */
export function resolveConfig(
  flags: { url?: string; key?: string; admin?: string },
  cwd = process.cwd(),
): ClientConfig {
  const dataDir = process.env.DATA_DIR ?? join(cwd, ".data");
  const demoPath = join(dataDir, "demo.json");
  const demoKey = existsSync(demoPath)
    ? (JSON.parse(readFileSync(demoPath, "utf8")) as { key?: string }).key
    : undefined;
  return {
    url: (flags.url ?? process.env.EDGERAG_URL ?? `http://127.0.0.1:${process.env.PORT ?? 8787}`).replace(
      /\/+$/,
      "",
    ),
    key: flags.key ?? process.env.EDGERAG_KEY ?? demoKey,
    adminToken:
      flags.admin ?? process.env.EDGERAG_ADMIN_TOKEN ?? readDotenv(join(cwd, ".dev.vars")).ADMIN_TOKEN,
  };
}

/** An API error with the server's code and message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** A thin JSON client for the edgerag HTTP API. */
export function createClient(config: ClientConfig) {
  async function request<T>(
    method: string,
    path: string,
    opts: { body?: unknown; admin?: boolean; raw?: boolean } = {},
  ): Promise<T> {
    const token = opts.admin ? config.adminToken : config.key;
    if (!token) {
      throw new Error(
        opts.admin
          ? "No admin token: pass --admin, set EDGERAG_ADMIN_TOKEN, or run inside a checkout where npm start created .dev.vars."
          : "No API key: pass --key, set EDGERAG_KEY, or run inside a checkout where npm start seeded the demo tenant.",
      );
    }
    let res: Response;
    try {
      res = await fetch(`${config.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(opts.body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      });
    } catch (err) {
      throw new Error(
        `Cannot reach edgerag at ${config.url} (${(err as Error).message}). Is it running (npm start)?`,
      );
    }
    if (opts.raw) return res as T;
    const text = await res.text();
    const body = text ? (JSON.parse(text) as unknown) : null;
    if (!res.ok) {
      const e = (body as { error?: { code?: string; message?: string } } | null)?.error;
      throw new ApiError(
        res.status,
        e?.code ?? "http_error",
        e?.message ?? `${res.status} ${res.statusText}`,
      );
    }
    return body as T;
  }
  return { request, config };
}

/** The client type commands receive. */
export type Client = ReturnType<typeof createClient>;
