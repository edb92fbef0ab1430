import { createRoute, z } from "@hono/zod-openapi";
import { answerServiceFor } from "../answers/answers.deps";
import { streamEvents } from "../answers/answers.routes";
import { AnswerResponse, DEFAULT_TOP_K } from "../answers/answers.schema";
import { tenant, tenantSecurity } from "../http/middleware";
import { createRouter, errorResponses, jsonBody, jsonResponse } from "../http/openapi";
import { newId } from "../lib/ids";
import {
  CreateSessionBody,
  MessagePageView,
  MessagesQuery,
  PostMessageBody,
  SessionParam,
  SessionView,
} from "./sessions.schema";
import { runTurn, sessionNotFound, streamTurn } from "./sessions.service";
import { sessionStore, sessionStub } from "./sessions.stub";

const tags = ["sessions"];

const TurnResponse = AnswerResponse.extend({
  session_id: z.string(),
  user_message_id: z.string(),
  message_id: z.string().nullable(),
  memory: z.object({ fact: z.object({ key: z.string(), value: z.string() }) }).optional(),
}).openapi("Turn");

/** Conversational sessions: one SessionMemory Durable Object per tenant + session. */
export function sessionsRoutes() {
  const app = createRouter();

  app.openapi(
    createRoute({
      method: "post",
      path: "/sessions",
      tags,
      security: tenantSecurity,
      middleware: tenant("read"),
      summary: "Start a session",
      request: { body: { ...jsonBody(CreateSessionBody), required: false } },
      responses: { 201: jsonResponse(SessionView, "The new session"), ...errorResponses(400, 401, 403) },
    }),
    async (c) => {
      const body = c.req.valid("json") ?? {};
      const tenantId = c.var.principal.tenantId;
      const sessionId = newId("ses");
      const info = await sessionStub(c.env, tenantId, sessionId).create({
        tenantId,
        sessionId,
        ttlSeconds: body.ttl_seconds ?? Number(c.env.SESSION_TTL_SECONDS),
        title: body.title,
        metadata: body.metadata,
      });
      return c.json(info, 201);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/sessions/{id}",
      tags,
      security: tenantSecurity,
      middleware: tenant("read"),
      summary: "A session: summary, stated facts, expiry",
      request: { params: SessionParam },
      responses: { 200: jsonResponse(SessionView, "The session"), ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const info = await sessionStub(c.env, c.var.principal.tenantId, id).info();
      if (!info) throw sessionNotFound(id);
      return c.json(info, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/sessions/{id}/messages",
      tags,
      security: tenantSecurity,
      middleware: tenant("read"),
      summary: "A session's messages, oldest first, paged",
      request: { params: SessionParam, query: MessagesQuery },
      responses: { 200: jsonResponse(MessagePageView, "A page"), ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { limit, cursor } = c.req.valid("query");
      const page = await sessionStub(c.env, c.var.principal.tenantId, id).messages({ limit, cursor });
      if (!page) throw sessionNotFound(id);
      return c.json(page, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/sessions/{id}/messages",
      tags,
      security: tenantSecurity,
      middleware: tenant("read"),
      summary: "A chat turn: condense, retrieve, answer, store both messages",
      description: "With `stream: true`, server-sent events exactly like `POST /v1/answer`.",
      request: { params: SessionParam, body: jsonBody(PostMessageBody) },
      responses: {
        200: {
          description: "The turn (or an event stream)",
          content: {
            "application/json": { schema: TurnResponse },
            "text/event-stream": { schema: { type: "string" } },
          },
        },
        ...errorResponses(400, 401, 403, 404, 409, 503),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const body = c.req.valid("json");
      const tenantId = c.var.principal.tenantId;
      const { service, condenser } = await answerServiceFor(c.env, tenantId, {
        waitUntil: (p) => c.executionCtx.waitUntil(p),
        generator: body.generator,
      });
      const deps = { store: sessionStore(c.env, tenantId, id), answers: service, condenser };
      const turn = {
        tenantId,
        sessionId: id,
        content: body.content,
        topK: body.top_k ?? DEFAULT_TOP_K,
        filter: body.filter,
        redactPii: body.redact_pii,
      };
      if (!body.stream) return c.json(await runTurn(deps, { ...turn, signal: c.req.raw.signal }), 200);
      return streamEvents(c, (signal) => streamTurn(deps, { ...turn, signal }));
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/sessions/{id}",
      tags,
      security: tenantSecurity,
      middleware: tenant("read"),
      summary: "Delete a session and its memory",
      request: { params: SessionParam },
      responses: { 204: { description: "Deleted" }, ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const existed = await sessionStub(c.env, c.var.principal.tenantId, id).destroy();
      if (!existed) throw sessionNotFound(id);
      return c.body(null, 204);
    },
  );

  return app;
}
