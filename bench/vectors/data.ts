/**
 * The vectors every part of the vector benchmark uses, built once per run: seeded random
 * unit vectors, and `local:hash-384` embeddings of SciFact (corpus passages as rows,
 * claims as queries). SciFact has 5,183 abstracts; to reach 100k rows each abstract is
 * split into sentences and sliding windows of 1–3 sentences, all distinct texts.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { hashEmbed } from "../../src/providers/local/hash-embedding";
import { seeded } from "../../test/vectors/vector-helpers";
import { dataDir } from "../providers/data";

/** Row-major vectors: `count` rows of `dimensions` float32. */
export interface VectorSet {
  name: string;
  dimensions: number;
  count: number;
  data: Float32Array;
}

/** Row `i` of a set, as a view. */
export function rowOf(set: VectorSet, i: number): Float32Array {
  return set.data.subarray(i * set.dimensions, (i + 1) * set.dimensions);
}

/** `count` random unit vectors (Gaussian components, normalised). */
export function randomUnitVectors(name: string, count: number, dimensions: number, seed: number): VectorSet {
  const random = seeded(seed);
  const data = new Float32Array(count * dimensions);
  for (let r = 0; r < count; r++) {
    let s = 0;
    const base = r * dimensions;
    for (let i = 0; i < dimensions; i += 2) {
      // Box–Muller: two Gaussians per pair of uniforms.
      const u = Math.max(random(), 1e-12);
      const v = random();
      const m = Math.sqrt(-2 * Math.log(u));
      const a = m * Math.cos(2 * Math.PI * v);
      const b = m * Math.sin(2 * Math.PI * v);
      data[base + i] = a;
      if (i + 1 < dimensions) data[base + i + 1] = b;
      s += a * a + b * b;
    }
    const inv = 1 / Math.sqrt(s);
    for (let i = 0; i < dimensions; i++) data[base + i] = (data[base + i] as number) * inv;
  }
  return { name, dimensions, count, data };
}

function jsonl<T>(path: string): T[] {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T);
}

/** Distinct SciFact passages: titles, sentences and windows of 2–3 sentences, up to `limit`. */
export function scifactPassages(limit: number): string[] {
  const docs = jsonl<{ title: string; text: string }>(join(dataDir(), "scifact", "corpus.jsonl"));
  const seen = new Set<string>();
  const out: string[] = [];
  const add = (t: string) => {
    const s = t.trim();
    if (s.length >= 20 && !seen.has(s) && out.length < limit) {
      seen.add(s);
      out.push(s);
    }
  };
  const sentences = docs.map((d) => d.text.split(/(?<=[.!?])\s+(?=[A-Z(])/));
  for (let window = 1; window <= 3 && out.length < limit; window++) {
    for (let d = 0; d < docs.length && out.length < limit; d++) {
      const s = sentences[d] as string[];
      if (window === 1) add((docs[d] as { title: string }).title);
      for (let i = 0; i + window <= s.length; i++) add(s.slice(i, i + window).join(" "));
    }
  }
  return out;
}

/** SciFact claims (the dataset's queries). */
export function scifactClaims(): string[] {
  return jsonl<{ text: string }>(join(dataDir(), "scifact", "queries.jsonl")).map((q) => q.text);
}

/** Embeds texts with the project's `local:hash-<dims>` algorithm into one set. */
export function embedSet(name: string, texts: readonly string[], dimensions: number): VectorSet {
  const data = new Float32Array(texts.length * dimensions);
  texts.forEach((t, i) => {
    data.set(hashEmbed(t, dimensions), i * dimensions);
  });
  return { name, dimensions, count: texts.length, data };
}
