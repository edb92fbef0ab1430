import { and, eq, inArray } from "drizzle-orm";
import type { Db } from "../db/client";
import { documents } from "../db/schema";
import { isContent, tokenize } from "../providers/local/text/terms";
import type { AnswerCache, AnswerCacheKey, AnswerResult } from "./answers.service";

/**
 * The semantic answer cache: a question that normalises to the same content terms (case,
 * punctuation, stop words and inflection ignored: "What's the refund window?" = "what is the
 * refund windows") with the same top_k, filter and generator returns the stored answer, as
 * long as every document it cited is still at the version it was answered from. Entries live
 * in the Workers Cache API (per data centre, TTL-bound; locally Miniflare's persisted cache),
 * so no migration is needed and a lost entry only costs a recomputation.
 */

interface Entry {
  result: AnswerResult;
  /** document id → version at answer time. */
  versions: Record<string, number>;
}

// Question words stay: "when was X founded?" and "where was X founded?" are different questions.
const WH = new Set(["who", "whom", "whose", "what", "when", "where", "why", "how", "which", "not", "no"]);

/** The normalised form two near-identical questions share (content stems and question words, in order). */
export function normaliseQuestion(query: string): string {
  return tokenize(query)
    .filter((t) => isContent(t) || WH.has(t.lower))
    .map((t) => t.stem)
    .join(" ");
}

/** Cache API adapter; `cache` defaults to a named cache so other features' entries never collide. */
export function createAnswerCache(db: Db, opts: { ttlSeconds: number; cache?: Promise<Cache> }): AnswerCache {
  const store = opts.cache ?? caches.open("edgerag-answers");

  async function url(tenantId: string, key: AnswerCacheKey): Promise<string> {
    const material = JSON.stringify([
      normaliseQuestion(key.query),
      key.topK,
      key.filter ?? null,
      key.generator,
    ]);
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(material));
    const hex = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
    return `https://answers.edgerag.internal/${encodeURIComponent(tenantId)}/${hex}`;
  }

  async function versions(tenantId: string, ids: string[]): Promise<Record<string, number>> {
    if (!ids.length) return {};
    const rows = await db
      .select({ id: documents.id, version: documents.version })
      .from(documents)
      .where(and(eq(documents.tenantId, tenantId), inArray(documents.id, ids)))
      .all();
    return Object.fromEntries(rows.map((r) => [r.id, r.version]));
  }

  return {
    async get(tenantId, key) {
      if (opts.ttlSeconds <= 0 || !normaliseQuestion(key.query)) return undefined;
      const cache = await store;
      const u = await url(tenantId, key);
      const res = await cache.match(u);
      if (!res) return undefined;
      const entry = (await res.json()) as Entry;
      const ids = Object.keys(entry.versions);
      const now = await versions(tenantId, ids);
      if (ids.some((id) => now[id] !== entry.versions[id])) {
        await cache.delete(u);
        return undefined;
      }
      return entry.result;
    },
    async put(tenantId, key, result) {
      // "Not in the documents" is not cached: a document added later may answer it.
      if (opts.ttlSeconds <= 0 || !result.grounded || !normaliseQuestion(key.query)) return;
      const ids = [...new Set(result.citations.map((c) => c.document_id))];
      const entry: Entry = { result, versions: await versions(tenantId, ids) };
      const cache = await store;
      await cache.put(
        await url(tenantId, key),
        new Response(JSON.stringify(entry), {
          headers: { "content-type": "application/json", "cache-control": `max-age=${opts.ttlSeconds}` },
        }),
      );
    },
  };
}
