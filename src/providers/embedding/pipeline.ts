import { WORKERS_MAX_CONCURRENT_CONNECTIONS } from "../../config/limits";
import { fail } from "../../http/errors";
import { log } from "../../observability/log";
import { ProviderError } from "../errors";
import { type ChainDeps, callChain } from "../reliability/chain";
import { type CallPolicy, DEFAULT_POLICIES } from "../reliability/policy";
import { truncateToTokens } from "../tokens";
import type { Embedder, EmbedOptions, EmbedResult, FallbackNote } from "../types";
import type { BatchEmbedder } from "./batch-embedder";
import type { EmbeddingCache } from "./cache";
import { chunk, mapLimit } from "./concurrency";

/**
 * Requests in flight per embed call. Workers allow 6 simultaneous outgoing connections per
 * invocation; leaving two free keeps D1 and other subrequests of the same invocation from
 * queueing behind embeddings.
 */
export const DEFAULT_EMBED_CONCURRENCY = WORKERS_MAX_CONCURRENT_CONNECTIONS - 2;

/**
 * Share of a model's input limit used when clipping. Token counts are estimates calibrated on
 * BPE vocabularies (bench/providers/tokens.bench.ts: up to +14% off for 80% of texts), and BERT
 * WordPiece models (bge, e5: 512 tokens) split rare words into more pieces still.
 */
const CLIP_MARGIN = 0.7;

/** Options of {@link createEmbeddingPipeline}. */
export interface EmbeddingPipelineOptions {
  /** Providers of one model, in fallback order (validated by the resolver). */
  members: readonly BatchEmbedder[];
  policy?: CallPolicy;
  deps: ChainDeps;
  cache?: EmbeddingCache;
  concurrency?: number;
  /** Runs work after the response (ctx.waitUntil); cache writes use it when given. */
  defer?: (work: Promise<unknown>) => void;
  /** Reports texts served from the cache, for accounting. */
  onCacheHits?: (count: number) => void;
}

/**
 * The public Embedder over a chain of same-model adapters: validates input, applies the
 * model's query/document prefix, clips overlong texts, serves repeats from the cache, embeds
 * the rest in batches of the chain's smallest `maxBatch` with bounded concurrency, each batch
 * with retries and fallback, and checks that every provider returns the same dimension.
 */
export function createEmbeddingPipeline(opts: EmbeddingPipelineOptions): Embedder {
  const members = opts.members;
  const primary = members[0];
  if (!primary) throw new Error("an embedding pipeline needs at least one provider");
  const policy = opts.policy ?? DEFAULT_POLICIES.embed;
  const maxBatch = Math.max(1, Math.min(...members.map((m) => m.maxBatch)));
  const limits = members.map((m) => m.info?.maxInputTokens).filter((n): n is number => n !== undefined);
  const maxTokens = limits.length ? Math.floor(Math.min(...limits) * CLIP_MARGIN) : undefined;
  const info = primary.info;
  let dimensions = members.find((m) => m.dimensions > 0)?.dimensions ?? 0;

  function prepare(text: string, kind: EmbedOptions["kind"]): string {
    const prefix = (kind === "query" ? info?.queryPrefix : info?.documentPrefix) ?? "";
    return prefix + (maxTokens === undefined ? text : truncateToTokens(text, maxTokens));
  }

  async function embedBatch(batch: string[], options: EmbedOptions | undefined) {
    return callChain({
      role: "embeddings",
      operation: "embed",
      members: members.map((m) => ({ id: m.id, provider: m })),
      policy,
      deps: opts.deps,
      signal: options?.signal,
      usage: (r: EmbedResult) => r.usage,
      call: async (m, signal) => {
        const r = await m.embed(batch, { signal, kind: options?.kind });
        if (r.vectors.length !== batch.length) {
          throw new ProviderError(
            "bad_response",
            `${m.id} returned ${r.vectors.length} vectors for ${batch.length} texts`,
          );
        }
        for (const v of r.vectors) {
          if (dimensions === 0) dimensions = v.length;
          if (v.length !== dimensions) {
            // Not retryable: asking again yields the same size. The next provider may be right.
            throw new ProviderError(
              "misconfigured",
              `${m.id} returned ${v.length}-dimensional vectors where the chain expects ${dimensions}`,
            );
          }
        }
        return r;
      },
    });
  }

  return {
    id: primary.id,
    get dimensions() {
      return dimensions;
    },
    revision: primary.revision,
    async embed(texts, options) {
      validate(texts);
      if (texts.length === 0)
        return { vectors: [], provider: primary.id, usage: { input_tokens: 0, output_tokens: 0 } };
      const prepared = texts.map((t) => prepare(t, options?.kind));
      const vectors: (Float32Array | undefined)[] = opts.cache ? await lookup(opts.cache, prepared) : [];
      const cached = vectors.filter(Boolean).length;
      if (cached) opts.onCacheHits?.(cached);
      // Embed each distinct missing text once.
      const missing = [...new Set(prepared.filter((_, i) => !vectors[i]))];
      const outcomes = await mapLimit(
        chunk(missing, maxBatch),
        opts.concurrency ?? DEFAULT_EMBED_CONCURRENCY,
        (b) => embedBatch(b, options),
      );
      const fresh = new Map<string, Float32Array>();
      const providers = new Set<string>();
      const fallbacks: FallbackNote[] = [];
      let input = 0;
      outcomes.forEach((o, b) => {
        providers.add(o.provider);
        fallbacks.push(...o.fallbacks);
        input += o.value.usage.input_tokens;
        const batch = missing.slice(b * maxBatch, (b + 1) * maxBatch);
        batch.forEach((t, i) => {
          fresh.set(t, o.value.vectors[i] as Float32Array);
        });
      });
      if (opts.cache && fresh.size) {
        const write = opts.cache
          .store([...fresh.keys()], [...fresh.values()])
          .catch((err: unknown) => log.warn("embedding cache write failed", { embedder: primary.id, err }));
        if (opts.defer) opts.defer(write);
        else await write;
      }
      const result: EmbedResult = {
        vectors: prepared.map((t, i) => vectors[i] ?? (fresh.get(t) as Float32Array)),
        provider: providers.size ? [...providers].join(",") : primary.id,
        usage: { input_tokens: input, output_tokens: 0 },
        cached,
      };
      if (fallbacks.length) result.fallbacks = fallbacks;
      return result;
    },
  };
}

/** A cache that fails must only cost speed, never the embedding. */
async function lookup(cache: EmbeddingCache, texts: string[]): Promise<(Float32Array | undefined)[]> {
  try {
    return await cache.lookup(texts);
  } catch (err) {
    log.warn("embedding cache read failed", { err });
    return [];
  }
}

function validate(texts: readonly string[]): void {
  if (!Array.isArray(texts))
    throw fail.badRequest("Texts to embed must be an array of strings.", "invalid_embedding_input");
  texts.forEach((t, i) => {
    if (typeof t !== "string" || t.trim() === "") {
      throw fail.badRequest(
        `Text ${i + 1} of ${texts.length} to embed is empty; every text needs at least one non-space character.`,
        "invalid_embedding_input",
      );
    }
  });
}
