import type { AiBinding } from "../../src/providers/workers-ai/workers-ai.binding";

const DIMS: Record<string, number> = {
  "@cf/baai/bge-small-en-v1.5": 384,
  "@cf/baai/bge-base-en-v1.5": 768,
  "@cf/baai/bge-large-en-v1.5": 1024,
  "@cf/baai/bge-m3": 1024,
};

/**
 * A fake of the Workers AI binding with the platform's real input/output shapes: embeddings
 * `{ shape, data }` (refusing more than 100 texts, as the platform does), reranking
 * `{ response: [{ id, score }] }`, chat `{ response, usage }` or, with `stream: true`, a byte
 * stream of SSE frames `data: {"response":…}` … `data: [DONE]` delivered in 5-byte pieces.
 */
export function fakeAi() {
  const calls: { model: string; inputs: Record<string, unknown> }[] = [];
  const failures: Error[] = [];
  const binding: AiBinding = {
    async run(model, inputs, options) {
      options?.signal?.throwIfAborted();
      calls.push({ model, inputs });
      const failure = failures.shift();
      if (failure) throw failure;
      const dims = DIMS[model];
      if (dims) {
        const text = inputs.text as string[];
        if (text.length > 100) throw new Error("3006: Request is too large");
        return {
          shape: [text.length, dims],
          data: text.map((t) =>
            Array.from({ length: dims }, (_, i) => (i === 0 ? t.length : i === 1 ? 1 : 0)),
          ),
          pooling: inputs.pooling ?? "mean",
        };
      }
      if (model.includes("reranker")) {
        const contexts = inputs.contexts as { text: string }[];
        const q = new Set(String(inputs.query).toLowerCase().split(/\W+/));
        const response = contexts
          .map((c, id) => ({
            id,
            score:
              c.text
                .toLowerCase()
                .split(/\W+/)
                .filter((w) => q.has(w)).length / 10,
          }))
          .sort((a, b) => b.score - a.score);
        return { response };
      }
      if (inputs.stream) {
        const frames = ["Hel", "lo ", "wörld"].map(
          (r) => `data: ${JSON.stringify({ response: r, p: "abcdef" })}\n\n`,
        );
        frames.push(
          `data: ${JSON.stringify({ response: "", usage: { prompt_tokens: 12, completion_tokens: 4, total_tokens: 16 } })}\n\n`,
        );
        frames.push("data: [DONE]\n\n");
        const bytes = new TextEncoder().encode(frames.join(""));
        return new ReadableStream<Uint8Array>({
          start(controller) {
            for (let i = 0; i < bytes.length; i += 5) controller.enqueue(bytes.slice(i, i + 5));
            controller.close();
          },
        });
      }
      return {
        response: "Hello wörld",
        usage: { prompt_tokens: 12, completion_tokens: 4, total_tokens: 16 },
      };
    },
  };
  return { binding, calls, failures };
}
