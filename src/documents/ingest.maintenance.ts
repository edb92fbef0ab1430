import type { MaintenanceTask } from "../maintenance/maintenance";
import { log } from "../observability/log";
import { createDocumentsRepo, type DocKey } from "./documents.repo";
import { createDocumentsService } from "./documents.service";
import { EXPIRE_LIMIT, MAX_ATTEMPTS, REQUEUE_INTERVAL_MS, SWEEP_LIMIT } from "./ingest.config";
import { createIngestDeps, type IngestDeps } from "./ingest.deps";
import { IngestError, toFailure } from "./ingest.errors";
import { sendAll } from "./ingest.messages";
import { createIngestPipeline, keyOfRow } from "./ingest.pipeline";
import { createPacksRepo, reclaimPacks } from "./packs.repo";

type DepsFactory = (env: Env, now: number) => IngestDeps;

const defaultDeps: DepsFactory = (env, now) => createIngestDeps(env, { now: () => now });

/**
 * Deletes documents whose `expires_at` has passed, everywhere (as `DELETE /v1/documents/:id`
 * does), a bounded number per run.
 */
export function expireDocumentsTask(makeDeps: DepsFactory = defaultDeps): MaintenanceTask {
  return {
    name: "documents.expire",
    async run(env, now) {
      const deps = makeDeps(env, now);
      const service = createDocumentsService(deps);
      let expired = 0;
      let errors = 0;
      for (const doc of await createDocumentsRepo(deps.db).expired(now, EXPIRE_LIMIT)) {
        try {
          await service.remove(doc.tenantId, doc.id);
          expired++;
        } catch (err) {
          errors++;
          log.warn("could not expire a document", { tenant_id: doc.tenantId, document_id: doc.id, err });
        }
      }
      return { expired, errors };
    },
  };
}

/**
 * D1 is the source of truth for ingestion, not the queue: a message can be lost (local
 * queues live in memory and die with the process; an enqueue can fail after the 202) and a
 * consumer can die holding a claim. This task finds documents still `queued`/`indexing`
 * after their lease and enqueues them again — idempotently: the consumer claims only the
 * exact version, so a duplicate message is a no-op. A document past its attempt budget is
 * failed with its last error instead of looping forever.
 */
export function resumeStalledIngestTask(makeDeps: DepsFactory = defaultDeps): MaintenanceTask {
  return {
    name: "ingest.resume",
    async run(env, now) {
      const deps = makeDeps(env, now);
      const documents = createDocumentsRepo(deps.db);
      const stalled = await documents.stalled(now, SWEEP_LIMIT);
      const exhausted = stalled.filter((r) => r.attempts >= MAX_ATTEMPTS);
      const retry: DocKey[] = stalled.filter((r) => r.attempts < MAX_ATTEMPTS).map(keyOfRow);
      const pipeline = createIngestPipeline(deps);
      for (const row of exhausted) {
        const reason = new IngestError(
          "retries_exhausted",
          `No successful attempt after ${row.attempts} tries. Last error: ${row.error ?? "none recorded (the consumer stopped)"}`,
          true,
        );
        await pipeline.settleFailure(keyOfRow(row), toFailure(reason), {
          final: true,
          retryInSeconds: 0,
          attempts: row.attempts,
        });
      }
      const requeued = retry.length > 0 ? await documents.requeue(retry, now, now + REQUEUE_INTERVAL_MS) : [];
      await sendAll(
        deps.queue,
        requeued.map((k) => ({ kind: "ingest" as const, tenant: k.tenant, doc: k.doc, version: k.version })),
      );
      if (requeued.length > 0 || exhausted.length > 0) {
        log.info("resumed stalled ingestion", { requeued: requeued.length, failed: exhausted.length });
      }
      return { requeued: requeued.length, failed: exhausted.length };
    },
  };
}

/** Age after which an unreferenced pack row is certainly not an upload still in progress. */
const PACK_RECLAIM_AGE_MS = 60 * 60_000;

/**
 * Deletes upload packs no document references any more whose deletion failed earlier, and
 * packs written by uploads that died before their D1 batch committed.
 */
export function reclaimPacksTask(makeDeps: DepsFactory = defaultDeps): MaintenanceTask {
  return {
    name: "blobs.reclaim",
    async run(env, now) {
      const deps = makeDeps(env, now);
      const keys = (await createPacksRepo(deps.db).unreferenced(now - PACK_RECLAIM_AGE_MS, EXPIRE_LIMIT)).map(
        (p) => p.key,
      );
      return { reclaimed: await reclaimPacks(deps, keys) };
    },
  };
}

/** The documents feature's maintenance tasks, for the cron trigger. */
export function documentMaintenanceTasks(): MaintenanceTask[] {
  return [resumeStalledIngestTask(), expireDocumentsTask(), reclaimPacksTask()];
}
