import { ProviderError } from "../errors";
import type { GenerateResult, Usage } from "../types";

/**
 * The OpenAI chat-completions wire format, spoken by OpenAI, Ollama, llama.cpp server, vLLM,
 * TGI and (for newer models) Workers AI: parsing of complete responses and stream chunks.
 */

/** A parsed complete response. */
export interface ParsedCompletion {
  text: string;
  finishReason: GenerateResult["finishReason"];
  usage?: Usage;
}

/** A parsed stream chunk; any field may be absent. */
export interface ParsedChunk {
  delta?: string;
  finishReason?: GenerateResult["finishReason"];
  usage?: Usage;
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | undefined =>
  v && typeof v === "object" && !Array.isArray(v) ? (v as Json) : undefined;

/** Maps `finish_reason` values: only "length" means truncated. */
export function finishReason(value: unknown): GenerateResult["finishReason"] {
  return value === "length" || value === "max_tokens" ? "length" : "stop";
}

/** Reads `{ prompt_tokens, completion_tokens }` when present and numeric. */
export function parseUsage(value: unknown): Usage | undefined {
  const u = obj(value);
  if (!u || typeof u.prompt_tokens !== "number") return undefined;
  return {
    input_tokens: u.prompt_tokens,
    output_tokens: typeof u.completion_tokens === "number" ? u.completion_tokens : 0,
  };
}

/**
 * Reasoning models served through Ollama or llama.cpp put their chain of thought in
 * `<think>…</think>` before the answer; it is not part of the answer.
 */
export function stripThinking(text: string): string {
  return text.replace(/^\s*<think>[\s\S]*?<\/think>\s*/, "");
}

/** Parses `{ choices: [{ message: { content }, finish_reason }], usage }`. */
export function parseCompletion(json: unknown, provider: string): ParsedCompletion {
  const error = streamError(json);
  if (error) throw new ProviderError("server_error", `${provider}: ${error}`);
  const choice = obj((obj(json)?.choices as unknown[] | undefined)?.[0]);
  const message = obj(choice?.message);
  if (!message) throw new ProviderError("bad_response", `${provider}: response has no choices[0].message`);
  const content = typeof message.content === "string" ? message.content : "";
  return {
    text: stripThinking(content),
    finishReason: finishReason(choice?.finish_reason),
    usage: parseUsage(obj(json)?.usage),
  };
}

/** Parses one `chat.completion.chunk` (or a bare usage chunk with empty `choices`). */
export function parseChunk(json: unknown, provider: string): ParsedChunk {
  const error = streamError(json);
  if (error) throw new ProviderError("server_error", `${provider}: error in stream: ${error}`);
  const o = obj(json);
  if (!o) throw new ProviderError("bad_response", `${provider}: stream chunk is not an object`);
  const choice = obj((o.choices as unknown[] | undefined)?.[0]);
  const delta = obj(choice?.delta);
  const out: ParsedChunk = {};
  // Completions-style chunks (`/v1/completions`) carry `text` instead of `delta.content`.
  const text =
    typeof delta?.content === "string"
      ? delta.content
      : typeof choice?.text === "string"
        ? choice.text
        : undefined;
  if (text) out.delta = text;
  if (choice?.finish_reason != null) out.finishReason = finishReason(choice.finish_reason);
  const usage = parseUsage(o.usage);
  if (usage) out.usage = usage;
  return out;
}

/** The message of an `{ error }` object sent in place of a result (OpenAI, vLLM, TGI). */
export function streamError(json: unknown): string | undefined {
  const e = obj(json)?.error;
  if (typeof e === "string") return e;
  const m = obj(e)?.message;
  return typeof m === "string" ? m : e !== undefined && e !== null ? JSON.stringify(e) : undefined;
}
