/**
 * vitest globalSetup (runs in Node): starts the wire-protocol server for the provider adapter
 * tests and provides its URL, which vitest.config.ts passes into workerd as PROVIDER_WIRE_URL.
 */
import type { TestProject } from "vitest/node";
import { startWireServer } from "./wire-server";

declare module "vitest" {
  export interface ProvidedContext {
    providerWireUrl: string;
  }
}

/** Port 0: the OS picks a free one, so parallel runs (CI, several checkouts) never collide. */
const PORTS = [0];

/** Starts the server, provides its URL, and returns the teardown that stops it. */
export default async function setup(project: TestProject) {
  const { server, url } = await startWireServer(PORTS);
  project.provide("providerWireUrl", url);
  return async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
}
