import {
  type ParsedChunk,
  parseChunk,
  parseCompletion,
  parseUsage,
  stripThinking,
} from "../chat/openai-format";
import { messagesOf } from "../chat/prompt";
import {
  chunksToEvents,
  completionToEvents,
  END,
  inferFinish,
  maxTokensOf,
  result,
} from "../chat/stream-events";
import { ProviderError } from "../errors";
import { parseSse, sseJson } from "../http/sse";
import type { GenerateEvent, GenerateRequest, Generator } from "../types";
import { type AiBinding, requireAi, workersAiError } from "./workers-ai.binding";

/**
 * Workers AI chat models (`@cf/meta/llama-3.1-8b-instruct-fast`, …): `{ messages, max_tokens,
 * temperature, stream }`. Plain calls answer `{ response, usage }`; streams are SSE frames
 * `data: {"response":"…"}` ending with a usage frame and `data: [DONE]`. Newer models answer
 * in the OpenAI shape (`choices`), which is accepted too. `max_tokens` is always sent: the
 * platform default of 256 truncates answers.
 */
export function createWorkersAiGenerator(ai: AiBinding | undefined, model: string): Generator {
  const id = `workers-ai:${model}`;

  function inputs(request: GenerateRequest, stream: boolean): Record<string, unknown> {
    const i: Record<string, unknown> = { messages: messagesOf(request), max_tokens: maxTokensOf(request) };
    if (request.temperature !== undefined) i.temperature = request.temperature;
    // Workers AI chat models take top_p but no stop sequences (the answer service applies those).
    if (request.topP !== undefined) i.top_p = request.topP;
    if (stream) i.stream = true;
    return i;
  }

  async function run(request: GenerateRequest, stream: boolean): Promise<unknown> {
    const binding = requireAi(ai);
    try {
      return await binding.run(model, inputs(request, stream), { signal: request.signal });
    } catch (err) {
      if (request.signal?.aborted) throw request.signal.reason ?? err;
      throw workersAiError(err);
    }
  }

  async function* chunks(body: ReadableStream<Uint8Array>): AsyncGenerator<ParsedChunk | typeof END> {
    for await (const event of parseSse(body)) {
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
      for (const json of parsed) yield frame(json);
    }
  }

  function frame(json: unknown): ParsedChunk {
    const o = json as { response?: unknown; usage?: unknown; choices?: unknown; error?: unknown };
    if (o && typeof o === "object" && ("choices" in o || "error" in o)) return parseChunk(json, id);
    if (!o || typeof o !== "object")
      throw new ProviderError("bad_response", `${id}: stream frame is not an object`);
    const out: ParsedChunk = {};
    if (typeof o.response === "string" && o.response) out.delta = o.response;
    const usage = parseUsage(o.usage);
    if (usage) out.usage = usage;
    return out;
  }

  return {
    id,
    async generate(request) {
      const out = await run(request, false);
      const o = out as { response?: unknown; usage?: unknown };
      if (o && typeof o === "object" && "choices" in o) return result(id, request, parseCompletion(out, id));
      if (!o || typeof o !== "object" || typeof o.response !== "string") {
        throw new ProviderError("bad_response", `${id}: response has no text`);
      }
      const usage = parseUsage(o.usage);
      return result(id, request, {
        text: stripThinking(o.response),
        finishReason: inferFinish(request, usage),
        usage,
      });
    },
    async *stream(request): AsyncGenerator<GenerateEvent> {
      const out = await run(request, true);
      if (out instanceof ReadableStream) {
        yield* chunksToEvents(chunks(out as ReadableStream<Uint8Array>), id, request);
        return;
      }
      // Some models ignore `stream` and answer in one piece.
      const o = out as { response?: unknown; usage?: unknown };
      if (!o || typeof o !== "object" || typeof o.response !== "string") {
        throw new ProviderError("bad_response", `${id}: stream is neither SSE nor a response`);
      }
      const usage = parseUsage(o.usage);
      yield* completionToEvents(
        { text: o.response, finishReason: inferFinish(request, usage), usage },
        id,
        request,
      );
    },
  };
}
