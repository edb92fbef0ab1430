import { estimateTokens, truncateToTokens } from "../tokens";
import type { GeneratedCitation, GenerateEvent, GenerateRequest, GenerateResult, Generator } from "../types";
import { DEFAULT_TUNING, type ExtractiveTuning, extractAnswer } from "./extractive";

/** What the extractive generator says when the passages hold no answer. */
export const NO_ANSWER = "The provided documents do not contain an answer to this question.";

/**
 * `local:extractive`: answers offline by quoting the passage sentence(s) that best answer the
 * question, each followed by `[n]`, the 1-based position of its passage in the request (the
 * numbering prompt templates use), with matching citations. When nothing in the passages is
 * close enough to the question it says so plainly instead of guessing.
 */
export function createExtractiveGenerator(
  id = "local:extractive",
  tuning: ExtractiveTuning = DEFAULT_TUNING,
): Generator {
  function answer(request: GenerateRequest): GenerateResult {
    request.signal?.throwIfAborted();
    const question = request.question.trim() || lastUserMessage(request);
    const { found, sentences } = extractAnswer(question, request.passages, tuning);
    const input =
      estimateTokens(question) + request.passages.reduce((n, p) => n + estimateTokens(p.text) + 4, 0);
    let text = NO_ANSWER;
    const citations: GeneratedCitation[] = [];
    if (found) {
      const parts: string[] = [];
      for (const s of sentences) {
        const passage = request.passages[s.passageIndex];
        if (!passage) continue;
        parts.push(`${s.text} [${s.passageIndex + 1}]`);
        citations.push({ passageId: passage.id, quote: s.text });
      }
      text = parts.join(" ");
    }
    let finishReason: GenerateResult["finishReason"] = "stop";
    if (request.maxTokens !== undefined && estimateTokens(text) > request.maxTokens) {
      text = truncateToTokens(text, request.maxTokens);
      finishReason = "length";
    }
    return {
      text,
      provider: id,
      usage: { input_tokens: input, output_tokens: estimateTokens(text) },
      finishReason,
      citations,
    };
  }

  return {
    id,
    async generate(request) {
      return answer(request);
    },
    async *stream(request): AsyncGenerator<GenerateEvent> {
      const result = answer(request);
      // Word-sized deltas, like a model's stream, so clients render it the same way.
      for (const piece of result.text.match(/\S+\s*/g) ?? []) yield { type: "delta", text: piece };
      yield { type: "done", result };
    },
  };
}

function lastUserMessage(request: GenerateRequest): string {
  for (let i = request.messages.length - 1; i >= 0; i--) {
    const m = request.messages[i];
    if (m?.role === "user") return m.content;
  }
  return "";
}
