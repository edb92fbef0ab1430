import { log } from "../observability/log";
import { PURGE_IDS_PER_MESSAGE, VECTOR_DELETE_BATCH } from "./ingest.config";
import type { IngestDeps } from "./ingest.deps";
import { sendAll } from "./ingest.messages";

/**
 * Deletes vectors by id. A vector index outage must not undo a D1 change that already
 * committed, so ids that could not be deleted are handed to the queue as `purge` messages
 * and retried there with the queue's backoff; only if even that fails are they logged.
 */
export async function deleteVectors(
  deps: Pick<IngestDeps, "vectors" | "queue">,
  tenantId: string,
  ids: readonly string[],
): Promise<void> {
  const index = deps.vectors;
  if (!index || ids.length === 0) return;
  const leftover: string[] = [];
  for (let i = 0; i < ids.length; i += VECTOR_DELETE_BATCH) {
    const group = ids.slice(i, i + VECTOR_DELETE_BATCH);
    try {
      await index.deleteByIds(group);
    } catch (err) {
      log.warn("vector delete failed; retrying through the queue", {
        tenant_id: tenantId,
        ids: group.length,
        err,
      });
      leftover.push(...group);
    }
  }
  if (leftover.length === 0) return;
  const messages = [];
  for (let i = 0; i < leftover.length; i += PURGE_IDS_PER_MESSAGE) {
    messages.push({
      kind: "purge" as const,
      tenant: tenantId,
      ids: leftover.slice(i, i + PURGE_IDS_PER_MESSAGE),
    });
  }
  try {
    await sendAll(deps.queue, messages);
  } catch (err) {
    log.error("could not schedule vector purge; vectors orphaned", {
      tenant_id: tenantId,
      ids: leftover,
      err,
    });
  }
}
