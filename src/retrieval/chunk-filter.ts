/**
 * Metadata filters on chunk records, applied exactly as the vector index applies them to a
 * chunk's vector metadata, so keyword and vector retrieval agree on what a filter admits.
 * Pure: imports nothing from the runtime.
 */
import { vectorMetadata } from "../documents/vector-metadata";
import { fail } from "../http/errors";
import { compileFilter, type FieldClause, FilterError, fieldValue } from "../vectors/core/filter";
import type { ChunkRecord } from "./search.repo";
import type { MetadataFilter } from "./types";

/** Stable code of a search whose filter Vectorize would reject. */
export const INVALID_FILTER = "invalid_filter";

/** Compiles a request filter; null without one; a malformed filter is `400 invalid_filter`. */
export function compileSearchFilter(filter: MetadataFilter | undefined): FieldClause[] | null {
  if (filter === undefined) return null;
  try {
    return compileFilter(filter);
  } catch (err) {
    if (err instanceof FilterError) throw fail.badRequest(`Invalid filter: ${err.message}.`, INVALID_FILTER);
    throw err;
  }
}

const views = new WeakMap<ChunkRecord, Record<string, VectorizeVectorMetadata>>();

/** The metadata a filter sees for a chunk (what its vector carries), memoised per record. */
function filterView(r: ChunkRecord): Record<string, VectorizeVectorMetadata> {
  let view = views.get(r);
  if (!view) {
    const page = r.chunkMetadata.page_start;
    view = vectorMetadata(r.documentMetadata, {
      documentId: r.documentId,
      ordinal: r.ordinal,
      page: typeof page === "number" ? page : undefined,
    });
    views.set(r, view);
  }
  return view;
}

/** True when the chunk passes every clause. */
export function chunkMatches(clauses: readonly FieldClause[], r: ChunkRecord): boolean {
  const view = filterView(r);
  return clauses.every((c) => c.test(fieldValue(view, c.path)));
}
