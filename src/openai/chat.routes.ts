import { createRoute } from "@hono/zod-openapi";
import { answerServiceFor } from "../answers/answers.deps";
import { DEFAULT_TOP_K } from "../answers/answers.schema";
import type { GenerationOptions } from "../answers/answers.service";
import { type SseFrame, sseResponse } from "../answers/answers.sse";
import { tenant, tenantSecurity } from "../http/middleware";
import { createRouter, errorResponses, jsonBody } from "../http/openapi";
import { sessionStore } from "../sessions/sessions.stub";
import { ChatCompletionBody, type ChatCompletionRequest, ChatCompletionResponse } from "./chat.schema";
import { type ChatDeps, type ChatInput, completeChat, streamChat } from "./chat.service";
import { openAiErrorFrame, paramError } from "./openai.errors";

const tags = ["openai"];

/** `POST /v1/chat/completions`: OpenAI's chat API answered from the tenant's documents. */
export function chatRoutes() {
  const app = createRouter();

  app.openapi(
    createRoute({
      method: "post",
      path: "/chat/completions",
      tags,
      security: tenantSecurity,
      middleware: tenant("read"),
      summary: "OpenAI-compatible chat completion, grounded in the tenant's documents",
      description:
        "The last user message is the question; earlier user/assistant messages are the conversation " +
        "(a follow-up is condensed into a standalone query before retrieval); system/developer messages " +
        "are the application's instructions. Returns OpenAI's `chat.completion` plus `citations` and " +
        "`edgerag` (`query_id` for feedback, `grounded`, `provider`, `retrieval_query`). With `stream: true`, " +
        "`chat.completion.chunk` server-sent events (`data: {…}`), the last one with `finish_reason` and " +
        "`citations`, an optional usage chunk (`stream_options.include_usage`), then `data: [DONE]`. " +
        "Parameters edgerag does not implement (tools, logprobs, n > 1, …) are refused with 400, never ignored.",
      request: { body: jsonBody(ChatCompletionBody) },
      responses: {
        200: {
          description: "The completion (or an event stream when `stream` is true)",
          content: {
            "application/json": { schema: ChatCompletionResponse },
            "text/event-stream": { schema: { type: "string" } },
          },
        },
        ...errorResponses(400, 401, 403, 404, 409, 429, 503),
      },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const tenantId = c.var.principal.tenantId;
      const { service, condenser, model } = await answerServiceFor(c.env, tenantId, {
        waitUntil: (p) => c.executionCtx.waitUntil(p),
        generator: body.model,
        unknownGenerator: (name, available) =>
          paramError(
            404,
            "model_not_found",
            `The model "${name}" does not exist for this tenant. Use one of: ${available.join(", ")} (GET /v1/models).`,
            "model",
          ),
      });
      const deps: ChatDeps = {
        answers: service,
        condenser,
        ...(body.session_id
          ? { session: { id: body.session_id, store: sessionStore(c.env, tenantId, body.session_id) } }
          : {}),
      };
      const input: ChatInput = {
        tenantId,
        model: model.id,
        messages: body.messages,
        topK: body.top_k ?? DEFAULT_TOP_K,
        filter: body.filter,
        generation: generationOf(body),
        // `user` and `metadata` are kept with the answer in the query log, where operators look.
        logParams: {
          model: model.id,
          ...(body.user ? { user: body.user } : {}),
          ...(body.metadata ? { metadata: body.metadata } : {}),
        },
        includeUsage: body.stream_options?.include_usage === true,
      };
      if (!body.stream) return c.json(await completeChat(deps, { ...input, signal: c.req.raw.signal }), 200);
      return sseResponse(
        c,
        async function* frames(signal): AsyncGenerator<SseFrame> {
          for await (const chunk of streamChat(deps, { ...input, signal }))
            yield { data: JSON.stringify(chunk) };
          yield { data: "[DONE]" };
        },
        { errorFrame: openAiErrorFrame },
      );
    },
  );

  return app;
}

/** OpenAI's sampling parameters as the answer service takes them; unset ones stay unset. */
function generationOf(body: ChatCompletionRequest): GenerationOptions | undefined {
  if (
    body.max_tokens != null &&
    body.max_completion_tokens != null &&
    body.max_tokens !== body.max_completion_tokens
  ) {
    throw paramError(
      400,
      "invalid_request",
      "max_tokens and max_completion_tokens disagree; send only max_completion_tokens.",
      "max_tokens",
    );
  }
  const g: GenerationOptions = {};
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  if (maxTokens != null) g.maxTokens = maxTokens;
  if (body.temperature != null) g.temperature = body.temperature;
  if (body.top_p != null) g.topP = body.top_p;
  if (body.stop != null) g.stop = typeof body.stop === "string" ? [body.stop] : body.stop;
  return Object.keys(g).length ? g : undefined;
}
