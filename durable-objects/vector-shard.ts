import { DurableObject } from "cloudflare:workers";

/** One shard of edgerag's local Vectorize-compatible index. */
export class VectorShard extends DurableObject<Env> {
  /** Health round trip; touches no storage. */
  ping(): string {
    return "pong";
  }
}
