import {
  chatCompletion,
  chatCompletionStream,
  textGeneration,
  textGenerationStream,
} from "@huggingface/inference";
import { type ParsedChunk, parseChunk, parseCompletion, stripThinking } from "../chat/openai-format";
import { messagesOf, promptOf } from "../chat/prompt";
import { chunksToEvents, END, maxTokensOf, result } from "../chat/stream-events";
import { ProviderError } from "../errors";
import type { GenerateEvent, GenerateRequest, Generator } from "../types";
import { baseArgs, callOptions, type HfConfig, hfError, hfId } from "./hf.client";

/** Endpoints found to have no chat route (a TGI/Inference Endpoint without a chat template). */
const completionOnly = new Set<string>();

/**
 * Chat completion through `@huggingface/inference`: a TGI endpoint (`hf:<model>@<url>`, which
 * speaks `/v1/chat/completions`) or the hosted router. An endpoint that answers 404/422 on the
 * chat route is remembered as completion-only and used through text generation with the
 * messages flattened into one prompt.
 */
export function createHfGenerator(config: HfConfig): Generator {
  const id = hfId(config);

  const chatArgs = (request: GenerateRequest) => {
    const args: Record<string, unknown> = {
      ...baseArgs(config),
      messages: messagesOf(request),
      max_tokens: maxTokensOf(request),
    };
    if (request.temperature !== undefined) args.temperature = request.temperature;
    if (request.topP !== undefined) args.top_p = request.topP;
    if (request.stop?.length) args.stop = request.stop;
    return args as Parameters<typeof chatCompletion>[0];
  };
  const textArgs = (request: GenerateRequest) =>
    ({
      ...baseArgs(config, "hf-inference"),
      inputs: promptOf(messagesOf(request)),
      parameters: {
        max_new_tokens: maxTokensOf(request),
        temperature: request.temperature,
        top_p: request.topP,
        stop: request.stop,
        return_full_text: false,
      },
    }) as Parameters<typeof textGeneration>[0];

  /** A chat route that does not exist on a dedicated endpoint: fall back to text generation. */
  const noChatRoute = (err: unknown) =>
    config.endpointUrl !== undefined &&
    err instanceof ProviderError &&
    (err.status === 404 || err.status === 422);

  async function generate(request: GenerateRequest) {
    const { options, lastResponse } = callOptions(config, request.signal);
    if (!completionOnly.has(id)) {
      try {
        return result(id, request, parseCompletion(await chatCompletion(chatArgs(request), options), id));
      } catch (raw) {
        const err = hfError(raw, config, request.signal, lastResponse());
        if (!noChatRoute(err)) throw err;
        completionOnly.add(id);
      }
    }
    try {
      const out = await textGeneration(textArgs(request), options);
      return result(id, request, { text: stripThinking(out.generated_text), finishReason: "stop" });
    } catch (raw) {
      throw hfError(raw, config, request.signal, lastResponse());
    }
  }

  async function* chunks(request: GenerateRequest): AsyncGenerator<ParsedChunk | typeof END> {
    const { options, lastResponse } = callOptions(config, request.signal);
    try {
      const source = completionOnly.has(id)
        ? textGenerationStream(textArgs(request), options)
        : chatCompletionStream(chatArgs(request), options);
      for await (const chunk of source) yield frame(chunk);
      // The library returns at `data: [DONE]`.
      yield END;
    } catch (raw) {
      const err = hfError(raw, config, request.signal, lastResponse());
      if (!completionOnly.has(id) && noChatRoute(err)) {
        completionOnly.add(id);
        yield* chunks(request);
        return;
      }
      throw err;
    }
  }

  /** Chat chunks, completions chunks, or TGI's native `{ token: { text } }` frames. */
  function frame(chunk: unknown): ParsedChunk {
    const tgi = chunk as {
      token?: { text?: unknown; special?: unknown };
      details?: { finish_reason?: unknown };
    };
    if (tgi && typeof tgi === "object" && tgi.token && typeof tgi.token === "object") {
      const out: ParsedChunk = {};
      if (typeof tgi.token.text === "string" && tgi.token.text && tgi.token.special !== true)
        out.delta = tgi.token.text;
      if (tgi.details?.finish_reason)
        out.finishReason = tgi.details.finish_reason === "length" ? "length" : "stop";
      return out;
    }
    return parseChunk(chunk, id);
  }

  return {
    id,
    generate,
    async *stream(request): AsyncGenerator<GenerateEvent> {
      yield* chunksToEvents(chunks(request), id, request);
    },
  };
}
