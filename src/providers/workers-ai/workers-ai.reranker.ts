import { scoresByIndex } from "../rerank/results";
import { estimateTokens } from "../tokens";
import type { Reranker } from "../types";
import { type AiBinding, requireAi, workersAiError } from "./workers-ai.binding";

/**
 * Workers AI cross-encoder reranking (`@cf/baai/bge-reranker-base`): input
 * `{ query, contexts: [{ text }], top_k }`, output `{ response: [{ id, score }] }` where `id`
 * is the context's index, sorted by score. Scores are mapped back to input order.
 */
export function createWorkersAiReranker(ai: AiBinding | undefined, model: string): Reranker {
  const id = `workers-ai:${model}`;
  return {
    id,
    async rerank(query, documents, options) {
      if (documents.length === 0)
        return { scores: [], provider: id, usage: { input_tokens: 0, output_tokens: 0 } };
      const binding = requireAi(ai);
      let out: unknown;
      try {
        out = await binding.run(
          model,
          { query, contexts: documents.map((text) => ({ text })), top_k: documents.length },
          { signal: options?.signal },
        );
      } catch (err) {
        if (options?.signal?.aborted) throw options.signal.reason ?? err;
        throw workersAiError(err);
      }
      const scores = scoresByIndex(
        (out as { response?: unknown })?.response,
        documents.length,
        id,
        (r) => r.score,
        "id",
      );
      const input = documents.reduce((n, d) => n + estimateTokens(d) + estimateTokens(query), 0);
      return { scores, provider: id, usage: { input_tokens: input, output_tokens: 0 } };
    },
  };
}
