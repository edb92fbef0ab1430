import { AppError } from "../http/errors";
import { log } from "../observability/log";
import { EMBEDDER_MISMATCH, type EmbedderIdentity } from "../vectors";
import { PURGE_IDS_PER_MESSAGE, VECTOR_DELETE_BATCH } from "./ingest.config";
import type { IngestDeps } from "./ingest.deps";
import { sendAll } from "./ingest.messages";

/**
 * Deletes a tenant's vectors by id, in calls of at most 100 ids (Vectorize's limit). The
 * index only opens with the embedder the tenant's vectors were made with (409
 * embedder_mismatch otherwise), so the handle uses `embedder` when the caller knows it (it
 * just wrote with it) and the recorded one when not, or when the embedder has changed since:
 * deleting must work whatever the configuration says. Throws on failure.
 */
export async function deleteVectorsNow(
  deps: Pick<IngestDeps, "vectors">,
  tenantId: string,
  ids: readonly string[],
  embedder?: EmbedderIdentity,
): Promise<void> {
  if (ids.length === 0) return;
  const recordedIndex = async () => {
    const recorded = await deps.vectors.recorded(tenantId);
    return recorded ? deps.vectors.index(tenantId, recorded) : null;
  };
  let index = embedder ? deps.vectors.index(tenantId, embedder) : await recordedIndex();
  for (let i = 0; index && i < ids.length; i += VECTOR_DELETE_BATCH) {
    const group = ids.slice(i, i + VECTOR_DELETE_BATCH);
    try {
      await index.deleteByIds(group);
    } catch (err) {
      if (!(embedder && err instanceof AppError && err.code === EMBEDDER_MISMATCH)) throw err;
      embedder = undefined;
      index = await recordedIndex();
      await index?.deleteByIds(group);
    }
  }
}

/**
 * Deletes vectors after their D1 rows are already gone. A vector index outage must not undo
 * a D1 change that committed, so ids that could not be deleted are handed to the queue as
 * `purge` messages and retried there with the queue's backoff; only if even that fails are
 * they logged (orphans: search drops vector hits without a chunk row).
 */
export async function deleteVectors(
  deps: Pick<IngestDeps, "vectors" | "queue">,
  tenantId: string,
  ids: readonly string[],
  embedder?: EmbedderIdentity,
): Promise<void> {
  if (ids.length === 0) return;
  try {
    await deleteVectorsNow(deps, tenantId, ids, embedder);
    return;
  } catch (err) {
    log.warn("vector delete failed; retrying through the queue", {
      tenant_id: tenantId,
      ids: ids.length,
      err,
    });
  }
  const messages = [];
  for (let i = 0; i < ids.length; i += PURGE_IDS_PER_MESSAGE) {
    messages.push({ kind: "purge" as const, tenant: tenantId, ids: ids.slice(i, i + PURGE_IDS_PER_MESSAGE) });
  }
  try {
    await sendAll(deps.queue, messages);
  } catch (err) {
    log.error("could not schedule vector purge; vectors orphaned", { tenant_id: tenantId, ids, err });
  }
}
