import { createDb } from "../db/client";
import { resolveProviders } from "../providers/resolve";
import { tenantRetriever } from "../retrieval/index";
import { createAnswerCache } from "./answers.cache";
import { type AnswerService, createAnswerService } from "./answers.service";
import { createQueryLogRepo } from "./query-log.repo";

/**
 * Prompt tokens given to retrieved passages. Sized for 8k-context models with room for the
 * system prompt, session memory and a 1k-token answer.
 */
export const ANSWER_CONTEXT_TOKENS = 4000;

/** Wires the answer service for one tenant's request from the Worker's bindings. */
export async function answerServiceFor(
  env: Env,
  tenantId: string,
  waitUntil?: (work: Promise<unknown>) => void,
): Promise<{ service: AnswerService; generatorSpec: string }> {
  const db = createDb(env.DB);
  const providers = await resolveProviders({ env, db, tenantId, waitUntil });
  const log = createQueryLogRepo(db);
  const service = createAnswerService({
    retriever: await tenantRetriever(env, tenantId, waitUntil),
    generator: providers.generator,
    contextTokens: ANSWER_CONTEXT_TOKENS,
    record: async (r) => {
      const write = log.insert(r);
      if (waitUntil) waitUntil(write.catch(() => undefined));
      else await write;
    },
    cache: createAnswerCache(db, { ttlSeconds: Number(env.ANSWER_CACHE_TTL_SECONDS ?? 3600) }),
  });
  return { service, generatorSpec: providers.specs.generator };
}
