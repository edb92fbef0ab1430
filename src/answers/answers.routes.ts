import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../http/app-env";
import { tenant, tenantSecurity } from "../http/middleware";
import { createRouter, errorResponses, jsonBody } from "../http/openapi";
import { runTurn, streamTurn } from "../sessions/sessions.service";
import { sessionStore } from "../sessions/sessions.stub";
import { answerServiceFor } from "./answers.deps";
import { AnswerBody, AnswerResponse, DEFAULT_TOP_K } from "./answers.schema";
import type { AnswerEvent } from "./answers.service";
import { type SseFrame, sseResponse } from "./answers.sse";

const tags = ["answers"];

/** `POST /v1/answer`: a grounded answer with citations, whole or as server-sent events. */
export function answersRoutes() {
  const app = createRouter();

  app.openapi(
    createRoute({
      method: "post",
      path: "/answer",
      tags,
      security: tenantSecurity,
      middleware: tenant("read"),
      summary: "Answer a question from the tenant's documents, with citations",
      description:
        "Retrieves, packs the best chunks into the prompt, generates and cites. With `stream: true` the " +
        "response is `text/event-stream`: `event: chunks` (the retrieved chunks), then `event: delta` " +
        "(`{text}`), then `event: done` (the Answer object); a failure mid-stream is an `event: error`. " +
        "With `session_id` the question is a turn of that session (memory, condensing, stored messages).",
      request: { body: jsonBody(AnswerBody) },
      responses: {
        200: {
          description: "The answer (or an event stream when `stream` is true)",
          content: {
            "application/json": { schema: AnswerResponse },
            "text/event-stream": { schema: { type: "string" } },
          },
        },
        ...errorResponses(400, 401, 403, 404, 409, 503),
      },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const tenantId = c.var.principal.tenantId;
      const { service, condenser } = await answerServiceFor(c.env, tenantId, {
        waitUntil: (p) => c.executionCtx.waitUntil(p),
        generator: body.generator,
      });
      const common = {
        tenantId,
        topK: body.top_k ?? DEFAULT_TOP_K,
        filter: body.filter,
        redactPii: body.redact_pii,
        ...(body.generator ? { logParams: { generator: body.generator } } : {}),
      };
      if (body.session_id) {
        const deps = { store: sessionStore(c.env, tenantId, body.session_id), answers: service, condenser };
        const turn = { ...common, sessionId: body.session_id, content: body.query };
        if (!body.stream) return c.json(await runTurn(deps, { ...turn, signal: c.req.raw.signal }), 200);
        return streamEvents(c, (signal) => streamTurn(deps, { ...turn, signal }));
      }
      const input = { ...common, query: body.query };
      if (!body.stream) return c.json(await service.answer({ ...input, signal: c.req.raw.signal }), 200);
      return streamEvents(c, (signal) => service.stream({ ...input, signal }));
    },
  );

  return app;
}

/** Answer events as SSE frames: `chunks`, `delta` (`{text}`), `done` (the result). */
export function streamEvents(
  c: Context<AppEnv>,
  events: (signal: AbortSignal) => AsyncIterable<AnswerEvent | { type: "done"; result: unknown }>,
) {
  return sseResponse(c, async function* frames(signal): AsyncGenerator<SseFrame> {
    for await (const e of events(signal)) {
      if (e.type === "chunks") yield { event: "chunks", data: JSON.stringify({ chunks: e.chunks }) };
      else if (e.type === "delta") yield { event: "delta", data: JSON.stringify({ text: e.text }) };
      else yield { event: "done", data: JSON.stringify(e.result) };
    }
  });
}
