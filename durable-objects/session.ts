import { DurableObject } from "cloudflare:workers";

/** Per-(tenant, session) conversational memory. */
export class SessionMemory extends DurableObject<Env> {
  /** Health round trip; touches no storage. */
  ping(): string {
    return "pong";
  }
}
