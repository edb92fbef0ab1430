import { estimateMessagesTokens, estimateTokens } from "../providers/tokens";
import type { GenerateRequest, GenerateResult, Generator } from "../providers/types";
import { cutAtStop, stopFilter } from "./stop";

/**
 * Calling the generator for an answer with per-request stop sequences: whole (the text is cut
 * at the first stop sequence) or streamed (deltas filtered so a stop sequence split across
 * them is still caught; reaching one aborts the generator, like a client disconnect does).
 */

/** A finished generation cut at the first stop sequence. */
export async function generateWithStop(
  generator: Generator,
  request: GenerateRequest,
  stop: readonly string[] | undefined,
): Promise<GenerateResult> {
  return withStop(await generator.generate(request), stop);
}

/**
 * Streams `request`, yielding text deltas, and returns the finished generation. `request.signal`
 * is the caller's (a client disconnect); a reached stop sequence aborts the generator too.
 */
export async function* streamWithStop(
  generator: Generator,
  request: GenerateRequest,
  stop: readonly string[] | undefined,
): AsyncGenerator<string, GenerateResult> {
  const caller = request.signal;
  const generation = new AbortController();
  const onAbort = () => generation.abort(caller?.reason);
  caller?.addEventListener("abort", onAbort);
  const filter = stopFilter(stop ?? []);
  let text = "";
  let gen: GenerateResult | undefined;
  try {
    for await (const event of generator.stream({ ...request, signal: generation.signal })) {
      caller?.throwIfAborted();
      if (event.type === "done") {
        gen = withStop(event.result, stop);
        break;
      }
      const piece = filter.push(event.text);
      text += piece;
      if (piece) yield piece;
      if (filter.stopped) {
        generation.abort(new DOMException("stop sequence reached", "AbortError"));
        gen = stoppedEarly(generator.id, text, request);
        break;
      }
    }
  } finally {
    caller?.removeEventListener("abort", onAbort);
  }
  if (!gen) throw new Error("generator stream ended without a result");
  // What the filter still held back (a possible start of a stop sequence that was not one).
  const rest = gen.text.startsWith(text) ? gen.text.slice(text.length) : "";
  if (rest) yield rest;
  return gen;
}

function withStop(gen: GenerateResult, stop: readonly string[] | undefined): GenerateResult {
  if (!stop?.length) return gen;
  const cut = cutAtStop(gen.text, stop);
  return cut.stopped ? { ...gen, text: cut.text, finishReason: "stop" } : gen;
}

/** The result of a stream ended by a stop sequence (the generator never sent its own). */
function stoppedEarly(provider: string, text: string, request: GenerateRequest): GenerateResult {
  return {
    text,
    provider,
    usage: { input_tokens: estimateMessagesTokens(request.messages), output_tokens: estimateTokens(text) },
    finishReason: "stop",
  };
}
