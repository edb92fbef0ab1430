import { z } from "@hono/zod-openapi";

/** Most inputs per `POST /v1/embeddings` call (each is embedded and cached; keep calls bounded). */
export const MAX_EMBEDDING_INPUTS = 256;
/** Input limit (estimated tokens) when the model has no known limit, e.g. `local:hash-*`: OpenAI's. */
export const DEFAULT_MAX_INPUT_TOKENS = 8191;

const TokenArray = z.array(z.number());

/** `POST /v1/embeddings` body, as OpenAI defines it plus `input_type`. */
export const EmbeddingsBody = z
  .object({
    model: z.string().min(1).max(300).openapi({
      example: "local:hash-384",
      description: "An embedding model id from `GET /v1/models` (`edgerag-embed` is the tenant's embedder).",
    }),
    input: z.union([z.string(), z.array(z.string()), TokenArray, z.array(TokenArray)]).openapi({
      description: `A string or up to ${MAX_EMBEDDING_INPUTS} strings; token arrays are refused.`,
    }),
    encoding_format: z.enum(["float", "base64"]).optional().openapi({
      description: "`base64`: little-endian float32 bytes, base64-encoded (what the openai SDKs ask for).",
    }),
    dimensions: z.number().int().min(1).optional().openapi({
      description: "Must equal the model's dimension: edgerag's embedders cannot shorten vectors.",
    }),
    user: z.string().max(256).optional(),
    input_type: z.enum(["query", "document"]).optional().openapi({
      description:
        "edgerag extra: models with query/document prefixes (bge, e5, nomic) use them. Default `document`.",
    }),
  })
  .strict()
  .openapi("EmbeddingsRequest");

/** The parsed request. */
export type EmbeddingsRequest = z.output<typeof EmbeddingsBody>;

/** OpenAI's embeddings list. */
export const EmbeddingsResponse = z
  .object({
    object: z.literal("list"),
    data: z.array(
      z.object({
        object: z.literal("embedding"),
        index: z.number(),
        embedding: z.union([z.array(z.number()), z.string()]),
      }),
    ),
    model: z.string(),
    usage: z.object({ prompt_tokens: z.number(), total_tokens: z.number() }),
  })
  .openapi("EmbeddingsList");
