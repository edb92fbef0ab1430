import { VECTORIZE_MAX_METADATA_BYTES } from "../config/limits";

/**
 * Vector metadata for a chunk: the document's own metadata (top-level strings, numbers,
 * booleans and string arrays — what Vectorize can store and filter on) plus the reserved
 * `document_id`, `ordinal` and, for PDFs, `page`. Reserved keys win over caller keys of the
 * same name. Chunk text never goes into vector metadata (it lives in D1); caller keys are
 * added in sorted order until Vectorize's 10 KB per-vector limit would be exceeded.
 */
export function vectorMetadata(
  documentMetadata: Record<string, unknown>,
  chunk: { documentId: string; ordinal: number; page?: number },
): Record<string, VectorizeVectorMetadata> {
  const reserved: Record<string, VectorizeVectorMetadata> = {
    document_id: chunk.documentId,
    ordinal: chunk.ordinal,
  };
  if (chunk.page !== undefined) reserved.page = chunk.page;
  const out: Record<string, VectorizeVectorMetadata> = {};
  let size = new TextEncoder().encode(JSON.stringify(reserved)).length;
  for (const key of Object.keys(documentMetadata).sort()) {
    if (key in reserved) continue;
    const value = documentMetadata[key];
    const ok =
      typeof value === "string" ||
      typeof value === "boolean" ||
      (typeof value === "number" && Number.isFinite(value)) ||
      (Array.isArray(value) && value.every((v) => typeof v === "string"));
    if (!ok) continue;
    const entry = new TextEncoder().encode(JSON.stringify({ [key]: value })).length;
    if (size + entry > VECTORIZE_MAX_METADATA_BYTES) continue;
    out[key] = value as VectorizeVectorMetadata;
    size += entry;
  }
  return { ...out, ...reserved };
}
