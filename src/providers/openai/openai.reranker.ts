import { joinUrl, postJson } from "../http/client";
import { scoresByIndex } from "../rerank/results";
import { estimateTokens } from "../tokens";
import type { Reranker } from "../types";
import { authHeaders, fetchOf, type OpenAiConfig } from "./openai.config";

/**
 * `POST {base}/rerank` in the Jina/Cohere shape that llama.cpp server (`--reranking`), vLLM
 * and most hosted rerank APIs speak: `{ model, query, documents, top_n }` →
 * `{ results: [{ index, relevance_score }] }`. (Ollama has no rerank endpoint.)
 */
export function createOpenAiReranker(config: OpenAiConfig): Reranker {
  const id = `openai:${config.model}@${config.baseUrl}`;
  return {
    id,
    async rerank(query, documents, options) {
      if (documents.length === 0)
        return { scores: [], provider: id, usage: { input_tokens: 0, output_tokens: 0 } };
      const json = await postJson(
        joinUrl(config.baseUrl, "rerank"),
        {
          model: config.model,
          query,
          documents: [...documents],
          top_n: documents.length,
          return_documents: false,
        },
        {
          fetch: fetchOf(config),
          headers: authHeaders(config),
          signal: options?.signal ?? new AbortController().signal,
          now: config.now,
        },
      );
      const results = (json as { results?: unknown }).results;
      const scores = scoresByIndex(results, documents.length, id, (r) => r.relevance_score ?? r.score);
      const input = documents.reduce((n, d) => n + estimateTokens(d) + estimateTokens(query), 0);
      return { scores, provider: id, usage: { input_tokens: input, output_tokens: 0 } };
    },
  };
}
