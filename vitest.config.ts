import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { unstable_readConfig } from "wrangler";

// A developer's .dev.vars (read by the pool) must not change what the suite tests: pin
// every wrangler.toml var to its committed default and give secrets fixed test values.
const committedVars = unstable_readConfig({ config: "./wrangler.toml" }).vars as Record<string, string>;

export default defineConfig(async () => {
  const migrations = await readD1Migrations("./migrations");
  return {
    test: {
      projects: [
        {
          // Unit and integration tests inside workerd with real local D1, R2, Queues and DOs.
          plugins: [
            cloudflareTest(({ inject }) => ({
              wrangler: { configPath: "./wrangler.toml" },
              miniflare: {
                bindings: {
                  ...committedVars,
                  OPENAI_API_KEY: "",
                  HF_TOKEN: "",
                  ADMIN_TOKEN: "test-admin-token-0123456789",
                  RATE_LIMIT: "off",
                  JWT_SECRET: "test-jwt-secret-with-enough-entropy-0123456789",
                  JWT_ISSUER: "https://issuer.test",
                  JWT_AUDIENCE: "edgerag-test",
                  TEST_MIGRATIONS: migrations,
                  // The wire-protocol server of the provider adapter tests (test-node/providers).
                  PROVIDER_WIRE_URL: inject("providerWireUrl"),
                  // Tenants may point their generator at the wire server (streaming abort, condensing).
                  PROVIDER_ALLOWED_ORIGINS: inject("providerWireUrl"),
                },
              },
            })),
          ],
          test: {
            name: "workers",
            sequence: { groupOrder: 0 },
            include: ["test/**/*.test.ts"],
            setupFiles: ["./test/setup.ts"],
            globalSetup: ["./test-node/providers/wire-server.setup.ts"],
            testTimeout: 30_000,
          },
        },
        {
          // End-to-end tests in Node against a real `npm start` server (CLI, restarts, browser).
          test: {
            name: "e2e",
            // After the workerd suite, so the two never compete for the machine's cores.
            sequence: { groupOrder: 1 },
            include: ["test-node/**/*.test.ts"],
            environment: "node",
            testTimeout: 120_000,
            hookTimeout: 180_000,
            // Each file starts its own server; two at a time is what 2 cores sustain.
            maxWorkers: 2,
          },
        },
      ],
    },
  };
});
