import type { EmbeddingModelInfo } from "../models";
import type { Embedder } from "../types";

/**
 * An adapter-level embedder: each `embed` call is one provider request of at most `maxBatch`
 * texts, already prefixed and clipped. The embedding pipeline turns a chain of these into the
 * public {@link Embedder} (validation, prefixes, cache, batching, fallback).
 */
export interface BatchEmbedder extends Embedder {
  /** Most texts one request may carry (Workers AI: 100; TEI's default max_client_batch_size: 32). */
  readonly maxBatch: number;
  /** What edgerag knows about the model (input limit, query/document prefixes), when anything. */
  readonly info?: EmbeddingModelInfo;
}
