import type { AnswerEvent, AnswerInput, AnswerResult, AnswerService } from "../answers/answers.service";
import { TEMPLATE_VERSION } from "../answers/prompt.templates";
import { fail } from "../http/errors";
import { newId } from "../lib/ids";
import type { SessionFact } from "./condense";
import { type Condenser, condenseLog, ruleCondenser } from "./condenser";
import { asChat, recallFact } from "./memory";
import type { SessionMessage, TurnContext, TurnReply } from "./session.types";

/**
 * A chat turn: the SessionMemory object serialises turns and supplies memory; the follow-up is
 * condensed into a standalone query using the previous question and stated facts; the answer
 * service retrieves and answers; both messages are stored with citations. A question about a
 * stated fact ("what is my project?") is answered from memory without retrieval.
 */

/** The subset of the SessionMemory stub a turn uses (a fake in unit tests). */
export interface SessionTurnStore {
  beginTurn(content: string): Promise<TurnContext | null>;
  setRetrievalQuery(turnId: string, query: string): Promise<void> | void;
  completeTurn(turnId: string, reply: TurnReply): Promise<SessionMessage | null>;
  abortTurn(turnId: string): Promise<void> | void;
}

/** A turn's input. */
export interface TurnInput {
  tenantId: string;
  sessionId: string;
  content: string;
  topK: number;
  filter?: AnswerInput["filter"];
  redactPii?: boolean;
  /** Generation parameters passed to the answer (OpenAI-compatible requests). */
  generation?: AnswerInput["generation"];
  /** The application's instructions (OpenAI system messages). */
  instructions?: readonly string[];
  /** Extra facts for the query log (see AnswerInput.logParams). */
  logParams?: Record<string, unknown>;
  signal?: AbortSignal;
}

/** A finished turn: the answer plus the stored message ids. */
export type TurnResult = AnswerResult & {
  session_id: string;
  user_message_id: string;
  message_id: string | null;
  memory?: { fact: SessionFact };
};

/** A turn's events: the answer's chunks and deltas, then `done` with the turn result. */
export type TurnEvent = Exclude<AnswerEvent, { type: "done" }> | { type: "done"; result: TurnResult };

/** Dependencies of a turn. */
export interface TurnDeps {
  store: SessionTurnStore;
  answers: AnswerService;
  /** Rewrites follow-ups into standalone queries; the rules when absent. */
  condenser?: Condenser;
}

/** Runs one turn and returns its result. */
export async function runTurn(deps: TurnDeps, input: TurnInput): Promise<TurnResult> {
  let result: TurnResult | undefined;
  for await (const e of streamTurn(deps, input)) if (e.type === "done") result = e.result;
  if (!result) throw new Error("turn ended without a result");
  return result;
}

/** Runs one turn as answer events; the `done` result carries the stored message ids. */
export async function* streamTurn(deps: TurnDeps, input: TurnInput): AsyncGenerator<TurnEvent> {
  const ctx = await deps.store.beginTurn(input.content);
  if (!ctx) throw sessionNotFound(input.sessionId);
  let completed = false;
  try {
    const fact = recallFact(input.content, ctx.facts);
    let answer: AnswerResult | undefined;
    if (fact) {
      answer = fromMemory(fact);
      yield { type: "chunks", chunks: [] };
      yield { type: "delta", text: answer.answer };
    } else {
      const condensed = await (deps.condenser ?? ruleCondenser()).condense({
        query: input.content,
        previous: ctx.previousQuery,
        facts: ctx.facts,
        recent: asChat(ctx.recent),
        signal: input.signal,
      });
      const standalone = condensed.query;
      await deps.store.setRetrievalQuery(ctx.turnId, standalone);
      for await (const e of deps.answers.stream({
        tenantId: input.tenantId,
        query: input.content,
        retrievalQuery: standalone,
        topK: input.topK,
        filter: input.filter,
        redactPii: input.redactPii,
        sessionId: input.sessionId,
        kind: "chat",
        memory: {
          summary: ctx.summary || undefined,
          facts: ctx.facts.map((f) => `${f.key}: ${f.value}`),
          recent: asChat(ctx.recent),
          instructions: input.instructions,
        },
        generation: input.generation,
        logParams: { ...input.logParams, ...condenseLog(condensed) },
        signal: input.signal,
      })) {
        if (e.type === "done") answer = e.result;
        else yield e;
      }
    }
    if (!answer) throw new Error("answer stream ended without a result");
    const stored = await deps.store.completeTurn(ctx.turnId, {
      content: answer.answer,
      citations: answer.citations,
      queryId: answer.query_id,
    });
    completed = true;
    yield {
      type: "done",
      result: {
        ...answer,
        session_id: input.sessionId,
        user_message_id: ctx.userMessage.id,
        message_id: stored?.id ?? null,
        ...(fact ? { memory: { fact } } : {}),
      },
    };
  } finally {
    if (!completed) await deps.store.abortTurn(ctx.turnId);
  }
}

/** The 404 for a session that does not exist for this tenant (or expired). */
export function sessionNotFound(id: string) {
  return fail.notFound(
    `Session "${id}" does not exist (or expired). Create one with POST /v1/sessions.`,
    "session_not_found",
  );
}

function fromMemory(fact: SessionFact): AnswerResult {
  return {
    query_id: newId("q"),
    answer: `Earlier in this conversation you said your ${fact.key} is ${fact.value}.`,
    citations: [],
    grounded: false,
    provider: "session-memory",
    finish_reason: "stop",
    usage: { input_tokens: 0, output_tokens: 0 },
    timings: { total: 0 },
    template_version: TEMPLATE_VERSION,
    guardrails: { flagged: [] },
    cached: false,
  };
}
