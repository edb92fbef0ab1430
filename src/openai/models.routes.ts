import { createRoute, z } from "@hono/zod-openapi";
import { createDb } from "../db/client";
import { tenant, tenantSecurity } from "../http/middleware";
import { createRouter, errorResponses, jsonResponse } from "../http/openapi";
import { findChoice, type ModelChoice, shortId } from "../providers/choices";
import { resolveProviders } from "../providers/resolve";
import { createTenantsRepo } from "../tenants/tenants.repo";
import { ModelList, ModelView } from "./models.schema";
import { paramError } from "./openai.errors";

const tags = ["openai"];

/** `GET /v1/models` and `GET /v1/models/{id}`: the generators and embedders a tenant may name. */
export function modelsRoutes() {
  const app = createRouter();

  app.openapi(
    createRoute({
      method: "get",
      path: "/models",
      tags,
      security: tenantSecurity,
      middleware: tenant("read"),
      summary: "OpenAI-compatible model list: the tenant's generators and embedders",
      description:
        "Every id here is accepted as `model` by `/v1/chat/completions` (generators) or `/v1/embeddings` " +
        "(embeddings), and as `generator` by `/v1/answer`. `edgerag` is the configured generator chain with " +
        "its fallbacks; the other generator ids run one configured provider alone.",
      responses: { 200: jsonResponse(ModelList, "The models"), ...errorResponses(401, 403, 409) },
    }),
    async (c) => {
      const models = await tenantModels(c.env, c.var.principal.tenantId);
      return c.json({ object: "list" as const, data: models.map((m) => m.view) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/models/{id}",
      tags,
      security: tenantSecurity,
      middleware: tenant("read"),
      summary: "One model by id or alias",
      request: { params: z.object({ id: z.string().min(1).max(300) }) },
      responses: { 200: jsonResponse(ModelView, "The model"), ...errorResponses(401, 403, 404, 409) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const models = await tenantModels(c.env, c.var.principal.tenantId);
      const hit = findChoice(
        models.map((m) => m.choice),
        id,
      );
      const model = models.find((m) => m.choice === hit);
      if (!model) {
        throw paramError(
          404,
          "model_not_found",
          `The model "${id}" does not exist for this tenant.`,
          "model",
        );
      }
      return c.json(model.view, 200);
    },
  );

  return app;
}

async function tenantModels(env: Env, tenantId: string) {
  const db = createDb(env.DB);
  const [providers, row] = await Promise.all([
    resolveProviders({ env, db, tenantId }),
    createTenantsRepo(db).find(tenantId),
  ]);
  const created = Math.floor((row?.createdAt ?? 0) / 1000);
  const view = (choice: ModelChoice) => ({
    id: choice.id,
    object: "model" as const,
    created,
    owned_by: choice.specs.every((s) => s.kind === "local")
      ? "edgerag"
      : (choice.specs[0]?.kind ?? "edgerag"),
    edgerag: {
      role: choice.role,
      // Short ids: endpoint URLs are the operator's business.
      providers: choice.specs.map(shortId),
      aliases: choice.aliases.filter((a) => !a.includes("://")),
      default: choice.isDefault,
      ...(choice.role === "embeddings" && providers.embedder.dimensions > 0
        ? { dimensions: providers.embedder.dimensions }
        : {}),
    },
  });
  return [...providers.choices.generator, ...providers.choices.embeddings].map((choice) => ({
    choice,
    view: view(choice),
  }));
}
