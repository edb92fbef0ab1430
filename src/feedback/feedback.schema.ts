import { z } from "@hono/zod-openapi";

/** Longest feedback comment, in characters. */
export const MAX_COMMENT_CHARS = 2000;
/** Most chunk ids one rating may name. */
export const MAX_RATED_CHUNKS = 50;
/** Largest page of `GET /v1/feedback`. */
export const MAX_FEEDBACK_PAGE = 100;

/** `POST /v1/feedback` body. */
export const FeedbackBody = z
  .object({
    query_id: z.string().min(1).max(100).openapi({
      example: "q_01J…",
      description: "The `query_id` of an answer, session turn or chat completion (`edgerag.query_id`).",
    }),
    rating: z
      .union([z.literal(1), z.literal(-1)])
      .openapi({ example: 1, description: "1 (helpful) or -1 (not helpful)." }),
    comment: z.string().trim().max(MAX_COMMENT_CHARS).optional(),
    chunk_ids: z.array(z.string().min(1).max(200)).max(MAX_RATED_CHUNKS).optional().openapi({
      description: "Which of the answer's cited chunks the rating is about (default: the answer as a whole).",
    }),
  })
  .strict()
  .openapi("FeedbackRequest");

/** Stored feedback. */
export const FeedbackView = z
  .object({
    id: z.string(),
    query_id: z.string(),
    rating: z.number(),
    comment: z.string().nullable(),
    chunk_ids: z.array(z.string()),
    created_at: z.number(),
    updated_at: z.number(),
  })
  .openapi("Feedback");

/** `GET /v1/feedback` query. */
export const FeedbackQuery = z.object({
  query_id: z.string().min(1).max(100).optional().openapi({ description: "Only this query's feedback." }),
  rating: z.enum(["1", "-1"]).optional().openapi({ description: "Only this rating." }),
  limit: z.coerce.number().int().min(1).max(MAX_FEEDBACK_PAGE).default(50),
  cursor: z.string().max(200).optional().openapi({ description: "`next_cursor` of the previous page." }),
});

/** A page of feedback, newest first. */
export const FeedbackPage = z
  .object({ feedback: z.array(FeedbackView), next_cursor: z.string().nullable() })
  .openapi("FeedbackPage");
