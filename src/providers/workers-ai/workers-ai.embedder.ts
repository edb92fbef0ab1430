import { WORKERS_AI_MAX_EMBED_BATCH } from "../../config/limits";
import type { BatchEmbedder } from "../embedding/batch-embedder";
import { ProviderError } from "../errors";
import { embeddingModelInfo } from "../models";
import { estimateTokens } from "../tokens";
import type { EmbedOptions, EmbedResult } from "../types";
import { type AiBinding, requireAi, workersAiError } from "./workers-ai.binding";

/**
 * Workers AI embeddings (`@cf/baai/bge-*`). Input `{ text: string[] }`, output
 * `{ shape: [n, dims], data: number[][] }`; at most 100 texts per call
 * (WORKERS_AI_MAX_EMBED_BATCH), which the batching layer guarantees. bge v1.5 models are run
 * with CLS pooling, the pooling the models were trained with and what TEI uses, so vectors
 * match those of the same model served elsewhere (Workers AI's default, mean, would not).
 */
export function createWorkersAiEmbedder(ai: AiBinding | undefined, model: string): BatchEmbedder {
  const id = `workers-ai:${model}`;
  const info = embeddingModelInfo(model);
  const bgeV15 = /bge-(small|base|large)-en-v1\.5$/.test(model);
  return {
    id,
    dimensions: info?.dimensions ?? 0,
    maxBatch: WORKERS_AI_MAX_EMBED_BATCH,
    info,
    async embed(texts: readonly string[], options?: EmbedOptions): Promise<EmbedResult> {
      const binding = requireAi(ai);
      const inputs: Record<string, unknown> = { text: [...texts] };
      if (bgeV15) inputs.pooling = "cls";
      if (model.endsWith("bge-m3")) inputs.truncate_inputs = true;
      let out: unknown;
      try {
        out = await binding.run(model, inputs, { signal: options?.signal });
      } catch (err) {
        if (options?.signal?.aborted) throw options.signal.reason ?? err;
        throw workersAiError(err);
      }
      const vectors = parseEmbeddings(out, texts.length, id);
      const input = texts.reduce((n, t) => n + estimateTokens(t), 0);
      return { vectors, provider: id, usage: { input_tokens: input, output_tokens: 0 } };
    },
  };
}

/** Validates `{ shape, data }` (bge-m3 may answer `{ response }` instead of `data`). */
export function parseEmbeddings(out: unknown, expected: number, provider: string): Float32Array[] {
  if (expected === 0) return [];
  const o = (out ?? {}) as { data?: unknown; response?: unknown; shape?: unknown };
  const rows = Array.isArray(o.data) ? o.data : Array.isArray(o.response) ? o.response : undefined;
  if (!rows || rows.length !== expected) {
    throw new ProviderError(
      "bad_response",
      `${provider}: expected ${expected} embeddings, got ${rows ? rows.length : "no data array"}`,
    );
  }
  const first = rows[0];
  const dims =
    Array.isArray(o.shape) && typeof o.shape[1] === "number"
      ? o.shape[1]
      : Array.isArray(first)
        ? first.length
        : 0;
  return rows.map((row, i) => {
    if (
      !Array.isArray(row) ||
      row.length !== dims ||
      !row.every((x) => typeof x === "number" && Number.isFinite(x))
    ) {
      throw new ProviderError("bad_response", `${provider}: embedding ${i} is not ${dims} finite numbers`);
    }
    return Float32Array.from(row as number[]);
  });
}
