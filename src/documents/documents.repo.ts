import { and, asc, eq, gt, inArray, isNotNull, lte, ne, type SQL, sql } from "drizzle-orm";
import { jsonGroups, prepare } from "../db/batch";
import type { Db } from "../db/client";
import { documents } from "../db/schema";

/** A stored document row. */
export type DocumentRow = typeof documents.$inferSelect;

/** Identifies one version of one document. */
export interface DocKey {
  tenant: string;
  doc: string;
  version: number;
}

/** Document statuses. */
export type DocumentStatus = "queued" | "indexing" | "ready" | "failed";

/** A row to insert or replace on accept. `expectedVersion` is 0 for a new document. */
export interface UpsertRow {
  id: string;
  title: string | null;
  contentType: string;
  source: string | null;
  contentHash: string;
  sizeBytes: number;
  metadata: string;
  blobKey: string;
  blobOffset: number | null;
  blobLength: number | null;
  blobSecret: string | null;
  expiresAt: number | null;
  chunking: string | null;
  expectedVersion: number;
}

/** SQL condition: document `key` still exists at exactly `key.version`. */
export function versionGuard(key: DocKey): SQL {
  return sql`EXISTS (SELECT 1 FROM documents WHERE tenant_id = ${key.tenant} AND id = ${key.doc} AND version = ${key.version})`;
}

/** `(tenant_id, id, version) IN (…keys…)` with the keys as one JSON parameter. */
function keysCondition(keys: readonly DocKey[]): SQL {
  const json = JSON.stringify(keys.map((k) => [k.tenant, k.doc, k.version]));
  return sql`(${documents.tenantId}, ${documents.id}, ${documents.version}) IN (
    SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]') FROM json_each(${json}))`;
}

/** Data access for document rows. Every multi-row statement binds its rows as JSON (D1: 100 parameters). */
export function createDocumentsRepo(db: Db) {
  return {
    find: (tenantId: string, id: string): Promise<DocumentRow | undefined> =>
      db
        .select()
        .from(documents)
        .where(and(eq(documents.tenantId, tenantId), eq(documents.id, id)))
        .get(),

    /** Rows for many ids of one tenant. */
    async findMany(tenantId: string, ids: readonly string[]): Promise<DocumentRow[]> {
      const out: DocumentRow[] = [];
      for (const json of jsonGroups(ids)) {
        out.push(
          ...(await db
            .select()
            .from(documents)
            .where(
              and(
                eq(documents.tenantId, tenantId),
                sql`${documents.id} IN (SELECT value FROM json_each(${json}))`,
              ),
            )
            .all()),
        );
      }
      return out;
    },

    /** One page of a tenant's documents in id order, optionally of one status. */
    list: (tenantId: string, opts: { limit: number; after?: string; status?: DocumentStatus }) =>
      db
        .select()
        .from(documents)
        .where(
          and(
            eq(documents.tenantId, tenantId),
            opts.status ? eq(documents.status, opts.status) : undefined,
            opts.after !== undefined ? gt(documents.id, opts.after) : undefined,
          ),
        )
        .orderBy(asc(documents.id))
        .limit(opts.limit)
        .all(),

    /** Other documents of the tenant with the same content hash (for duplicate reports). */
    async sameContent(
      tenantId: string,
      hashes: readonly string[],
    ): Promise<{ id: string; contentHash: string }[]> {
      const out: { id: string; contentHash: string }[] = [];
      for (const json of jsonGroups([...new Set(hashes)])) {
        out.push(
          ...(await db
            .select({ id: documents.id, contentHash: documents.contentHash })
            .from(documents)
            .where(
              and(
                eq(documents.tenantId, tenantId),
                sql`${documents.contentHash} IN (SELECT value FROM json_each(${json}))`,
              ),
            )
            .orderBy(asc(documents.id))
            .limit(1000)
            .all()),
        );
      }
      return out;
    },

    /**
     * Inserts new documents and replaces changed ones as new versions, each only if the row
     * is still at `expectedVersion` (optimistic concurrency: a concurrent upload of the same
     * id makes one of them lose, and the loser re-reads and retries). Old chunks stay
     * searchable until the new version's chunks replace them. RETURNING names the winners.
     */
    upsertStatements(
      tenantId: string,
      jobId: string,
      rows: readonly UpsertRow[],
      now: number,
      leaseUntil: number,
    ): D1PreparedStatement[] {
      const payload = rows.map((r) => ({
        id: r.id,
        title: r.title,
        type: r.contentType,
        source: r.source,
        hash: r.contentHash,
        size: r.sizeBytes,
        meta: r.metadata,
        blob: r.blobKey,
        off: r.blobOffset,
        len: r.blobLength,
        secret: r.blobSecret,
        exp: r.expiresAt,
        chunking: r.chunking,
        v: r.expectedVersion + 1,
      }));
      return jsonGroups(payload).map((json) =>
        prepare(
          db,
          sql`
          INSERT INTO documents (tenant_id, id, title, content_type, source, content_hash, size_bytes, status,
            metadata, blob_key, blob_offset, blob_length, blob_secret, job_id, version, attempts, created_at, updated_at,
            expires_at, lease_until, chunking)
          SELECT ${tenantId}, json_extract(value, '$.id'), json_extract(value, '$.title'), json_extract(value, '$.type'),
            json_extract(value, '$.source'), json_extract(value, '$.hash'), json_extract(value, '$.size'), 'queued',
            json_extract(value, '$.meta'), json_extract(value, '$.blob'), json_extract(value, '$.off'),
            json_extract(value, '$.len'), json_extract(value, '$.secret'), ${jobId}, json_extract(value, '$.v'), 0,
            ${now}, ${now}, json_extract(value, '$.exp'), ${leaseUntil}, json_extract(value, '$.chunking')
          FROM json_each(${json}) WHERE true
          ON CONFLICT (tenant_id, id) DO UPDATE SET
            title = excluded.title, content_type = excluded.content_type, source = excluded.source,
            content_hash = excluded.content_hash, size_bytes = excluded.size_bytes, status = 'queued', error = NULL,
            metadata = excluded.metadata, blob_key = excluded.blob_key, blob_offset = excluded.blob_offset,
            blob_length = excluded.blob_length, blob_secret = excluded.blob_secret, job_id = excluded.job_id,
            version = excluded.version, attempts = 0, updated_at = excluded.updated_at,
            expires_at = excluded.expires_at, lease_until = excluded.lease_until, chunking = excluded.chunking
          WHERE documents.version = excluded.version - 1
          RETURNING id, version`,
        ),
      );
    },

    /** Sets `expires_at` on unchanged documents (a TTL refresh needs no re-indexing). */
    setExpiryStatements(
      tenantId: string,
      rows: readonly { id: string; expiresAt: number | null }[],
      now: number,
    ) {
      return jsonGroups(rows.map((r) => [r.id, r.expiresAt])).map((json) =>
        prepare(
          db,
          sql`
          UPDATE documents
          SET expires_at = (SELECT j.value ->> '$[1]' FROM json_each(${json}) AS j WHERE j.value ->> '$[0]' = documents.id),
              updated_at = ${now}
          -- IN over the ids (not UPDATE … FROM) so SQLite looks rows up by primary key.
          WHERE tenant_id = ${tenantId} AND id IN (SELECT value ->> '$[0]' FROM json_each(${json}))`,
        ),
      );
    },

    /** A new version of one document, to be re-indexed from its stored body (optionally re-chunked). */
    bumpVersionStatement(
      tenantId: string,
      id: string,
      jobId: string,
      now: number,
      leaseUntil: number,
      chunking?: string | null,
    ): D1PreparedStatement {
      return prepare(
        db,
        db
          .update(documents)
          .set({
            version: sql`${documents.version} + 1`,
            status: "queued",
            error: null,
            attempts: 0,
            jobId,
            updatedAt: now,
            leaseUntil,
            ...(chunking !== undefined ? { chunking } : {}),
          })
          .where(and(eq(documents.tenantId, tenantId), eq(documents.id, id)))
          .returning({ id: documents.id, version: documents.version }),
      );
    },

    /** A new version of every document of a tenant (optionally only those with one status). */
    bumpAllStatement(
      tenantId: string,
      jobId: string,
      now: number,
      leaseUntil: number,
      status?: DocumentStatus,
    ): D1PreparedStatement {
      return prepare(
        db,
        db
          .update(documents)
          .set({
            version: sql`${documents.version} + 1`,
            status: "queued",
            error: null,
            attempts: 0,
            jobId,
            updatedAt: now,
            leaseUntil,
          })
          .where(and(eq(documents.tenantId, tenantId), status ? eq(documents.status, status) : undefined)),
      );
    },

    /**
     * Claims documents for processing: only the exact version, only while queued (or
     * indexing with a lapsed claim), and only if no other consumer holds a live claim on
     * any version. One consumer at a time per document keeps its vector writes and cleanups
     * from interleaving with another's. Returns the claimed rows.
     */
    claim(keys: readonly DocKey[], now: number, leaseMs: number): Promise<DocumentRow[]> {
      if (keys.length === 0) return Promise.resolve([]);
      return db
        .update(documents)
        .set({
          status: "indexing",
          claimedUntil: now + leaseMs,
          leaseUntil: now + leaseMs,
          attempts: sql`${documents.attempts} + 1`,
          updatedAt: now,
        })
        .where(
          and(
            keysCondition(keys),
            inArray(documents.status, ["queued", "indexing"]),
            sql`(${documents.claimedUntil} IS NULL OR ${documents.claimedUntil} < ${now})`,
          ),
        )
        .returning()
        .all();
    },

    /** Extends live claims (a heartbeat between pipeline stages). */
    renew: (keys: readonly DocKey[], until: number) =>
      db
        .update(documents)
        .set({ claimedUntil: until, leaseUntil: until })
        .where(and(keysCondition(keys), eq(documents.status, "indexing"))),

    /** Releases a claim; returns the row's current version and status (null when the row is gone). */
    async release(key: Omit<DocKey, "version">): Promise<{ version: number; status: string } | null> {
      const row = await db
        .update(documents)
        .set({ claimedUntil: null })
        .where(and(eq(documents.tenantId, key.tenant), eq(documents.id, key.doc)))
        .returning({ version: documents.version, status: documents.status })
        .get();
      return row ?? null;
    },

    /** A failed attempt that will be retried: back to `queued` with the reason, claim released. */
    markRetry: (key: DocKey, error: string, leaseUntil: number, now: number) =>
      db
        .update(documents)
        .set({ status: "queued", error, claimedUntil: null, leaseUntil, updatedAt: now })
        .where(
          and(
            eq(documents.tenantId, key.tenant),
            eq(documents.id, key.doc),
            eq(documents.version, key.version),
          ),
        ),

    /** Final failure of a version (its previous chunks, if any, stay searchable). */
    markFailedStatement: (key: DocKey, error: string, now: number) =>
      prepare(
        db,
        db
          .update(documents)
          .set({ status: "failed", error, claimedUntil: null, leaseUntil: null, updatedAt: now })
          .where(
            and(
              eq(documents.tenantId, key.tenant),
              eq(documents.id, key.doc),
              eq(documents.version, key.version),
              ne(documents.status, "ready"),
            ),
          )
          .returning({ id: documents.id }),
      ),

    /**
     * The statement that marks a committed version ready (and fills in a title found in the
     * content when the caller gave none); RETURNING is empty when the version was superseded.
     */
    markReadyStatement: (
      key: DocKey,
      chunkCount: number,
      embedder: string | null,
      title: string | null,
      now: number,
    ) =>
      prepare(
        db,
        db
          .update(documents)
          .set({
            title: sql`coalesce(${documents.title}, ${title})`,
            status: "ready",
            error: null,
            chunkCount,
            embedder,
            indexedAt: now,
            updatedAt: now,
            leaseUntil: null,
            claimedUntil: null,
          })
          .where(
            and(
              eq(documents.tenantId, key.tenant),
              eq(documents.id, key.doc),
              eq(documents.version, key.version),
            ),
          )
          .returning({ id: documents.id }),
      ),

    deleteStatement: (tenantId: string, id: string) =>
      prepare(db, db.delete(documents).where(and(eq(documents.tenantId, tenantId), eq(documents.id, id)))),

    /** Documents whose `expires_at` has passed. */
    expired: (now: number, limit: number) =>
      db
        .select({ tenantId: documents.tenantId, id: documents.id })
        .from(documents)
        .where(and(isNotNull(documents.expiresAt), lte(documents.expiresAt, now)))
        .limit(limit)
        .all(),

    /** Queued or indexing documents whose lease has lapsed: their message or consumer is gone. */
    stalled: (now: number, limit: number) =>
      db
        .select()
        .from(documents)
        .where(and(inArray(documents.status, ["queued", "indexing"]), lte(documents.leaseUntil, now)))
        .limit(limit)
        .all(),

    /** Puts stalled documents back to `queued` with a fresh lease, unless someone claimed them meanwhile. */
    requeue: (keys: readonly DocKey[], now: number, leaseUntil: number) =>
      db
        .update(documents)
        .set({ status: "queued", leaseUntil, claimedUntil: null, updatedAt: now })
        .where(
          and(
            keysCondition(keys),
            inArray(documents.status, ["queued", "indexing"]),
            sql`(${documents.claimedUntil} IS NULL OR ${documents.claimedUntil} < ${now})`,
          ),
        )
        .returning({ tenant: documents.tenantId, doc: documents.id, version: documents.version })
        .all(),
  };
}

/** The documents repository type. */
export type DocumentsRepo = ReturnType<typeof createDocumentsRepo>;
