import { embedderMismatch, vectorizeDimensionMismatch } from "../errors";
import type { EmbedderIdentity } from "../types";
import type { EmbedderRegistry } from "./embedder-registry";
import { TenantIndexBase, type TenantVectorStats } from "./tenant-index";

/** Options of a tenant's view of the shared Vectorize index. */
export interface VectorizeTenantOptions {
  tenantId: string;
  embedder: EmbedderIdentity;
}

/**
 * A tenant's slice of the one Cloudflare Vectorize index: namespace = tenant id for
 * search scoping, and every id prefixed with a tenant tag because Vectorize ids are
 * unique index-wide (two tenants storing chunk `doc:0` would otherwise overwrite each
 * other). The embedder is recorded in D1 (see embedder-registry.ts).
 */
export class VectorizeTenantIndex extends TenantIndexBase {
  readonly backend = "vectorize" as const;
  readonly #vectorize: Vectorize;
  readonly #registry: EmbedderRegistry;
  #tag: Promise<string> | null = null;

  constructor(vectorize: Vectorize, registry: EmbedderRegistry, options: VectorizeTenantOptions) {
    super(options.tenantId, options.embedder);
    this.#vectorize = vectorize;
    this.#registry = registry;
  }

  /** The whole Vectorize index (all tenants): Vectorize has no per-namespace describe. */
  describe(): Promise<VectorizeIndexInfo> {
    return this.#vectorize.describe();
  }

  async stats(): Promise<TenantVectorStats> {
    const [record, info] = await Promise.all([this.#registry.get(this.tenantId), this.#vectorize.describe()]);
    return {
      backend: this.backend,
      tenantId: this.tenantId,
      embedder: record?.embedder ?? null,
      dimensions: info.dimensions,
      metric: null,
      vectorCount: null,
      indexVectorCount: info.vectorCount,
    };
  }

  async drop(options?: { ids?: Iterable<string> }): Promise<void> {
    if (!options?.ids) {
      throw new TypeError(
        "Vectorize cannot list a namespace's vectors from a Worker: pass drop({ ids }) with every vector id " +
          "(chunk id) of the tenant.",
      );
    }
    await this.deleteMany(options.ids);
    await this.#registry.forget(this.tenantId);
  }

  protected async scopedQuery(vector: VectorFloatArray | number[], options?: VectorizeQueryOptions) {
    if (!(await this.#recordedMatches())) return { count: 0, matches: [] };
    return this.#unscope(await this.#vectorize.query(vector, { ...options, namespace: this.tenantId }));
  }

  protected async scopedQueryById(id: string, options?: VectorizeQueryOptions) {
    if (!(await this.#recordedMatches())) return { count: 0, matches: [] };
    const scoped = await this.#scope(id);
    return this.#unscope(await this.#vectorize.queryById(scoped, { ...options, namespace: this.tenantId }));
  }

  protected async scopedWrite(mode: "insert" | "upsert", vectors: VectorizeVector[]) {
    await this.#claim();
    const tag = await this.#tagPromise();
    const scoped = vectors.map((v) => ({ ...v, id: tag + v.id, namespace: this.tenantId }));
    return mode === "insert" ? this.#vectorize.insert(scoped) : this.#vectorize.upsert(scoped);
  }

  protected async scopedDelete(ids: string[]) {
    const tag = await this.#tagPromise();
    return this.#vectorize.deleteByIds(ids.map((id) => tag + id));
  }

  protected async scopedGet(ids: string[]) {
    const tag = await this.#tagPromise();
    const found = await this.#vectorize.getByIds(ids.map((id) => tag + id));
    return found
      .filter((v) => v.namespace === this.tenantId && v.id.startsWith(tag))
      .map(({ namespace: _namespace, ...v }) => ({ ...v, id: v.id.slice(tag.length) }));
  }

  /** True when the tenant has vectors of this handle's embedder; false when it has none. */
  async #recordedMatches(): Promise<boolean> {
    const record = await this.#registry.get(this.tenantId);
    if (!record) return false;
    if (!sameEmbedder(record.embedder, this.embedder)) {
      throw embedderMismatch(this.tenantId, record.embedder, this.embedder);
    }
    return true;
  }

  /** Records the embedder on the tenant's first write (after checking the index dimension). */
  async #claim(): Promise<void> {
    let record = await this.#registry.get(this.tenantId);
    if (!record) {
      const info = await this.#vectorize.describe();
      if (info.dimensions !== this.embedder.dimensions) {
        throw vectorizeDimensionMismatch(info.dimensions, this.embedder);
      }
      record = await this.#registry.claim(this.tenantId, this.embedder);
    }
    if (!sameEmbedder(record.embedder, this.embedder)) {
      throw embedderMismatch(this.tenantId, record.embedder, this.embedder);
    }
  }

  async #scope(id: string): Promise<string> {
    return (await this.#tagPromise()) + id;
  }

  /** Strips the tenant tag and namespace, so callers see their own ids only. */
  async #unscope(res: VectorizeMatches): Promise<VectorizeMatches> {
    const tag = await this.#tagPromise();
    return {
      count: res.count,
      matches: res.matches.map(({ namespace: _namespace, ...m }) => ({
        ...m,
        id: m.id.startsWith(tag) ? m.id.slice(tag.length) : m.id,
      })),
    };
  }

  #tagPromise(): Promise<string> {
    this.#tag ??= tenantTag(this.tenantId);
    return this.#tag;
  }
}

/**
 * 12 bytes that identify a tenant inside vector ids: 11 base64url characters of the
 * SHA-256 of the tenant id (66 bits, so no two tenants share one in practice) and `:`.
 */
export async function tenantTag(tenantId: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(tenantId)));
  let bin = "";
  for (const b of digest.subarray(0, 9)) bin += String.fromCharCode(b);
  return `${btoa(bin).replaceAll("+", "-").replaceAll("/", "_").slice(0, 11)}:`;
}

function sameEmbedder(a: EmbedderIdentity, b: EmbedderIdentity): boolean {
  return a.id === b.id && a.dimensions === b.dimensions;
}
