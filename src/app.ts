import { MAX_BATCH_BODY_BYTES, MAX_JSON_BODY_BYTES } from "./config/limits";
import { docsRoutes } from "./docs/docs.routes";
import { healthRoutes } from "./health/health.routes";
import { onError, onNotFound } from "./http/error-handler";
import { bodyLimits } from "./http/middleware";
import { createRouter } from "./http/openapi";
import { requestId } from "./http/request-id";
import { recordHttpMetrics } from "./observability/metrics.middleware";
import { metricsRoutes } from "./observability/metrics.routes";
import { openAiErrorsByPath } from "./openai/openai.errors";
import { keywordAdminRoutes } from "./retrieval/keyword/keyword.routes";
import { tenantRoutes } from "./routes";
import { adminRoutes } from "./tenants/tenants.routes";
import { VERSION } from "./version";

/** Builds the HTTP app: middleware, every feature router, the OpenAPI document and /docs. */
export function createApp() {
  const app = createRouter();
  app.use("*", requestId());
  app.use("*", recordHttpMetrics());
  app.use("*", openAiErrorsByPath());
  app.use("*", bodyLimits(MAX_JSON_BODY_BYTES, { "/v1/documents": MAX_BATCH_BODY_BYTES }));
  app.onError(onError);
  app.notFound(onNotFound);

  app.route("/", healthRoutes());
  app.route("/", docsRoutes());
  app.route("/", metricsRoutes());
  app.route("/v1/admin", adminRoutes());
  app.route("/v1/admin", keywordAdminRoutes());
  app.route("/v1", tenantRoutes());

  app.openAPIRegistry.registerComponent("securitySchemes", "apiKey", {
    type: "http",
    scheme: "bearer",
    description: "A tenant API key (`erk_…`) or, when configured, a tenant JWT.",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "adminToken", {
    type: "http",
    scheme: "bearer",
    description: "The operator's ADMIN_TOKEN secret.",
  });
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "edgerag",
      version: VERSION,
      description:
        "Local-first retrieval-augmented generation on Cloudflare Workers. Errors are " +
        '`{"error":{"code","message"}}`; every response carries `x-request-id`.',
    },
  });
  return app;
}
