import { createDb } from "../db/client";
import { type AppError, fail } from "../http/errors";
import { findChoice, type ModelChoice } from "../providers/choices";
import { resolveProviders } from "../providers/resolve";
import { tenantRetriever } from "../retrieval/index";
import { type Condenser, modelCondenser, ruleCondenser } from "../sessions/condenser";
import { createAnswerCache } from "./answers.cache";
import { type AnswerService, createAnswerService } from "./answers.service";
import { createQueryLogRepo } from "./query-log.repo";

/**
 * Prompt tokens given to retrieved passages. Sized for 8k-context models with room for the
 * system prompt, session memory and a 1k-token answer.
 */
export const ANSWER_CONTEXT_TOKENS = 4000;

/** Options of {@link answerServiceFor}. */
export interface AnswerWiring {
  /** `ctx.waitUntil`, so usage and cache writes happen after the response. */
  waitUntil?: (work: Promise<unknown>) => void;
  /** A generator the request named (`generator` / OpenAI `model`); default: the configured chain. */
  generator?: string;
  /** The error for a name that is not a configured generator (default 400 `unknown_generator`). */
  unknownGenerator?: (name: string, available: string[]) => AppError;
}

/** The 400 for a `generator` that is not one of the tenant's configured generators. */
export function unknownGenerator(name: string, available: string[]): AppError {
  return fail.badRequest(
    `"${name}" is not a generator configured for this tenant. Use one of: ${available.join(", ")} (GET /v1/models lists them).`,
    "unknown_generator",
  );
}

/** Wires the answer service for one tenant's request from the Worker's bindings. */
export async function answerServiceFor(
  env: Env,
  tenantId: string,
  wiring: AnswerWiring = {},
): Promise<{ service: AnswerService; generatorSpec: string; model: ModelChoice; condenser: Condenser }> {
  const { waitUntil } = wiring;
  const db = createDb(env.DB);
  const providers = await resolveProviders({ env, db, tenantId, waitUntil });
  const choices = providers.choices.generator;
  const model = wiring.generator === undefined ? choices[0] : findChoice(choices, wiring.generator);
  if (!model) {
    throw (wiring.unknownGenerator ?? unknownGenerator)(
      wiring.generator ?? "",
      choices.map((c) => c.id),
    );
  }
  const generator = providers.pickGenerator(model);
  const log = createQueryLogRepo(db);
  const service = createAnswerService({
    retriever: await tenantRetriever(env, tenantId, waitUntil),
    generator,
    contextTokens: ANSWER_CONTEXT_TOKENS,
    // Awaited, not deferred: the answer's query_id must be ratable (POST /v1/feedback) the
    // moment the client has it. One D1 insert; the service swallows its failure.
    record: (r) => log.insert(r),
    cache: createAnswerCache(db, { ttlSeconds: Number(env.ANSWER_CACHE_TTL_SECONDS ?? 3600) }),
  });
  // Follow-ups are rewritten by the model when there is one; the extractive generator cannot.
  const condenser = model.specs.some((s) => s.kind !== "local") ? modelCondenser(generator) : ruleCondenser();
  return { service, generatorSpec: model.specs.map((s) => s.id).join(","), model, condenser };
}
