// Bindings only the provider tests use (set in vitest.config.ts).
declare global {
  namespace Cloudflare {
    interface Env {
      /** Base URL of the wire-protocol server started by test-node/providers/wire-server.setup.ts. */
      PROVIDER_WIRE_URL: string;
    }
  }
}

export {};
