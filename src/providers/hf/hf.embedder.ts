import { featureExtraction } from "@huggingface/inference";
import type { BatchEmbedder } from "../embedding/batch-embedder";
import { ProviderError } from "../errors";
import { embeddingModelInfo } from "../models";
import { estimateTokens } from "../tokens";
import { baseArgs, callOptions, type HfConfig, hfError, hfId } from "./hf.client";

/** TEI's default `--max-client-batch-size`. */
export const HF_EMBED_BATCH = 32;

/**
 * Feature extraction through `@huggingface/inference`: a self-hosted TEI endpoint
 * (`hf:<model>@<url>`, POST `{ inputs, truncate, normalize }` to the URL) or the hosted
 * `hf-inference` provider. Expects pooled sentence embeddings (`number[][]`).
 */
export function createHfEmbedder(config: HfConfig): BatchEmbedder {
  const id = hfId(config);
  const info = embeddingModelInfo(config.model);
  return {
    id,
    dimensions: info?.dimensions ?? 0,
    maxBatch: HF_EMBED_BATCH,
    info,
    async embed(texts, options) {
      const { options: opts, lastResponse } = callOptions(config, options?.signal);
      let out: unknown;
      try {
        out = await featureExtraction(
          { ...baseArgs(config, "hf-inference"), inputs: [...texts], truncate: true, normalize: true },
          opts,
        );
      } catch (err) {
        throw hfError(err, config, options?.signal, lastResponse());
      }
      const rows = Array.isArray(out) && texts.length === 1 && typeof out[0] === "number" ? [out] : out;
      if (!Array.isArray(rows) || rows.length !== texts.length) {
        throw new ProviderError("bad_response", `${id}: expected ${texts.length} embeddings`);
      }
      const vectors = rows.map((row, i) => {
        if (!Array.isArray(row) || !row.every((x) => typeof x === "number" && Number.isFinite(x))) {
          throw new ProviderError(
            "bad_response",
            `${id}: embedding ${i} is not a flat vector (token-level output? serve a sentence-embedding model, e.g. with TEI)`,
          );
        }
        return Float32Array.from(row as number[]);
      });
      const input = texts.reduce((n, t) => n + estimateTokens(t), 0);
      return { vectors, provider: id, usage: { input_tokens: input, output_tokens: 0 } };
    },
  };
}
