import { Hono } from "hono";
import type { AppEnv } from "../http/app-env";
import { DOCS_HTML } from "./docs-page";

/** `GET /docs`: a self-contained API reference rendered from /openapi.json (works offline). */
export function docsRoutes() {
  const app = new Hono<AppEnv>();
  app.get("/docs", (c) => c.html(DOCS_HTML));
  return app;
}
