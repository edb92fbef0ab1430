import { shortId } from "../providers/choices";
import { embeddingModelInfo } from "../providers/models";
import type { ProviderSpec } from "../providers/spec";
import { estimateTokens } from "../providers/tokens";
import type { Embedder } from "../providers/types";
import { DEFAULT_MAX_INPUT_TOKENS, type EmbeddingsRequest, MAX_EMBEDDING_INPUTS } from "./embeddings.schema";
import { paramError } from "./openai.errors";

/**
 * OpenAI's embeddings API over the tenant's embedder. Inputs are checked the way OpenAI
 * checks them (count, empty strings, the model's input limit) instead of being clipped
 * silently; token arrays are refused because edgerag's models take text and no tokenizer
 * of theirs is available here.
 */

/** One embedding as OpenAI returns it. */
export interface EmbeddingItem {
  object: "embedding";
  index: number;
  embedding: number[] | string;
}

/** OpenAI's embeddings list. */
export interface EmbeddingList {
  object: "list";
  data: EmbeddingItem[];
  model: string;
  usage: { prompt_tokens: number; total_tokens: number };
}

/** The request's texts, or a 400 naming what is wrong with `input`. */
export function inputTexts(input: EmbeddingsRequest["input"], maxTokens: number): string[] {
  const list: unknown[] = Array.isArray(input) ? input : [input];
  if (list.some((v) => typeof v === "number" || Array.isArray(v))) {
    throw paramError(
      400,
      "token_input_not_supported",
      "Token arrays are not supported: send the text itself (a string or an array of strings).",
      "input",
    );
  }
  const texts = list as string[];
  if (texts.length === 0)
    throw paramError(400, "invalid_request", "input must not be an empty array.", "input");
  if (texts.length > MAX_EMBEDDING_INPUTS) {
    throw paramError(
      400,
      "too_many_inputs",
      `input has ${texts.length} items; send at most ${MAX_EMBEDDING_INPUTS} per request.`,
      "input",
    );
  }
  texts.forEach((t, i) => {
    if (!t.trim()) throw paramError(400, "invalid_request", `input[${i}] is empty.`, "input");
    const tokens = estimateTokens(t);
    if (tokens > maxTokens) {
      throw paramError(
        400,
        "input_too_long",
        `input[${i}] is about ${tokens} tokens; this model takes at most ${maxTokens}. Split it into smaller pieces.`,
        "input",
      );
    }
  });
  return texts;
}

/** The input limit of an embeddings chain: the smallest known model limit, else OpenAI's. */
export function maxInputTokens(specs: readonly ProviderSpec[]): number {
  const limits = specs
    .map((s) => (s.kind === "local" ? undefined : embeddingModelInfo(s.model)?.maxInputTokens))
    .filter((n): n is number => n !== undefined);
  return limits.length ? Math.min(...limits) : DEFAULT_MAX_INPUT_TOKENS;
}

/**
 * Embeds and shapes the response. `dimensions` must equal the model's (checked before the
 * call when the dimension is known, else on the vectors).
 */
export async function createEmbeddings(
  embedder: Embedder,
  request: EmbeddingsRequest,
  model: { id: string; specs: readonly ProviderSpec[] },
  signal?: AbortSignal,
): Promise<EmbeddingList> {
  const texts = inputTexts(request.input, maxInputTokens(model.specs));
  const dimensionsError = (dims: number) =>
    paramError(
      400,
      "dimensions_not_supported",
      `This model makes ${dims}-dimensional vectors and cannot shorten them; omit dimensions or send ${dims}.`,
      "dimensions",
    );
  if (
    request.dimensions !== undefined &&
    embedder.dimensions > 0 &&
    request.dimensions !== embedder.dimensions
  )
    throw dimensionsError(embedder.dimensions);
  const result = await embedder.embed(texts, { kind: request.input_type ?? "document", signal });
  const dims = result.vectors[0]?.length ?? 0;
  if (request.dimensions !== undefined && request.dimensions !== dims) throw dimensionsError(dims);
  const base64 = request.encoding_format === "base64";
  // Usage is the estimate of the whole input, whether or not vectors came from the cache.
  const tokens = texts.reduce((n, t) => n + estimateTokens(t), 0);
  return {
    object: "list",
    data: result.vectors.map((v, index) => ({
      object: "embedding",
      index,
      embedding: base64 ? float32ToBase64(v) : Array.from(v),
    })),
    model: model.id,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
}

/** The public model id of an embeddings choice (the first provider's for the default alias). */
export function embeddingModelId(choice: { id: string; isDefault: boolean; specs: readonly ProviderSpec[] }) {
  const first = choice.specs[0];
  return choice.isDefault && first ? shortId(first) : choice.id;
}

/** Little-endian float32 bytes, base64: what OpenAI's `encoding_format: "base64"` returns. */
export function float32ToBase64(v: Float32Array): string {
  const bytes = new Uint8Array(v.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < v.length; i++) view.setFloat32(i * 4, v[i] as number, true);
  let binary = "";
  // In slices: String.fromCharCode with a huge argument list overflows the stack.
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}
