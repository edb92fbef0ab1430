import { createRoute } from "@hono/zod-openapi";
import { createDb } from "../db/client";
import { tenant, tenantSecurity } from "../http/middleware";
import { createRouter, errorResponses, jsonBody, jsonResponse } from "../http/openapi";
import { findChoice } from "../providers/choices";
import { resolveProviders } from "../providers/resolve";
import { EmbeddingsBody, EmbeddingsResponse } from "./embeddings.schema";
import { createEmbeddings, embeddingModelId } from "./embeddings.service";
import { paramError } from "./openai.errors";

const tags = ["openai"];

/** `POST /v1/embeddings`: OpenAI's embeddings API over the tenant's embedder. */
export function embeddingsRoutes() {
  const app = createRouter();

  app.openapi(
    createRoute({
      method: "post",
      path: "/embeddings",
      tags,
      security: tenantSecurity,
      middleware: tenant("read"),
      summary: "OpenAI-compatible embeddings with the tenant's embedder",
      description:
        "The same vectors the tenant's index holds (same model, same cache). `encoding_format: base64` " +
        "returns little-endian float32 bytes. Token arrays, `dimensions` other than the model's, more than " +
        "256 inputs or inputs longer than the model's limit are refused with 400.",
      request: { body: jsonBody(EmbeddingsBody) },
      responses: {
        200: jsonResponse(EmbeddingsResponse, "The vectors"),
        ...errorResponses(400, 401, 403, 404, 409, 429, 503),
      },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const tenantId = c.var.principal.tenantId;
      const providers = await resolveProviders({
        env: c.env,
        db: createDb(c.env.DB),
        tenantId,
        waitUntil: (p) => c.executionCtx.waitUntil(p),
      });
      const choices = providers.choices.embeddings;
      const choice = findChoice(choices, body.model);
      if (!choice) {
        throw paramError(
          404,
          "model_not_found",
          `The embedding model "${body.model}" does not exist for this tenant. Use one of: ${choices.map((m) => m.id).join(", ")} (GET /v1/models).`,
          "model",
        );
      }
      const list = await createEmbeddings(
        providers.embedder,
        body,
        { id: embeddingModelId(choice), specs: choice.specs },
        c.req.raw.signal,
      );
      return c.json(list, 200);
    },
  );

  return app;
}
