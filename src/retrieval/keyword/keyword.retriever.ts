import { and, eq, inArray } from "drizzle-orm";
import type { Db } from "../../db/client";
import { chunks, documents } from "../../db/schema";
import type { MetadataFilter, Retriever, SearchHit, SearchResponse } from "../types";
import type { KeywordIndex } from "./keyword-index";

/**
 * A keyword-only adapter of the Retriever port over the FTS5 {@link KeywordIndex}: what the
 * answer and session routes use until the hybrid retriever (branch `retrieval`) lands. Hits
 * carry chunk text and title from D1; the filter applies to the document's metadata plus
 * `document_id`, with Vectorize's operators.
 */
export function createKeywordRetriever(deps: { db: Db; keyword: KeywordIndex }): Retriever {
  return {
    async search(tenantId, request): Promise<SearchResponse> {
      const t0 = performance.now();
      request.signal?.throwIfAborted();
      // Over-fetch when filtering, since the filter runs after the keyword match.
      const limit = request.filter ? Math.min(request.topK * 5, 200) : request.topK;
      const hits = await deps.keyword.search(tenantId, request.query, { limit });
      const t1 = performance.now();
      if (hits.length === 0) return { results: [], timings: { keyword: t1 - t0, total: t1 - t0 } };
      const rows = await deps.db
        .select({
          id: chunks.id,
          documentId: chunks.documentId,
          text: chunks.text,
          chunkMetadata: chunks.metadata,
          title: documents.title,
          docMetadata: documents.metadata,
        })
        .from(chunks)
        .innerJoin(
          documents,
          and(eq(documents.tenantId, chunks.tenantId), eq(documents.id, chunks.documentId)),
        )
        .where(
          and(
            eq(chunks.tenantId, tenantId),
            inArray(
              chunks.id,
              hits.map((h) => h.chunkId),
            ),
          ),
        )
        .all();
      const byId = new Map(rows.map((r) => [r.id, r]));
      const results: SearchHit[] = [];
      for (const h of hits) {
        const row = byId.get(h.chunkId);
        if (!row) continue;
        const docMeta = parse(row.docMetadata);
        if (request.filter && !matches({ ...docMeta, document_id: row.documentId }, request.filter)) continue;
        if (request.minScore !== undefined && h.score < request.minScore) continue;
        results.push({
          chunkId: row.id,
          documentId: row.documentId,
          title: row.title,
          text: row.text,
          score: h.score,
          metadata: { ...docMeta, ...parse(row.chunkMetadata) },
          scores: { keyword: h.score },
        });
        if (results.length >= request.topK) break;
      }
      const t2 = performance.now();
      return { results, timings: { keyword: t1 - t0, hydrate: t2 - t1, total: t2 - t0 } };
    },
  };
}

function parse(json: string): Record<string, unknown> {
  try {
    const v = JSON.parse(json) as unknown;
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

type Scalar = string | number | boolean | null;

/** Vectorize filter semantics: implicit AND over keys; a bare value means `$eq`. */
export function matches(meta: Record<string, unknown>, filter: MetadataFilter): boolean {
  for (const [key, cond] of Object.entries(filter as Record<string, unknown>)) {
    const value = meta[key] as Scalar | Scalar[] | undefined;
    const ops =
      cond !== null && typeof cond === "object" && !Array.isArray(cond)
        ? (cond as Record<string, unknown>)
        : { $eq: cond };
    for (const [op, arg] of Object.entries(ops)) if (!test(value, op, arg)) return false;
  }
  return true;
}

function test(value: Scalar | Scalar[] | undefined, op: string, arg: unknown): boolean {
  const values = Array.isArray(value) ? value : [value];
  const eqAny = (x: unknown) => values.some((v) => v === x);
  const cmp = (f: (a: number | string, b: number | string) => boolean) =>
    values.some(
      (v) =>
        (typeof v === "number" || typeof v === "string") &&
        typeof arg === typeof v &&
        f(v, arg as number | string),
    );
  switch (op) {
    case "$eq":
      return eqAny(arg);
    case "$ne":
      return !eqAny(arg);
    case "$in":
      return Array.isArray(arg) && arg.some(eqAny);
    case "$nin":
      return Array.isArray(arg) && !arg.some(eqAny);
    case "$lt":
      return cmp((a, b) => a < b);
    case "$lte":
      return cmp((a, b) => a <= b);
    case "$gt":
      return cmp((a, b) => a > b);
    case "$gte":
      return cmp((a, b) => a >= b);
    default:
      return false;
  }
}
