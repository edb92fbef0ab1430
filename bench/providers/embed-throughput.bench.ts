/**
 * Local embedder throughput on SciFact chunks: `local:hash-<dims>` through its adapter (what
 * ingestion calls per batch) and through the embedding pipeline (validation, batching,
 * chain bookkeeping; no cache). Prints chunks/s per run, then median and spread.
 *
 *   npx tsx bench/providers/embed-throughput.bench.ts [--runs 5] [--dims 384,768]
 */
import { createEmbeddingPipeline } from "../../src/providers/embedding/pipeline";
import { createHashEmbedder } from "../../src/providers/local/hash.embedder";
import { BreakerRegistry } from "../../src/providers/reliability/breaker";
import { systemClock } from "../../src/providers/reliability/clock";
import { estimateTokens } from "../../src/providers/tokens";
import { scifactChunks } from "./chunks";
import { header, stats } from "./data";

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] ?? dflt) : dflt;
};
const runs = Number(arg("runs", "5"));
const dimsList = arg("dims", "384,768").split(",").map(Number);

header("local embedder throughput on SciFact chunks");
const chunks = scifactChunks();
const texts = chunks.map((c) => c.text);
const tokens = texts.reduce((n, t) => n + estimateTokens(t), 0);
console.log(
  `${chunks.length} chunks, ${(tokens / chunks.length).toFixed(0)} estimated tokens/chunk on average`,
);

for (const dims of dimsList) {
  const adapter = createHashEmbedder(dims);
  const pipeline = createEmbeddingPipeline({
    members: [adapter],
    deps: { clock: systemClock, random: Math.random, breakers: new BreakerRegistry() },
  });
  for (const [name, embed] of [
    ["adapter", (batch: string[]) => adapter.embed(batch)],
    ["pipeline", (batch: string[]) => pipeline.embed(batch)],
  ] as const) {
    await embed(texts.slice(0, 512)); // warm-up (JIT)
    const rates: number[] = [];
    for (let r = 0; r < runs; r++) {
      const t0 = performance.now();
      for (let i = 0; i < texts.length; i += 256) await embed(texts.slice(i, i + 256));
      rates.push(texts.length / ((performance.now() - t0) / 1000));
    }
    const s = stats(rates);
    console.log(
      `local:hash-${dims} ${name.padEnd(8)} chunks/s median ${s.median.toFixed(0)}  min ${s.min.toFixed(0)}  max ${s.max.toFixed(0)}  ` +
        `(runs: ${rates.map((x) => x.toFixed(0)).join(", ")})`,
    );
  }
}
