import { z } from "@hono/zod-openapi";
import { CitationSchema, Filter, GeneratorName, MAX_TOP_K } from "../answers/answers.schema";

/** Longest chat message accepted, in characters. */
export const MAX_MESSAGE_CHARS = 8000;
/** Longest idle TTL a caller may ask for (30 days). */
export const MAX_TTL_SECONDS = 30 * 24 * 3600;

/** Session ids as the API mints them (`ses_…`); callers may not choose their own. */
export const SessionParam = z.object({
  id: z
    .string()
    .regex(/^ses_[0-9a-z]{26}$/, "must be a session id returned by POST /v1/sessions")
    .openapi({ param: { name: "id", in: "path" }, example: "ses_01jd3k8x0000000000000000aa" }),
});

/** `POST /v1/sessions` body (everything optional). */
export const CreateSessionBody = z
  .object({
    title: z.string().max(200).optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
    ttl_seconds: z.number().int().min(1).max(MAX_TTL_SECONDS).optional().openapi({
      description: "Idle time after which the session is deleted (default SESSION_TTL_SECONDS).",
    }),
  })
  .strict()
  .openapi("CreateSession");

/** A fact the user stated. */
const Fact = z.object({ key: z.string(), value: z.string() });

/** A session. */
export const SessionView = z
  .object({
    id: z.string(),
    tenant_id: z.string(),
    title: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()),
    created_at: z.number(),
    last_active_at: z.number(),
    expires_at: z.number(),
    message_count: z.number(),
    summary: z.string(),
    facts: z.array(Fact),
  })
  .openapi("Session");

/** A stored message. */
export const MessageView = z
  .object({
    id: z.string(),
    seq: z.number(),
    role: z.enum(["user", "assistant"]),
    content: z.string(),
    citations: z.array(CitationSchema).optional(),
    query_id: z.string().optional(),
    retrieval_query: z.string().optional(),
    created_at: z.number(),
  })
  .openapi("Message");

/** `GET /v1/sessions/:id/messages` query. */
export const MessagesQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z
    .string()
    .regex(/^\d{1,15}$/, "must be a next_cursor from a previous page")
    .optional(),
});

/** A page of messages. */
export const MessagePageView = z
  .object({ messages: z.array(MessageView), next_cursor: z.string().nullable() })
  .openapi("MessagePage");

/** `POST /v1/sessions/:id/messages` body. */
export const PostMessageBody = z
  .object({
    content: z.string().trim().min(1, "must not be empty").max(MAX_MESSAGE_CHARS),
    stream: z.boolean().optional(),
    top_k: z.number().int().min(1).max(MAX_TOP_K).optional(),
    filter: Filter.optional(),
    redact_pii: z.boolean().optional(),
    generator: GeneratorName.optional(),
  })
  .strict()
  .openapi("PostMessage");
