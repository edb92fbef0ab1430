import { answersRoutes } from "./answers/answers.routes";
import { documentsRoutes } from "./documents/documents.routes";
import { feedbackRoutes } from "./feedback/feedback.routes";
import { createRouter } from "./http/openapi";
import { openAiRoutes } from "./openai/openai.routes";
import { searchRoutes } from "./retrieval/search.routes";
import { sessionsRoutes } from "./sessions/sessions.routes";
import { settingsRoutes } from "./settings/settings.routes";
import { usageRoutes } from "./usage/usage.routes";

/**
 * Every tenant-facing router, mounted under /v1. Each route declares its own auth chain
 * (`middleware: tenant("read")`), so unknown paths stay 404 rather than 401.
 */
export function tenantRoutes() {
  const app = createRouter();
  app.route("/", settingsRoutes());
  app.route("/", usageRoutes());
  app.route("/", documentsRoutes());
  app.route("/", searchRoutes());
  app.route("/", answersRoutes());
  app.route("/", sessionsRoutes());
  app.route("/", openAiRoutes());
  app.route("/", feedbackRoutes());
  return app;
}
