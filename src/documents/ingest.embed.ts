import type { Embedder } from "../providers/types";
import type { EmbedderIdentity } from "../vectors";
import { EMBED_BATCH_SIZE, VECTOR_UPSERT_BATCH } from "./ingest.config";
import { type IngestDeps, identityOf } from "./ingest.deps";
import { IngestError } from "./ingest.errors";
import { type Prepared, parseMetadata } from "./ingest.prepare";
import { vectorMetadata } from "./vector-metadata";

/**
 * The vector stage of the pipeline: embeds every chunk through the tenant's embedder in
 * groups (one provider call per group, across documents) and upserts the vectors into the
 * tenant's index. Failures are recorded per document in `failed`; the vector ids written
 * are kept on each document so an attempt that does not commit can remove them.
 */
export function createEmbedStage(deps: Pick<IngestDeps, "embedderFor" | "vectors">) {
  /** Embeds and upserts per tenant (each tenant has its own embedder and vector index). */
  async function embedAndUpsert(
    batch: Prepared[],
    failed: Map<Prepared, unknown>,
    heartbeat: () => Promise<void>,
  ) {
    const byTenant = new Map<string, Prepared[]>();
    for (const p of batch) byTenant.set(p.key.tenant, [...(byTenant.get(p.key.tenant) ?? []), p]);
    for (const [tenant, docs] of byTenant) {
      let embedder: Embedder;
      try {
        embedder = await deps.embedderFor(tenant);
      } catch (err) {
        for (const p of docs) failed.set(p, err);
        continue;
      }
      await embed(embedder, docs, failed, heartbeat);
      const embedded = docs.filter((p) => !failed.has(p));
      for (const p of embedded) p.embedder = embedder.id;
      const identity = identityOf(embedder);
      for (const p of embedded) p.identity = identity;
      await upsertTenant(tenant, identity, embedded, failed, heartbeat);
    }
  }

  /** Embeds every chunk of one tenant's documents in groups; a failing group fails the documents in it. */
  async function embed(
    embedder: Embedder,
    batch: Prepared[],
    failed: Map<Prepared, unknown>,
    heartbeat: () => Promise<void>,
  ) {
    const inputs = batch.flatMap((p, i) => p.chunks.map((c) => ({ doc: i, text: c.embedInput })));
    const vectors: (Float32Array | undefined)[] = [];
    for (let start = 0; start < inputs.length; start += EMBED_BATCH_SIZE) {
      const group = inputs.slice(start, start + EMBED_BATCH_SIZE);
      try {
        const result = await embedder.embed(
          group.map((g) => g.text),
          { kind: "document" },
        );
        if (result.vectors.length !== group.length) {
          throw new IngestError(
            "embedder_error",
            `The embedder returned ${result.vectors.length} vectors for ${group.length} texts.`,
            false,
          );
        }
        result.vectors.forEach((v, j) => {
          vectors[start + j] = v;
        });
      } catch (err) {
        for (const g of group) {
          const p = batch[g.doc] as Prepared;
          if (!failed.has(p)) failed.set(p, err);
        }
      }
      await heartbeat();
    }
    let offset = 0;
    for (const p of batch) {
      p.vectors = vectors.slice(offset, offset + p.chunks.length) as Float32Array[];
      offset += p.chunks.length;
    }
  }

  /** Upserts one tenant's vectors; a failing call fails the documents in it. */
  async function upsertTenant(
    tenant: string,
    embedder: EmbedderIdentity,
    batch: Prepared[],
    failed: Map<Prepared, unknown>,
    heartbeat: () => Promise<void>,
  ) {
    if (batch.length === 0) return;
    const index = deps.vectors.index(tenant, embedder);
    const all = batch.flatMap((p) => {
      const metadata = parseMetadata(p.row.metadata);
      return p.chunks.map((c, i) => ({
        p,
        vector: {
          id: c.id,
          values: p.vectors?.[i] as Float32Array,
          metadata: vectorMetadata(metadata, { documentId: p.key.doc, ordinal: c.ordinal, page: c.page }),
        } satisfies VectorizeVector,
      }));
    });
    for (let start = 0; start < all.length; start += VECTOR_UPSERT_BATCH) {
      const group = all.slice(start, start + VECTOR_UPSERT_BATCH);
      for (const g of group) g.p.upserted = [...(g.p.upserted ?? []), g.vector.id];
      try {
        await index.upsert(group.map((g) => g.vector));
      } catch (err) {
        for (const g of group) if (!failed.has(g.p)) failed.set(g.p, err);
      }
      await heartbeat();
    }
  }

  return embedAndUpsert;
}
