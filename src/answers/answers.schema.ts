import { z } from "@hono/zod-openapi";

/** Longest question accepted, in characters. */
export const MAX_QUERY_CHARS = 4000;
/** Most chunks an answer may retrieve. */
export const MAX_TOP_K = 50;
/** Chunks retrieved when the caller says nothing. */
export const DEFAULT_TOP_K = 8;

/** A Vectorize-style metadata filter (`$eq $ne $in $nin $lt $lte $gt $gte`, implicit AND). */
const Scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const Ops = z
  .object({
    $eq: Scalar.optional(),
    $ne: Scalar.optional(),
    $lt: Scalar.optional(),
    $lte: Scalar.optional(),
    $gt: Scalar.optional(),
    $gte: Scalar.optional(),
    $in: z.array(Scalar).optional(),
    $nin: z.array(Scalar).optional(),
  })
  .strict();
export const Filter = z
  .record(z.string().min(1), z.union([z.string(), z.number(), z.boolean(), Ops]))
  .refine((f) => Object.keys(f).length <= 20, { message: "at most 20 keys" })
  .openapi({ example: { team: "support" }, description: "Metadata filter, Vectorize operators." });

/** A configured generator, by the id `GET /v1/models` lists (never a URL of the caller's choosing). */
export const GeneratorName = z
  .string()
  .min(1)
  .max(300)
  .openapi({
    example: "local:extractive",
    description:
      "Answer with this configured generator alone (an id from `GET /v1/models`, e.g. `local:extractive`, " +
      "`openai:llama3.2`), or `edgerag` for the configured fallback chain (the default). Unknown ids are " +
      "`400 unknown_generator`.",
  });

/** `POST /v1/answer` body. */
export const AnswerBody = z
  .object({
    query: z
      .string()
      .trim()
      .min(1, "must not be empty")
      .max(MAX_QUERY_CHARS)
      .openapi({ example: "What is the refund window?" }),
    top_k: z
      .number()
      .int()
      .min(1)
      .max(MAX_TOP_K)
      .optional()
      .openapi({ description: `Default ${DEFAULT_TOP_K}.` }),
    filter: Filter.optional(),
    session_id: z
      .string()
      .min(1)
      .max(100)
      .optional()
      .openapi({ description: "Answer as a turn of this session." }),
    stream: z.boolean().optional().openapi({ description: "Server-sent events: chunks, delta…, done." }),
    generator: GeneratorName.optional(),
    redact_pii: z
      .boolean()
      .optional()
      .openapi({ description: "Mask e-mails, phone and card numbers in the answer." }),
  })
  .strict()
  .openapi("AnswerRequest");

/** A citation. */
export const CitationSchema = z
  .object({
    document_id: z.string(),
    chunk_id: z.string(),
    title: z.string().nullable(),
    quote: z.string(),
  })
  .openapi("Citation");

/** `POST /v1/answer` response (also the `done` event's data). */
export const AnswerResponse = z
  .object({
    query_id: z.string(),
    answer: z.string(),
    citations: z.array(CitationSchema),
    grounded: z.boolean(),
    provider: z.string(),
    finish_reason: z.enum(["stop", "length", "error"]),
    usage: z.object({ input_tokens: z.number(), output_tokens: z.number() }),
    timings: z.record(z.string(), z.number()),
    template_version: z.string(),
    retrieval_query: z.string().optional(),
    guardrails: z.object({
      flagged: z.array(z.object({ chunk_id: z.string(), kinds: z.array(z.string()) })),
      pii_redacted: z.array(z.string()).optional(),
    }),
    cached: z.boolean(),
  })
  .openapi("Answer");
