/**
 * The RPC contract between the local index client (local-index.ts) and its VectorShard
 * Durable Objects. Everything here crosses a structured-clone boundary: plain data and
 * typed arrays only. Expected failures come back as values, never as thrown errors,
 * because RPC keeps only an error's message.
 */

import type { IndexConfig, MutationMark } from "../types";

/** A vector as stored and shipped between client and shard. */
export interface WireVector {
  id: string;
  values: Float32Array;
  namespace: string | null;
  /** Compact JSON, or null. */
  metadata: string | null;
}

/** Returned instead of a result when the caller's config differs from the stored one. */
export interface ConfigMismatch {
  ok: false;
  stored: IndexConfig;
}

/** Result of shard 0's `begin`: the authoritative config and a fresh mutation number. */
export type BeginResult = { ok: true; config: IndexConfig | null; mutation: MutationMark } | ConfigMismatch;

/** Result of a write: the ids actually written (insert skips existing ids). */
export type WriteResult = { ok: true; ids: string[] } | ConfigMismatch | { ok: false; full: ShardFull };

/** A shard refusing writes past its memory budget. */
export interface ShardFull {
  rows: number;
  capacity: number;
  quantization: IndexConfig["quantization"];
}

/** One shard's search request (options already validated by the client). */
export interface ShardQuery {
  topK: number;
  returnValues: boolean;
  returnMetadata: "none" | "indexed" | "all";
  namespace?: string;
  filter?: VectorizeVectorMetadataFilter;
}

/** One match from one shard, with Vectorize's score. */
export interface ShardMatch {
  id: string;
  score: number;
  namespace: string | null;
  values?: Float32Array;
  metadata?: string | null;
}

/** Result of a shard search. `config` is null for a shard that has never been written. */
export type QueryResult = { ok: true; config: IndexConfig | null; matches: ShardMatch[] } | ConfigMismatch;

/** Counters and configuration of one shard. */
export interface ShardStats {
  config: IndexConfig | null;
  rows: number;
  mutation: MutationMark | null;
  /** Present once the scan structure is in memory. */
  memory: { format: string; kernels: string; bytes: number } | null;
}
