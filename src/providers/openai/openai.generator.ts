import { type ParsedChunk, parseChunk, parseCompletion } from "../chat/openai-format";
import { messagesOf } from "../chat/prompt";
import { chunksToEvents, completionToEvents, END, maxTokensOf, result } from "../chat/stream-events";
import { ProviderError } from "../errors";
import { type HttpCall, joinUrl, postForStream, postJson } from "../http/client";
import { parseSse, sseJson } from "../http/sse";
import type { GenerateEvent, GenerateRequest, Generator } from "../types";
import { authHeaders, fetchOf, type OpenAiConfig } from "./openai.config";

/** Request parameters a server has told us it does not take (learned once per isolate). */
interface Dialect {
  /** OpenAI's reasoning models reject `max_tokens` and want `max_completion_tokens`. */
  maxParam: "max_tokens" | "max_completion_tokens";
  /** Older servers reject `stream_options` (needed for usage in streams). */
  streamOptions: boolean;
}
const dialects = new Map<string, Dialect>();

/**
 * `POST {base}/chat/completions`, plain or streamed (SSE `data: {chunk}` … `data: [DONE]`).
 * `max_tokens` is always sent. Works with OpenAI, Ollama, llama.cpp server, vLLM and TGI.
 */
export function createOpenAiGenerator(config: OpenAiConfig): Generator {
  const id = `openai:${config.model}@${config.baseUrl}`;
  const url = joinUrl(config.baseUrl, "chat/completions");

  function body(request: GenerateRequest, stream: boolean, d: Dialect) {
    const b: Record<string, unknown> = {
      model: config.model,
      messages: messagesOf(request),
      [d.maxParam]: maxTokensOf(request),
    };
    if (request.temperature !== undefined) b.temperature = request.temperature;
    if (request.topP !== undefined) b.top_p = request.topP;
    if (request.stop?.length) b.stop = request.stop;
    if (stream) {
      b.stream = true;
      if (d.streamOptions) b.stream_options = { include_usage: true };
    }
    return b;
  }

  function call(request: GenerateRequest): HttpCall {
    return {
      fetch: fetchOf(config),
      headers: authHeaders(config),
      signal: request.signal ?? new AbortController().signal,
      now: config.now,
    };
  }

  /** Sends once; if the server rejects a parameter we can change, adapts and sends again. */
  async function send<T>(attempt: (d: Dialect) => Promise<T>): Promise<T> {
    const d = dialects.get(id) ?? { maxParam: "max_tokens", streamOptions: true };
    try {
      return await attempt(d);
    } catch (err) {
      const adjusted =
        err instanceof ProviderError && err.kind === "invalid_request" ? adapt(d, err.message) : undefined;
      if (!adjusted) throw err;
      dialects.set(id, adjusted);
      return attempt(adjusted);
    }
  }

  async function* chunks(res: Response): AsyncGenerator<ParsedChunk | typeof END> {
    if (!res.body) throw new ProviderError("bad_response", `${id}: empty stream`);
    for await (const event of parseSse(res.body)) {
      if (event.data.trim() === "[DONE]") {
        yield END;
        return;
      }
      let parsed: unknown[];
      try {
        parsed = sseJson(event.data);
      } catch {
        throw new ProviderError("bad_response", `${id}: malformed JSON in stream event`);
      }
      for (const json of parsed) yield parseChunk(json, id);
    }
  }

  return {
    id,
    async generate(request) {
      const json = await send((d) => postJson(url, body(request, false, d), call(request)));
      return result(id, request, parseCompletion(json, id));
    },
    async *stream(request): AsyncGenerator<GenerateEvent> {
      const res = await send((d) => postForStream(url, body(request, true, d), call(request)));
      if ((res.headers.get("content-type") ?? "").includes("application/json")) {
        // The server ignored `stream` and answered in one piece.
        let json: unknown;
        try {
          json = await res.json();
        } catch {
          throw new ProviderError("bad_response", `${id}: invalid JSON`);
        }
        yield* completionToEvents(parseCompletion(json, id), id, request);
        return;
      }
      yield* chunksToEvents(chunks(res), id, request);
    },
  };
}

function adapt(d: Dialect, message: string): Dialect | undefined {
  if (d.maxParam === "max_tokens" && /max_completion_tokens/.test(message))
    return { ...d, maxParam: "max_completion_tokens" };
  if (d.streamOptions && /stream_options/.test(message)) return { ...d, streamOptions: false };
  return undefined;
}
