import { estimateTokens } from "../tokens";
import type { CallOptions, Reranker, RerankResult } from "../types";
import { scorePassages } from "./lexical-scoring";

/**
 * `local:lexical`: a weight-free reranker scoring term coverage, saturation, proximity and
 * phrase matches (see lexical-scoring.ts). Runs in-process, offline, in well under a
 * millisecond per passage; scores are in [0, 1].
 */
export function createLexicalReranker(id = "local:lexical"): Reranker {
  return {
    id,
    async rerank(query: string, documents: readonly string[], options?: CallOptions): Promise<RerankResult> {
      options?.signal?.throwIfAborted();
      const scores = scorePassages(query, documents).map((s) => s.score);
      const input =
        estimateTokens(query) * documents.length + documents.reduce((n, d) => n + estimateTokens(d), 0);
      return { scores, provider: id, usage: { input_tokens: input, output_tokens: 0 } };
    },
  };
}
