/**
 * The built-in hash embedder's vectors of a replica's chunks, held and scanned in the isolate.
 * A `local:hash-*` vector is a pure function of the chunk's embedding input (title, headings,
 * text — the exact string ingestion embeds), so the replica can recompute it from the rows it
 * already loads instead of asking the tenant's vector shards: a hybrid search then costs no
 * Durable Object round trip (four of them were ~60% of the CPU of a search on SciFact).
 * The vector index stays the store of record: filtered, vector-only and model-embedder
 * searches query it as before.
 *
 * Pure: the scan kernels come in through a {@link MatrixFactory}.
 */
import { embeddingInput } from "../../documents/ingest.prepare";
import { hashRevision } from "../../providers/local/hash.embedder";
import { hashEmbed } from "../../providers/local/hash-embedding";
import type { MatrixFactory } from "../../vectors/core/matrix";
import { ScanIndex } from "../../vectors/core/scan-index";
import type { ChunkRecord } from "../search.repo";

/** A vector hit: the replica's document number and cosine similarity. */
export interface VectorHit {
  doc: number;
  score: number;
}

/** Exact float32 cosine search over the replica's chunks, embedded with `local:hash-<dims>`. */
export class ReplicaVectors {
  readonly dimensions: number;
  /** The hash algorithm's fingerprint these vectors were made with. */
  readonly revision: string;
  readonly #index: ScanIndex;

  constructor(dimensions: number, matrices: MatrixFactory) {
    this.dimensions = dimensions;
    this.revision = hashRevision(dimensions);
    this.#index = new ScanIndex({ dimensions, metric: "cosine", format: "f32", matrices, columns: () => [] });
  }

  /** Bytes held by the scan structure. */
  get bytes(): number {
    return this.#index.bytes;
  }

  /** Embeds and adds one chunk as document number `doc`. */
  add(doc: number, record: ChunkRecord): void {
    const headings = Array.isArray(record.chunkMetadata.headings)
      ? record.chunkMetadata.headings.filter((h): h is string => typeof h === "string")
      : [];
    this.#index.put(
      doc + 1,
      null,
      hashEmbed(embeddingInput(record.title, headings, record.text), this.dimensions),
    );
  }

  /** The `topK` most similar chunks, best first. */
  search(vector: Float32Array, topK: number): VectorHit[] {
    return this.#index.search(vector, { topK }).map((h) => ({ doc: h.rowid - 1, score: h.score }));
  }
}
