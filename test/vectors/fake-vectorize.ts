import { VECTORIZE_MAX_DELETE_IDS, VECTORIZE_MAX_GET_IDS } from "../../src/config/limits";
import { compileFilter, fieldValue } from "../../src/vectors/core/filter";
import type { Metric } from "../../src/vectors/types";
import {
  type CheckedVector,
  checkDimensions,
  checkIds,
  checkQueryOptions,
  checkQueryVector,
  checkVectors,
} from "../../src/vectors/validation";

/**
 * A small in-memory stand-in for a Vectorize v2 binding that models what tests of the
 * cloud path must not ignore: mutations return a mutation id at once but become visible
 * only when processed (here: when the test calls {@link settle} or {@link process}), and
 * `describe()` reports `processedUpToMutation`. Queries are exact brute force over the
 * processed state. Inputs are validated with the same documented limits as the local index.
 */
export class FakeVectorize implements Vectorize {
  readonly #dimensions: number;
  readonly #metric: Metric;
  readonly #applied = new Map<string, CheckedVector>();
  readonly #pending: { seq: number; apply: () => void }[] = [];
  #seq = 0;
  #processed = 0;
  #processedAt = 0;

  constructor(config: { dimensions: number; metric: Metric }) {
    this.#dimensions = config.dimensions;
    this.#metric = config.metric;
  }

  /** Mutations accepted but not yet visible. */
  get pending(): number {
    return this.#pending.length;
  }

  /** Processes every accepted mutation, as Vectorize's background job eventually does. */
  settle(): void {
    this.process(this.#seq);
  }

  /** Processes mutations up to and including `mutationId`, in order. */
  process(mutationId: number | string): void {
    const upTo = Number(mutationId);
    while (this.#pending.length > 0 && (this.#pending[0]?.seq ?? Number.POSITIVE_INFINITY) <= upTo) {
      const next = this.#pending.shift();
      next?.apply();
      this.#processed = next?.seq ?? this.#processed;
      this.#processedAt = Date.now();
    }
  }

  async describe(): Promise<VectorizeIndexInfo> {
    return {
      vectorCount: this.#applied.size,
      dimensions: this.#dimensions,
      processedUpToMutation: this.#processed,
      processedUpToDatetime: this.#processedAt,
    };
  }

  async insert(vectors: VectorizeVector[]): Promise<VectorizeAsyncMutation> {
    const checked = checkVectors("VECTOR_INSERT", vectors);
    checkDimensions("VECTOR_INSERT", checked, this.#dimensions);
    return this.#enqueue(() => {
      for (const v of checked) if (!this.#applied.has(v.id)) this.#applied.set(v.id, v);
    });
  }

  async upsert(vectors: VectorizeVector[]): Promise<VectorizeAsyncMutation> {
    const checked = checkVectors("VECTOR_UPSERT", vectors);
    checkDimensions("VECTOR_UPSERT", checked, this.#dimensions);
    return this.#enqueue(() => {
      for (const v of checked) this.#applied.set(v.id, v);
    });
  }

  async deleteByIds(ids: string[]): Promise<VectorizeAsyncMutation> {
    const checked = checkIds("VECTOR_DELETE", ids, VECTORIZE_MAX_DELETE_IDS);
    return this.#enqueue(() => {
      for (const id of checked) this.#applied.delete(id);
    });
  }

  async getByIds(ids: string[]): Promise<VectorizeVector[]> {
    const checked = checkIds("VECTOR_GET", ids, VECTORIZE_MAX_GET_IDS);
    return checked.flatMap((id) => {
      const v = this.#applied.get(id);
      return v ? [toVector(v)] : [];
    });
  }

  async query(
    vector: VectorFloatArray | number[],
    options?: VectorizeQueryOptions,
  ): Promise<VectorizeMatches> {
    const q = checkQueryOptions(options);
    return this.#search(checkQueryVector(vector, this.#dimensions), q);
  }

  async queryById(vectorId: string, options?: VectorizeQueryOptions): Promise<VectorizeMatches> {
    const q = checkQueryOptions(options);
    const v = this.#applied.get(vectorId);
    return v ? this.#search(v.values, q) : { count: 0, matches: [] };
  }

  #search(query: Float32Array, q: ReturnType<typeof checkQueryOptions>): VectorizeMatches {
    const clauses = q.filter ? compileFilter(q.filter) : [];
    const scored: VectorizeMatch[] = [];
    for (const v of this.#applied.values()) {
      if (q.namespace !== undefined && v.namespace !== q.namespace) continue;
      const metadata = v.metadata ? (JSON.parse(v.metadata) as Record<string, VectorizeVectorMetadata>) : {};
      if (!clauses.every((c) => c.test(fieldValue(metadata, c.path)))) continue;
      const match: VectorizeMatch = { id: v.id, score: score(this.#metric, query, v.values) };
      if (v.namespace !== null) match.namespace = v.namespace;
      if (q.returnValues) match.values = Array.from(v.values);
      if (q.returnMetadata !== "none" && v.metadata) match.metadata = metadata;
      scored.push(match);
    }
    const descending = this.#metric === "cosine";
    scored.sort((a, b) => (descending ? b.score - a.score : a.score - b.score) || (a.id < b.id ? -1 : 1));
    const matches = scored.slice(0, q.topK);
    return { count: matches.length, matches };
  }

  #enqueue(apply: () => void): VectorizeAsyncMutation {
    const seq = ++this.#seq;
    this.#pending.push({ seq, apply });
    return { mutationId: String(seq) };
  }
}

function score(metric: Metric, q: Float32Array, x: Float32Array): number {
  let dot = 0;
  let qq = 0;
  let xx = 0;
  let l2 = 0;
  for (let i = 0; i < q.length; i++) {
    const a = q[i] as number;
    const b = x[i] as number;
    dot += a * b;
    qq += a * a;
    xx += b * b;
    l2 += (a - b) * (a - b);
  }
  if (metric === "euclidean") return Math.sqrt(l2);
  if (metric === "dot-product") return -dot;
  return qq > 0 && xx > 0 ? dot / Math.sqrt(qq * xx) : 0;
}

function toVector(v: CheckedVector): VectorizeVector {
  const out: VectorizeVector = { id: v.id, values: Array.from(v.values) };
  if (v.namespace !== null) out.namespace = v.namespace;
  if (v.metadata) out.metadata = JSON.parse(v.metadata) as Record<string, VectorizeVectorMetadata>;
  return out;
}
