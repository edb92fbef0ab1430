import { z } from "zod";
import { QUEUE_SEND_BATCH } from "./ingest.config";

/**
 * Queue message bodies. Messages carry ids, never document bodies: a Queues message is at
 * most 128 KB, and the body is already durable in R2 with its row in D1.
 */
export const IngestMessage = z.discriminatedUnion("kind", [
  /** Index version `version` of a document. */
  z.object({
    kind: z.literal("ingest"),
    tenant: z.string().min(1),
    doc: z.string().min(1),
    version: z.number().int().positive(),
  }),
  /** Enqueue the next page of a tenant-wide reindex job's documents (fan-out keeps each step small). */
  z.object({
    kind: z.literal("fanout"),
    tenant: z.string().min(1),
    job: z.string().min(1),
    after: z.string(),
  }),
  /** Delete vectors whose rows are already gone (a failed delete, retried through the queue). */
  z.object({
    kind: z.literal("purge"),
    tenant: z.string().min(1),
    ids: z.array(z.string()).min(1),
  }),
]);

/** A decoded queue message. */
export type IngestMessage = z.infer<typeof IngestMessage>;
/** The `ingest` variant. */
export type IngestDocMessage = Extract<IngestMessage, { kind: "ingest" }>;

/** What a dead-lettered message carries: the original body plus why it died, when known. */
export interface DeadLetter {
  message: unknown;
  error?: { code: string; message: string };
  attempts?: number;
}

/** The Queues producer operations used (a `Queue` binding satisfies it). */
export interface MessageQueue {
  send(body: IngestMessage, options?: QueueSendOptions): Promise<unknown>;
  sendBatch(
    messages: Iterable<MessageSendRequest<IngestMessage>>,
    options?: QueueSendBatchOptions,
  ): Promise<unknown>;
}

/** The dead-letter producer (the INGEST_DLQ binding). */
export interface DeadLetterQueue {
  send(body: DeadLetter): Promise<unknown>;
}

/** Sends messages in groups of at most 100 (the `sendBatch` limit). */
export async function sendAll(queue: MessageQueue, messages: readonly IngestMessage[]): Promise<void> {
  for (let i = 0; i < messages.length; i += QUEUE_SEND_BATCH) {
    await queue.sendBatch(messages.slice(i, i + QUEUE_SEND_BATCH).map((body) => ({ body })));
  }
}
