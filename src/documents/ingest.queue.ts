import { log } from "../observability/log";
import { createIngestConsumer, INGEST_DLQ_NAME, INGEST_QUEUE_NAME } from "./ingest.consumer";
import { createIngestDeps } from "./ingest.deps";

/** The Worker's `queue` handler: routes a batch to the ingest consumer or the dead-letter consumer. */
export async function handleQueueBatch(
  batch: MessageBatch<unknown>,
  env: Env,
  ctx?: ExecutionContext,
): Promise<void> {
  // Usage and embedding-cache writes of the provider layer may finish after the batch is acked.
  const consumer = createIngestConsumer(
    createIngestDeps(env, {}, ctx ? (work) => ctx.waitUntil(work) : undefined),
  );
  if (batch.queue === INGEST_QUEUE_NAME) return consumer.handle(batch);
  if (batch.queue === INGEST_DLQ_NAME) return consumer.handleDeadLetters(batch);
  log.error("batch from an unknown queue; retrying it", { queue: batch.queue });
  batch.retryAll();
}
