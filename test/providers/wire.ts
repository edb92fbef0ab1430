import { env } from "cloudflare:workers";

/** Base URL on the wire server for one test: a fresh key (its own log and counters) and a mode. */
export function wireBase(mode: string, key = crypto.randomUUID().slice(0, 8)): { base: string; key: string } {
  return { base: `${env.PROVIDER_WIRE_URL}/${key}/${mode}`, key };
}

/** Requests the wire server received for `key`. */
export async function wireLog(
  key: string,
): Promise<{ path: string; headers: Record<string, string>; body: unknown; closed_early?: boolean }[]> {
  const res = await fetch(`${env.PROVIDER_WIRE_URL}/__log/${key}`);
  return res.json();
}

/** The deterministic vector the wire server returns for `text` (mirrors test-node/providers/wire-server.ts). */
export function wireVector(text: string, dims = 8): number[] {
  const v = new Array<number>(dims).fill(0);
  v[0] = text.length;
  v[1] = text.charCodeAt(0) || 0;
  v[2] = text.split(/\s+/).filter(Boolean).length;
  if (dims > 3) v[3] = 1;
  return v;
}

/** Awaits a promise expected to reject and returns the error. */
export async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error("expected a rejection");
}
