import { createRoute } from "@hono/zod-openapi";
import { createDb } from "../db/client";
import { tenant, tenantSecurity } from "../http/middleware";
import { createRouter, errorResponses, jsonBody, jsonResponse } from "../http/openapi";
import { assertTenantProviderSettings } from "../providers/tenant-settings";
import { createSettingsRepo } from "./settings.repo";
import { SettingsPatch, TenantSettings, Whoami } from "./settings.schema";

const tags = ["tenant"];

/** `GET /v1/whoami` and the tenant's own settings. */
export function settingsRoutes() {
  const app = createRouter();

  app.openapi(
    createRoute({
      method: "get",
      path: "/whoami",
      tags,
      security: tenantSecurity,
      middleware: tenant("read"),
      summary: "The tenant and scopes of the calling credential",
      responses: { 200: jsonResponse(Whoami, "The caller"), ...errorResponses(401, 403) },
    }),
    (c) => {
      const p = c.var.principal;
      return c.json({ tenant_id: p.tenantId, key_id: p.keyId, scopes: [...p.scopes], via: p.via }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/settings",
      tags,
      security: tenantSecurity,
      middleware: tenant("read"),
      summary: "The tenant's settings (absent keys use the instance defaults)",
      responses: { 200: jsonResponse(TenantSettings, "Settings"), ...errorResponses(401, 403) },
    }),
    async (c) => {
      const all = await createSettingsRepo(createDb(c.env.DB)).getAll(c.var.principal.tenantId);
      return c.json(TenantSettings.partial().passthrough().parse(all), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "patch",
      path: "/settings",
      tags,
      security: tenantSecurity,
      middleware: tenant("write"),
      summary: "Set (or clear with null) tenant settings",
      request: { body: jsonBody(SettingsPatch) },
      responses: {
        200: jsonResponse(TenantSettings, "Settings after the change"),
        ...errorResponses(400, 401, 403),
      },
    }),
    async (c) => {
      const repo = createSettingsRepo(createDb(c.env.DB));
      assertTenantProviderSettings(c.req.valid("json"), c.env);
      await repo.apply(c.var.principal.tenantId, c.req.valid("json"));
      return c.json(
        TenantSettings.partial()
          .passthrough()
          .parse(await repo.getAll(c.var.principal.tenantId)),
        200,
      );
    },
  );

  return app;
}
