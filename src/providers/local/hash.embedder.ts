import { VECTORIZE_MAX_DIMENSIONS } from "../../config/limits";
import type { BatchEmbedder } from "../embedding/batch-embedder";
import { ProviderError } from "../errors";
import { estimateTokens } from "../tokens";
import type { EmbedOptions, EmbedResult } from "../types";
import { hashEmbed } from "./hash-embedding";

/** Smallest useful hash dimension; below this, collisions swamp the signal. */
export const MIN_HASH_DIMENSIONS = 32;

const PROBE = "edgerag revision probe: Rollo founded Normandy in 911, 3.5 km from the Seine.";
const revisions = new Map<number, string>();

/**
 * A fingerprint of the hashing algorithm's output: when the algorithm in hash-embedding.ts
 * changes, so does this, and cached or indexed vectors from the old version stop matching.
 */
export function hashRevision(dimensions: number): string {
  let r = revisions.get(dimensions);
  if (!r) {
    const bytes = new Uint8Array(hashEmbed(PROBE, dimensions).buffer);
    let h = 0x811c9dc5;
    for (const b of bytes) h = Math.imul(h ^ b, 0x01000193);
    r = (h >>> 0).toString(16).padStart(8, "0");
    revisions.set(dimensions, r);
  }
  return r;
}

/** Parses the `hash-<dims>` local name; returns undefined for other names. */
export function hashDimensions(name: string): number | undefined {
  const m = /^hash-(\d{1,5})$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

/** Checks a hash dimension against the vector index limits; returns a reason when unusable. */
export function invalidHashDimensions(dimensions: number): string | undefined {
  if (dimensions < MIN_HASH_DIMENSIONS || dimensions > VECTORIZE_MAX_DIMENSIONS) {
    return `local:hash-<dims> takes ${MIN_HASH_DIMENSIONS}–${VECTORIZE_MAX_DIMENSIONS} dimensions (the vector index limit), e.g. local:hash-384.`;
  }
  return undefined;
}

/**
 * `local:hash-<dims>`: the weight-free feature-hashing embedder, offline and deterministic.
 * Quality is lexical (it matches words and word pieces, not meaning); use a model-backed
 * embedder when semantics matter.
 */
export function createHashEmbedder(dimensions: number): BatchEmbedder {
  const reason = invalidHashDimensions(dimensions);
  if (reason) throw new ProviderError("misconfigured", reason);
  const id = `local:hash-${dimensions}`;
  return {
    id,
    dimensions,
    revision: hashRevision(dimensions),
    // In-process: the batch size only bounds how long one call holds the CPU between awaits.
    maxBatch: 256,
    async embed(texts: readonly string[], options?: EmbedOptions): Promise<EmbedResult> {
      options?.signal?.throwIfAborted();
      let tokens = 0;
      const vectors = texts.map((t) => {
        tokens += estimateTokens(t);
        return hashEmbed(t, dimensions);
      });
      return { vectors, provider: id, usage: { input_tokens: tokens, output_tokens: 0 } };
    },
  };
}
