import { ProviderError } from "../errors";
import { joinUrl, postJson } from "../http/client";
import { scoresByIndex } from "../rerank/results";
import { estimateTokens } from "../tokens";
import type { Reranker } from "../types";
import type { HfConfig } from "./hf.client";
import { hfId } from "./hf.client";

/**
 * A TEI reranker endpoint (`hf:<model>@<url>` serving a cross-encoder such as
 * BAAI/bge-reranker-base): `POST {url}/rerank` with `{ query, texts, truncate }` →
 * `[{ index, score }]`. `@huggingface/inference` has no rerank task, so this speaks TEI's
 * route directly; the hosted router has no rerank API, hence the endpoint is required.
 */
export function createHfReranker(config: HfConfig): Reranker {
  const id = hfId(config);
  return {
    id,
    async rerank(query, documents, options) {
      if (!config.endpointUrl) {
        throw new ProviderError(
          "misconfigured",
          `${id}: Hugging Face rerankers need a TEI endpoint, hf:<model>@<url>`,
        );
      }
      if (documents.length === 0)
        return { scores: [], provider: id, usage: { input_tokens: 0, output_tokens: 0 } };
      const json = await postJson(
        joinUrl(config.endpointUrl, "rerank"),
        { query, texts: [...documents], truncate: true, raw_scores: false, return_text: false },
        {
          fetch: config.fetch ?? ((input, init) => fetch(input, init)),
          headers: config.token ? { authorization: `Bearer ${config.token}` } : {},
          signal: options?.signal ?? new AbortController().signal,
          now: config.now,
        },
      );
      const scores = scoresByIndex(json, documents.length, id, (r) => r.score);
      const input = documents.reduce((n, d) => n + estimateTokens(d) + estimateTokens(query), 0);
      return { scores, provider: id, usage: { input_tokens: input, output_tokens: 0 } };
    },
  };
}
