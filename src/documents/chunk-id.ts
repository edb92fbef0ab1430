import { sha256Hex } from "../lib/crypto";

/**
 * The stable id of a chunk: a hash of (tenant, document id, ordinal, hash of the chunk
 * text). The same document chunked the same way always yields the same ids, so a retried
 * or redelivered job overwrites instead of duplicating; an unchanged chunk keeps its id
 * across edits elsewhere in the document. The tenant is part of the hash because chunk ids
 * double as vector ids, which are global within a Vectorize index (not per namespace), and
 * the hash form keeps any document id within Vectorize's 64-byte id limit.
 *
 * Format: `ck_` + 40 hex digits (43 bytes).
 */
export async function chunkId(
  tenantId: string,
  documentId: string,
  ordinal: number,
  text: string,
): Promise<string> {
  const textHash = await sha256Hex(text);
  const digest = await sha256Hex(`${tenantId}\u0000${documentId}\u0000${ordinal}\u0000${textHash}`);
  return `ck_${digest.slice(0, 40)}`;
}
