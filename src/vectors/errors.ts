import { AppError } from "../http/errors";
import type { EmbedderIdentity, IndexConfig } from "./types";

/**
 * Vectorize's error shape. The Workers binding throws a plain `Error` whose message is
 * `<OPERATION>_ERROR (code = <n>): <reason>` (workerd `vectorize-api.ts`), so callers
 * match on the message. The local index throws the same shape so code written against it
 * behaves the same in the cloud.
 */

/** The operations Vectorize names in its error messages. */
export type VectorizeOperation =
  | "VECTOR_QUERY"
  | "VECTOR_INSERT"
  | "VECTOR_UPSERT"
  | "VECTOR_GET"
  | "VECTOR_DELETE"
  | "INDEX_GET";

/**
 * Error codes. Those marked "observed" are what Vectorize returns for the same mistake
 * (seen in production error messages); Vectorize documents no code table, so the rest
 * reuse the closest observed code.
 */
export const VectorizeErrorCode = {
  /** Observed: query vector of the wrong length. */
  queryDimensions: 40006,
  /** Observed: too many ids or vectors in one call. */
  tooMany: 40007,
  /** Observed: id longer than 64 bytes. */
  idTooLong: 40008,
  /** Observed: inserted or upserted vector of the wrong length. */
  vectorDimensions: 40012,
  /** Observed: a malformed insert/upsert payload. */
  invalidVectors: 40023,
  /** Observed: topK above the limit for the requested return options. */
  topKTooLarge: 40025,
  /** Observed: a malformed query (options that do not parse). */
  invalidQuery: 40026,
} as const;

/** Builds the error Vectorize would throw: `VECTOR_UPSERT_ERROR (code = 40008): id too long…`. */
export function vectorizeError(operation: VectorizeOperation, code: number, reason: string): Error {
  return new Error(`${operation}_ERROR (code = ${code}): ${reason}`, { cause: new Error(reason) });
}

/** The parts of a Vectorize-shaped error message, or null for any other error. */
export function parseVectorizeError(
  err: unknown,
): { operation: string; code: number | null; reason: string } | null {
  if (!(err instanceof Error)) return null;
  const m = /^([A-Z_]+)_ERROR(?: \(code = (\d+)\))?: ([\s\S]*)$/.exec(err.message);
  if (!m) return null;
  return { operation: m[1] as string, code: m[2] ? Number(m[2]) : null, reason: m[3] as string };
}

/**
 * Thrown by the local index when the caller's configuration differs from the one the
 * index was created with (embedder, metric or dimensions). Carries both so the tenant
 * layer can say exactly what to do.
 */
export class IndexConfigMismatchError extends Error {
  constructor(
    readonly stored: IndexConfig,
    readonly expected: IndexConfig,
  ) {
    super(
      `Vector index was created for ${describeConfig(stored)}, but this call uses ${describeConfig(expected)}.`,
    );
    this.name = "IndexConfigMismatchError";
  }
}

function describeConfig(c: IndexConfig): string {
  const who = c.embedder ? `embedder ${c.embedder.id}` : "no embedder";
  return `${who} (${c.dimensions} dimensions, ${c.metric})`;
}

/** Stable code for an embedder/index mismatch. Clients branch on it; never rename. */
export const EMBEDDER_MISMATCH = "embedder_mismatch";

/** The 409 a tenant gets when its vectors were made by another embedder than the configured one. */
export function embedderMismatch(tenantId: string, recorded: EmbedderIdentity, wanted: EmbedderIdentity) {
  return new AppError(
    409,
    EMBEDDER_MISMATCH,
    `Tenant ${tenantId}'s vectors were made with embedder ${recorded.id} (${recorded.dimensions} dimensions), ` +
      `but the configured embedder is ${wanted.id} (${wanted.dimensions} dimensions). Reindex the tenant's ` +
      `documents with the new embedder (this drops the old vectors), or set EMBEDDINGS back to ${recorded.id}.`,
    { details: { recorded, configured: wanted } },
  );
}

/** The 409 when the cloud Vectorize index was created with another dimension than the embedder's. */
export function vectorizeDimensionMismatch(indexDimensions: number, wanted: EmbedderIdentity) {
  return new AppError(
    409,
    EMBEDDER_MISMATCH,
    `The Vectorize index has ${indexDimensions} dimensions, but embedder ${wanted.id} produces ` +
      `${wanted.dimensions}. Create an index with \`wrangler vectorize create <name> --dimensions=` +
      `${wanted.dimensions} --metric=cosine\`, bind it as VECTORIZE, and reindex; or choose an embedder ` +
      `with ${indexDimensions} dimensions.`,
    { details: { index_dimensions: indexDimensions, configured: wanted } },
  );
}
