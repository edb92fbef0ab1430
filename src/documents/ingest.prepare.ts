import { chunkBlocks } from "../chunking/chunker";
import type { ChunkingOptions } from "../chunking/types";
import { documentTypeOf, parseDocument } from "../parsers/formats";
import type { EmbedderIdentity } from "../vectors";
import { type BlobStore, type PackCache, readBody } from "./blobs";
import { chunkId } from "./chunk-id";
import type { ChunkRowInput } from "./chunks.repo";
import type { DocKey, DocumentRow } from "./documents.repo";
import { IngestError } from "./ingest.errors";

/** A claimed document after parsing and chunking. */
export interface Prepared {
  key: DocKey;
  row: DocumentRow;
  title: string | null;
  chunks: (ChunkRowInput & { embedInput: string; page?: number })[];
  vectors?: Float32Array[];
  /** Vector ids written for this attempt (cleaned up if the attempt does not commit). */
  upserted?: string[];
  /** The embedder that made the vectors. */
  embedder?: string;
  /** Its identity, for the vector index handle. */
  identity?: EmbedderIdentity;
}

/** The key of a row at its current version. */
export const keyOfRow = (row: DocumentRow): DocKey => ({
  tenant: row.tenantId,
  doc: row.id,
  version: row.version,
});

/** What the embedder sees: the chunk in its context (title and heading path), which helps short chunks. */
export function embeddingInput(title: string | null, headings: readonly string[], text: string): string {
  const head = [title, headings.join(" › ")].filter((s) => s).join("\n");
  return head ? `${head}\n\n${text}` : text;
}

/** A document row's metadata JSON as an object (anything else as empty). */
export function parseMetadata(json: string): Record<string, unknown> {
  try {
    const value = JSON.parse(json) as unknown;
    return value && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

/**
 * Reads a claimed document's body (decrypting it), parses and chunks it, and computes its
 * chunk ids and embedding inputs. Failures are IngestError/ParseError with a stable code.
 */
export async function prepareDocument(
  blobs: BlobStore,
  row: DocumentRow,
  cache?: PackCache,
): Promise<Prepared> {
  const key = keyOfRow(row);
  const type = documentTypeOf(row.contentType);
  if (!type) {
    throw new IngestError(
      "unsupported_type",
      `Stored content type ${row.contentType} is not supported.`,
      true,
    );
  }
  let body: Uint8Array | null;
  try {
    const ref = {
      key: row.blobKey,
      offset: row.blobOffset,
      length: row.blobLength,
      secret: row.blobSecret,
    };
    body = await readBody(blobs, ref, cache);
  } catch (err) {
    // WebCrypto reports a failed AES-GCM tag check as an OperationError.
    if ((err as Error).name !== "OperationError") throw err;
    throw new IngestError(
      "body_corrupt",
      "The stored body failed its integrity check; upload it again.",
      true,
    );
  }
  if (!body) {
    throw new IngestError(
      "body_missing",
      "The stored body of this document is missing from R2; upload it again.",
      true,
    );
  }
  const parsed = await parseDocument(body, type);
  const title = row.title ?? parsed.title ?? (row.source ? row.source.replace(/\.[^.]+$/, "") : null);
  const options = row.chunking ? (JSON.parse(row.chunking) as Partial<ChunkingOptions>) : {};
  const pieces = chunkBlocks(parsed.blocks, options);
  if (pieces.length === 0) throw new IngestError("no_text", "The document contains no text to index.", true);
  const chunks = await Promise.all(
    pieces.map(async (c) => {
      const metadata: Record<string, unknown> = { headings: c.headings };
      if (c.pageStart !== undefined) {
        metadata.page_start = c.pageStart;
        metadata.page_end = c.pageEnd;
      }
      return {
        id: await chunkId(row.tenantId, row.id, c.ordinal, c.text),
        ordinal: c.ordinal,
        text: c.text,
        tokens: c.tokens,
        metadata,
        embedInput: embeddingInput(title, c.headings, c.text),
        page: c.pageStart,
      };
    }),
  );
  return { key, row, title, chunks };
}
