import { z } from "@hono/zod-openapi";

/** One model as `GET /v1/models` lists it. */
export const ModelView = z
  .object({
    id: z.string().openapi({ example: "local:extractive" }),
    object: z.literal("model"),
    created: z.number().openapi({ description: "When the tenant was created (unix seconds)." }),
    owned_by: z.string(),
    edgerag: z.object({
      role: z.enum(["generator", "embeddings"]),
      /** The providers this id runs (a chain for the defaults). */
      providers: z.array(z.string()),
      aliases: z.array(z.string()),
      default: z.boolean(),
      dimensions: z.number().optional(),
    }),
  })
  .openapi("Model");

/** `GET /v1/models`. */
export const ModelList = z
  .object({ object: z.literal("list"), data: z.array(ModelView) })
  .openapi("ModelList");
