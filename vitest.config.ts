import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig(async () => {
  const migrations = await readD1Migrations("./migrations");
  return {
    plugins: [
      cloudflareTest(({ inject }) => ({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
            ADMIN_TOKEN: "test-admin-token-0123456789",
            RATE_LIMIT: "off",
            JWT_SECRET: "test-jwt-secret-with-enough-entropy-0123456789",
            JWT_ISSUER: "https://issuer.test",
            JWT_AUDIENCE: "edgerag-test",
            TEST_MIGRATIONS: migrations,
            // The wire-protocol server of the provider adapter tests (test-node/providers).
            PROVIDER_WIRE_URL: inject("providerWireUrl"),
          },
        },
      })),
    ],
    test: {
      include: ["test/**/*.test.ts"],
      setupFiles: ["./test/setup.ts"],
      globalSetup: ["./test-node/providers/wire-server.setup.ts"],
      testTimeout: 30_000,
    },
  };
});
