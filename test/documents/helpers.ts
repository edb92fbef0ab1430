import { env } from "cloudflare:workers";
import { call } from "../helpers";

/** A document as returned by GET /v1/documents/:id. */
export interface DocView {
  id: string;
  title: string | null;
  status: string;
  version: number;
  chunk_count: number;
  embedder: string | null;
  error: { code: string; message: string } | null;
  duplicate_of?: string[];
  metadata: Record<string, unknown>;
  expires_at: number | null;
}

/**
 * Polls until `check` returns a value (not undefined). Queue delivery in workerd is
 * asynchronous, so integration tests wait for the document state they assert on; the
 * deadline only bounds a hung test, it is not what the test measures.
 */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  what: string,
  deadlineMs = 20_000,
): Promise<T> {
  const stop = Date.now() + deadlineMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > stop) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** GET a document (throws on a non-200). */
export async function getDoc(key: string, id: string): Promise<DocView> {
  const res = await call("GET", `/v1/documents/${encodeURIComponent(id)}`, { token: key });
  if (res.status !== 200) throw new Error(`GET ${id}: ${res.status} ${await res.text()}`);
  return (await res.json()) as DocView;
}

/** Waits until a document reaches `ready` or `failed` at (at least) `version`. */
export function settled(key: string, id: string, version = 1): Promise<DocView> {
  return eventually(async () => {
    const doc = await getDoc(key, id);
    return doc.version >= version && (doc.status === "ready" || doc.status === "failed") ? doc : undefined;
  }, `document ${id} v${version} to settle`);
}

/** POSTs one JSON document and returns the 202 body. */
export async function postText(
  key: string,
  doc: Record<string, unknown>,
): Promise<{
  id: string;
  job_id: string;
  version: number;
  status: string;
  unchanged: boolean;
  duplicate_of: string[];
}> {
  const res = await call("POST", "/v1/documents", { token: key, json: doc });
  if (res.status !== 202) throw new Error(`POST /v1/documents: ${res.status} ${await res.text()}`);
  return (await res.json()) as never;
}

/** Chunk rows of a document, in order, straight from D1. */
export async function chunkRows(tenantId: string, documentId: string) {
  const { results } = await env.DB.prepare(
    "SELECT id, ordinal, text, token_count, metadata, version FROM chunks WHERE tenant_id = ? AND document_id = ? ORDER BY ordinal",
  )
    .bind(tenantId, documentId)
    .all<{
      id: string;
      ordinal: number;
      text: string;
      token_count: number;
      metadata: string;
      version: number;
    }>();
  return results;
}
