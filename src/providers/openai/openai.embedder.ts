import type { BatchEmbedder } from "../embedding/batch-embedder";
import { ProviderError } from "../errors";
import { joinUrl, postJson } from "../http/client";
import { embeddingModelInfo } from "../models";
import { estimateTokens } from "../tokens";
import type { EmbedResult } from "../types";
import { authHeaders, fetchOf, type OpenAiConfig } from "./openai.config";

/**
 * Texts per `/embeddings` request. OpenAI accepts 2048, but llama.cpp and Ollama process a
 * request serially and vLLM caps tokens per batch; 64 keeps any one request short enough to
 * finish well inside the per-attempt timeout.
 */
export const OPENAI_EMBED_BATCH = 64;

/** `POST {base}/embeddings` with `{ model, input: string[], encoding_format: "float" }`. */
export function createOpenAiEmbedder(config: OpenAiConfig): BatchEmbedder {
  const id = `openai:${config.model}@${config.baseUrl}`;
  const info = embeddingModelInfo(config.model);
  return {
    id,
    dimensions: info?.dimensions ?? 0,
    maxBatch: OPENAI_EMBED_BATCH,
    info,
    async embed(texts, options): Promise<EmbedResult> {
      const json = await postJson(
        joinUrl(config.baseUrl, "embeddings"),
        { model: config.model, input: [...texts], encoding_format: "float" },
        {
          fetch: fetchOf(config),
          headers: authHeaders(config),
          signal: options?.signal ?? new AbortController().signal,
          now: config.now,
        },
      );
      const body = json as { data?: unknown; usage?: { prompt_tokens?: unknown } };
      if (!Array.isArray(body.data) || body.data.length !== texts.length) {
        throw new ProviderError("bad_response", `${id}: expected ${texts.length} embeddings in "data"`);
      }
      const vectors = new Array<Float32Array>(texts.length);
      body.data.forEach((item: { embedding?: unknown; index?: unknown }, position: number) => {
        const index = typeof item?.index === "number" ? item.index : position;
        const v = decodeEmbedding(item?.embedding);
        if (!v || index < 0 || index >= texts.length)
          throw new ProviderError("bad_response", `${id}: malformed embedding ${position}`);
        vectors[index] = v;
      });
      if (vectors.some((v) => !v))
        throw new ProviderError("bad_response", `${id}: embedding indexes are not 0…${texts.length - 1}`);
      const reported = body.usage?.prompt_tokens;
      const input =
        typeof reported === "number" ? reported : texts.reduce((n, t) => n + estimateTokens(t), 0);
      return { vectors, provider: id, usage: { input_tokens: input, output_tokens: 0 } };
    },
  };
}

/** A float array, or base64 little-endian float32 (servers that ignore `encoding_format`). */
function decodeEmbedding(value: unknown): Float32Array | undefined {
  if (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((x) => typeof x === "number" && Number.isFinite(x))
  ) {
    return Float32Array.from(value as number[]);
  }
  if (typeof value === "string" && value.length > 0) {
    try {
      const bin = atob(value);
      if (bin.length % 4 !== 0) return undefined;
      const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
      return new Float32Array(bytes.buffer);
    } catch {
      return undefined;
    }
  }
  return undefined;
}
