import { createRouter } from "../http/openapi";
import { chatRoutes } from "./chat.routes";
import { embeddingsRoutes } from "./embeddings.routes";
import { modelsRoutes } from "./models.routes";

/**
 * The OpenAI-compatible surface under /v1: an `openai` client pointed at `<edgerag>/v1` with a
 * tenant API key as its API key works unchanged.
 */
export function openAiRoutes() {
  const app = createRouter();
  app.route("/", chatRoutes());
  app.route("/", embeddingsRoutes());
  app.route("/", modelsRoutes());
  return app;
}
