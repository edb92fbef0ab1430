import { env } from "cloudflare:workers";
import { LocalVectorIndex } from "../../src/vectors/local/local-index";
import { vectorizeContract } from "./contract";

// Three shards, so every contract test also exercises routing, fan-out and the merge.
vectorizeContract("local Durable Object index", async ({ dimensions, metric }) => ({
  index: new LocalVectorIndex(env.VECTOR_SHARDS, {
    name: `contract-${crypto.randomUUID()}`,
    dimensions,
    metric,
    shardCount: 3,
  }),
  settle: async () => {},
}));

// The same contract on int8 shards: candidates are re-scored exactly, so results and
// scores must not differ from float32.
vectorizeContract("local Durable Object index, int8 quantization", async ({ dimensions, metric }) => ({
  index: new LocalVectorIndex(env.VECTOR_SHARDS, {
    name: `contract-i8-${crypto.randomUUID()}`,
    dimensions,
    metric,
    shardCount: 3,
    quantization: "int8",
  }),
  settle: async () => {},
}));

vectorizeContract("local Durable Object index, int4 quantization", async ({ dimensions, metric }) => ({
  index: new LocalVectorIndex(env.VECTOR_SHARDS, {
    name: `contract-i4-${crypto.randomUUID()}`,
    dimensions,
    metric,
    shardCount: 3,
    quantization: "int4",
  }),
  settle: async () => {},
}));
