import { ProviderError } from "../errors";
import { estimateMessagesTokens, estimateTokens } from "../tokens";
import type { GenerateEvent, GenerateRequest, GenerateResult, Usage } from "../types";
import type { ParsedChunk, ParsedCompletion } from "./openai-format";

/**
 * Output budget when the caller sets none. Always sent explicitly: Workers AI defaults to 256
 * tokens, which cuts RAG answers off mid-sentence; OpenAI-compatible servers default to
 * "until the context is full", which can run for minutes.
 */
export const DEFAULT_MAX_OUTPUT_TOKENS = 1024;

/** The `max_tokens` to send for a request. */
export function maxTokensOf(request: GenerateRequest): number {
  return request.maxTokens ?? DEFAULT_MAX_OUTPUT_TOKENS;
}

/** Marks the end of a stream (`data: [DONE]`). */
export const END = Symbol("end");

/**
 * Turns parsed stream chunks into port events: a delta per non-empty chunk, then one `done`
 * with the whole text, the provider's usage (estimated when it reports none) and the finish
 * reason. A stream that stops without `[DONE]` or a finish reason was cut off, and fails.
 */
export async function* chunksToEvents(
  chunks: AsyncIterable<ParsedChunk | typeof END>,
  provider: string,
  request: GenerateRequest,
): AsyncGenerator<GenerateEvent> {
  let text = "";
  let finish: GenerateResult["finishReason"] | undefined;
  let usage: Usage | undefined;
  let ended = false;
  for await (const chunk of chunks) {
    if (chunk === END) {
      ended = true;
      break;
    }
    if (chunk.delta) {
      text += chunk.delta;
      yield { type: "delta", text: chunk.delta };
    }
    if (chunk.finishReason) finish = chunk.finishReason;
    if (chunk.usage) usage = chunk.usage;
  }
  if (!ended && !finish) throw new ProviderError("network", `${provider}: stream ended before completion`);
  yield {
    type: "done",
    result: result(provider, request, { text, finishReason: finish ?? inferFinish(request, usage), usage }),
  };
}

/**
 * For providers that report no finish reason (Workers AI): an answer that used the whole
 * output budget was cut off.
 */
export function inferFinish(
  request: GenerateRequest,
  usage: Usage | undefined,
): GenerateResult["finishReason"] {
  return usage && usage.output_tokens >= maxTokensOf(request) ? "length" : "stop";
}

/** A complete response as the one-delta stream some servers send when they ignore `stream`. */
export async function* completionToEvents(
  parsed: ParsedCompletion,
  provider: string,
  request: GenerateRequest,
): AsyncGenerator<GenerateEvent> {
  if (parsed.text) yield { type: "delta", text: parsed.text };
  yield { type: "done", result: result(provider, request, parsed) };
}

/** A GenerateResult with usage estimated where the provider reported none. */
export function result(provider: string, request: GenerateRequest, parsed: ParsedCompletion): GenerateResult {
  return {
    text: parsed.text,
    provider,
    finishReason: parsed.finishReason,
    usage: parsed.usage ?? {
      input_tokens: estimateMessagesTokens(request.messages),
      output_tokens: estimateTokens(parsed.text),
    },
  };
}
