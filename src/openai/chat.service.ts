import type { AnswerInput, AnswerResult, AnswerService, GenerationOptions } from "../answers/answers.service";
import type { MetadataFilter } from "../retrieval/types";
import { condense } from "../sessions/condense";
import { type Condenser, condenseLog } from "../sessions/condenser";
import { DEFAULT_MEMORY_BUDGET, recentWithin } from "../sessions/memory";
import { type SessionTurnStore, streamTurn, type TurnResult } from "../sessions/sessions.service";
import { type Conversation, type IncomingMessage, toConversation } from "./chat.conversation";

/**
 * Chat completions as RAG: the conversation's last user message is the question, condensed
 * with the earlier turns into a standalone query (the model rewrites it when the generator is
 * a model, else the rules do), answered by the answer service over the tenant's documents,
 * and returned in OpenAI's `chat.completion` / `chat.completion.chunk` shapes with the
 * citations alongside. With an edgerag `session_id` the session's memory stands in for the
 * earlier messages and the turn is stored like any session turn.
 */

/** What a chat completion needs; ports, so tests can hand in fakes. */
export interface ChatDeps {
  answers: AnswerService;
  condenser: Condenser;
  /** The session's store, when the request names a `session_id`. */
  session?: { id: string; store: SessionTurnStore };
}

/** A validated chat completion request, as the service reads it. */
export interface ChatInput {
  tenantId: string;
  /** The model id to echo back (the resolved choice). */
  model: string;
  messages: readonly IncomingMessage[];
  topK: number;
  filter?: MetadataFilter;
  generation?: GenerationOptions;
  /** Request facts kept in the query log (`model`, OpenAI `user` and `metadata`). */
  logParams?: Record<string, unknown>;
  /** Send a last chunk with usage before `[DONE]` (`stream_options.include_usage`). */
  includeUsage?: boolean;
  signal?: AbortSignal;
}

/** Token usage in OpenAI's names. */
export interface ChatUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** edgerag's additions to a completion. */
export interface ChatExtras {
  query_id: string;
  grounded: boolean;
  provider: string;
  retrieval_query?: string;
  cached: boolean;
  session_id?: string;
}

/** OpenAI's `chat.completion`, plus `citations` and `edgerag`. */
export interface ChatCompletion {
  id: string;
  object: "chat.completion";
  created: number;
  model: string;
  system_fingerprint: null;
  choices: {
    index: 0;
    message: { role: "assistant"; content: string; refusal: null };
    logprobs: null;
    finish_reason: "stop" | "length";
  }[];
  usage: ChatUsage;
  citations: AnswerResult["citations"];
  edgerag: ChatExtras;
}

/** OpenAI's `chat.completion.chunk`; the final one carries `citations` and `edgerag`. */
export interface ChatCompletionChunk {
  id: string;
  object: "chat.completion.chunk";
  created: number;
  model: string;
  system_fingerprint: null;
  choices: {
    index: 0;
    delta: { role?: "assistant"; content?: string };
    logprobs: null;
    finish_reason: "stop" | "length" | null;
  }[];
  usage?: ChatUsage | null;
  citations?: AnswerResult["citations"];
  edgerag?: ChatExtras;
}

/** The whole answer as one `chat.completion`. */
export async function completeChat(deps: ChatDeps, input: ChatInput): Promise<ChatCompletion> {
  let result: AnswerResult | undefined;
  for await (const e of answerEvents(deps, input)) if (e.type === "done") result = e.result;
  if (!result) throw new Error("chat completion ended without a result");
  const created = nowSeconds();
  return {
    id: completionId(result),
    object: "chat.completion",
    created,
    model: input.model,
    system_fingerprint: null,
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: result.answer, refusal: null },
        logprobs: null,
        finish_reason: finishReason(result),
      },
    ],
    usage: usageOf(result),
    citations: result.citations,
    edgerag: extrasOf(result, deps),
  };
}

/**
 * The answer as `chat.completion.chunk`s: the role first (before retrieval, so clients see the
 * stream open at once), content deltas, a last chunk with `finish_reason` and the citations,
 * and with `includeUsage` a usage chunk with no choices (every earlier chunk has `usage: null`,
 * as OpenAI does). The `[DONE]` sentinel is the transport's job.
 */
export async function* streamChat(deps: ChatDeps, input: ChatInput): AsyncGenerator<ChatCompletionChunk> {
  // The query id is only known at the end; the stream's id must be stable from the first chunk.
  const id = `chatcmpl-${crypto.randomUUID().replaceAll("-", "")}`;
  const created = nowSeconds();
  const usageField = input.includeUsage ? { usage: null } : {};
  const chunk = (
    delta: ChatCompletionChunk["choices"][0]["delta"],
    finish: ChatCompletionChunk["choices"][0]["finish_reason"] = null,
  ): ChatCompletionChunk => ({
    id,
    object: "chat.completion.chunk",
    created,
    model: input.model,
    system_fingerprint: null,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    ...usageField,
  });
  yield chunk({ role: "assistant", content: "" });
  for await (const e of answerEvents(deps, input)) {
    if (e.type === "delta") {
      if (e.text) yield chunk({ content: e.text });
    } else if (e.type === "done") {
      yield {
        ...chunk({}, finishReason(e.result)),
        citations: e.result.citations,
        edgerag: extrasOf(e.result, deps),
      };
      if (input.includeUsage) {
        yield {
          id,
          object: "chat.completion.chunk",
          created,
          model: input.model,
          system_fingerprint: null,
          choices: [],
          usage: usageOf(e.result),
        };
      }
    }
  }
}

type Event = { type: "chunks" } | { type: "delta"; text: string } | { type: "done"; result: AnswerResult };

/** The answer's events, through the session when there is one. */
async function* answerEvents(deps: ChatDeps, input: ChatInput): AsyncGenerator<Event> {
  const conversation = toConversation(input.messages);
  if (deps.session) {
    const events = streamTurn(
      { store: deps.session.store, answers: deps.answers, condenser: deps.condenser },
      {
        tenantId: input.tenantId,
        sessionId: deps.session.id,
        content: conversation.question,
        topK: input.topK,
        filter: input.filter,
        generation: input.generation,
        instructions: conversation.instructions,
        logParams: input.logParams,
        signal: input.signal,
      },
    );
    for await (const e of events)
      yield e.type === "done" ? { type: "done", result: e.result as TurnResult } : e;
    return;
  }
  yield* deps.answers.stream(await answerInput(deps, input, conversation));
}

/** The answer request of a stateless conversation: the condensed question and the recent turns. */
async function answerInput(deps: ChatDeps, input: ChatInput, conv: Conversation): Promise<AnswerInput> {
  // Earlier questions are condensed by the rules, each against its predecessor, so the last
  // one's `previous` is itself standalone; only the question being asked may go to a model.
  let previous: string | undefined;
  for (const m of conv.history) if (m.role === "user") previous = condense(m.content, previous);
  const recent = recentWithin(
    conv.history.map((m, seq) => ({ ...m, seq })),
    DEFAULT_MEMORY_BUDGET.recentTokens,
  ).map(({ role, content }) => ({ role, content }));
  const condensed = await deps.condenser.condense({
    query: conv.question,
    previous,
    facts: [],
    recent,
    signal: input.signal,
  });
  const retrievalQuery = condensed.query;
  const hasMemory = recent.length > 0 || conv.instructions.length > 0;
  return {
    tenantId: input.tenantId,
    query: conv.question,
    retrievalQuery,
    topK: input.topK,
    filter: input.filter,
    generation: input.generation,
    logParams: { ...input.logParams, ...condenseLog(condensed) },
    kind: "chat",
    ...(hasMemory ? { memory: { recent, instructions: conv.instructions } } : {}),
    signal: input.signal,
  };
}

function finishReason(r: AnswerResult): "stop" | "length" {
  return r.finish_reason === "length" ? "length" : "stop";
}

function usageOf(r: AnswerResult): ChatUsage {
  return {
    prompt_tokens: r.usage.input_tokens,
    completion_tokens: r.usage.output_tokens,
    total_tokens: r.usage.input_tokens + r.usage.output_tokens,
  };
}

function extrasOf(r: AnswerResult, deps: ChatDeps): ChatExtras {
  return {
    query_id: r.query_id,
    grounded: r.grounded,
    provider: r.provider,
    ...(r.retrieval_query ? { retrieval_query: r.retrieval_query } : {}),
    cached: r.cached,
    ...(deps.session ? { session_id: deps.session.id } : {}),
  };
}

function completionId(r: AnswerResult): string {
  return `chatcmpl-${r.query_id}`;
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
