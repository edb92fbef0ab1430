import type { Db } from "../db/client";
import { queryLog } from "../db/schema";
import type { AnswerRecord } from "./answers.service";

/** Writes answers and chat turns to `query_log` (with the prompt template version). */
export function createQueryLogRepo(db: Db) {
  return {
    /** Inserts one row. */
    async insert(r: AnswerRecord): Promise<void> {
      await db
        .insert(queryLog)
        .values({
          id: r.id,
          tenantId: r.tenantId,
          kind: r.kind,
          query: r.query,
          sessionId: r.sessionId ?? null,
          params: JSON.stringify(r.params),
          resultIds: JSON.stringify(r.resultIds),
          answer: r.answer,
          provider: r.provider,
          templateVersion: r.templateVersion,
          latencyMs: r.latencyMs,
          usage: JSON.stringify(r.usage),
        })
        .run();
    },
  };
}
