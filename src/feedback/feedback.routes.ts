import { createRoute } from "@hono/zod-openapi";
import { createDb } from "../db/client";
import { fail } from "../http/errors";
import { tenant, tenantSecurity } from "../http/middleware";
import { createRouter, errorResponses, jsonBody, jsonResponse } from "../http/openapi";
import { newId } from "../lib/ids";
import { createFeedbackRepo, type FeedbackRecord } from "./feedback.repo";
import { FeedbackBody, FeedbackPage, FeedbackQuery, FeedbackView } from "./feedback.schema";

const tags = ["feedback"];

/** `POST /v1/feedback` and `GET /v1/feedback`: ratings of logged answers, for evaluation. */
export function feedbackRoutes() {
  const app = createRouter();

  app.openapi(
    createRoute({
      method: "post",
      path: "/feedback",
      tags,
      security: tenantSecurity,
      middleware: tenant("read"),
      summary: "Rate an answer (by its query_id)",
      description:
        "One rating per query: sending feedback again for the same `query_id` replaces it (200), the first " +
        "time creates it (201). `chunk_ids` must be chunks the answer cited. Another tenant's query is a 404.",
      request: { body: jsonBody(FeedbackBody) },
      responses: {
        201: jsonResponse(FeedbackView, "Recorded"),
        200: jsonResponse(FeedbackView, "Replaced the earlier rating of this query"),
        ...errorResponses(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const tenantId = c.var.principal.tenantId;
      const repo = createFeedbackRepo(createDb(c.env.DB));
      const results = await repo.loggedResults(tenantId, body.query_id);
      if (!results) {
        throw fail.notFound(
          `No answer with query_id "${body.query_id}" exists for this tenant. Use the query_id an answer returned.`,
          "query_not_found",
        );
      }
      const chunkIds = [...new Set(body.chunk_ids ?? [])];
      const foreign = chunkIds.filter((id) => !results.includes(id));
      if (foreign.length) {
        throw fail.badRequest(
          `chunk_ids ${foreign.map((id) => `"${id}"`).join(", ")} were not cited by this answer; rate only its citations.`,
          "chunk_not_in_answer",
        );
      }
      const { record, created } = await repo.upsert(
        tenantId,
        {
          id: newId("fb"),
          queryId: body.query_id,
          rating: body.rating,
          comment: body.comment || null,
          chunkIds,
        },
        Date.now(),
      );
      return c.json(view(record), created ? 201 : 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/feedback",
      tags,
      security: tenantSecurity,
      middleware: tenant("read"),
      summary: "The tenant's feedback, newest first, paged",
      request: { query: FeedbackQuery },
      responses: { 200: jsonResponse(FeedbackPage, "A page"), ...errorResponses(400, 401, 403) },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const after = q.cursor ? decodeCursor(q.cursor) : undefined;
      const rows = await createFeedbackRepo(createDb(c.env.DB)).list(c.var.principal.tenantId, {
        queryId: q.query_id,
        rating: q.rating === undefined ? undefined : Number(q.rating),
        limit: q.limit + 1,
        after,
      });
      const page = rows.slice(0, q.limit);
      const last = page.at(-1);
      const next = rows.length > q.limit && last ? encodeCursor(last) : null;
      return c.json({ feedback: page.map(view), next_cursor: next }, 200);
    },
  );

  return app;
}

function view(r: FeedbackRecord) {
  return {
    id: r.id,
    query_id: r.queryId,
    rating: r.rating,
    comment: r.comment,
    chunk_ids: r.chunkIds,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
  };
}

function encodeCursor(r: FeedbackRecord): string {
  return btoa(`${r.updatedAt}:${r.id}`).replace(/=+$/, "");
}

function decodeCursor(cursor: string): { updatedAt: number; id: string } {
  let text = "";
  try {
    text = atob(cursor);
  } catch {
    // reported below
  }
  const m = /^(\d+):(\S+)$/.exec(text);
  if (!m) throw fail.badRequest("cursor is not a next_cursor this endpoint returned.", "invalid_cursor");
  return { updatedAt: Number(m[1]), id: m[2] as string };
}
