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

/** Ports reserved for this project's test servers (8820–8829). */
const PORTS = [8820, 8821, 8822, 8823, 8824, 8825, 8826, 8827, 8828, 8829];

/** Starts the server, provides its URL, and returns the teardown that stops it. */
export default async function setup(project: TestProject) {
  const { server, url } = await startWireServer(PORTS);
  project.provide("providerWireUrl", url);
  return async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
}
