import { newId } from "../lib/ids";
import { NO_ANSWER } from "../providers/local/extractive.generator";
import { estimateMessagesTokens } from "../providers/tokens";
import type { GenerateRequest, GenerateResult, Generator, Usage } from "../providers/types";
import type { MetadataFilter, Retriever, SearchHit } from "../retrieval/types";
import { type CitablePassage, type Citation, resolveCitations } from "./citations";
import { generateWithStop, streamWithStop } from "./generation";
import { type GuardFinding, guardText, redactPii } from "./guardrails";
import { pack } from "./packing";
import { buildMessages, type PromptMemory, TEMPLATE_VERSION } from "./prompt.templates";

/**
 * Grounded answers: retrieve, guard, pack within the token budget, prompt with a versioned
 * template, generate (whole or streamed), and cite only chunks that were in the prompt. When
 * retrieval finds nothing the generator is not called at all: the answer says the documents
 * do not say, rather than letting a model guess.
 */

/** What the service needs; every part is a port so tests hand in fakes. */
export interface AnswerDeps {
  retriever: Retriever;
  generator: Generator;
  /** Tokens of the prompt given to retrieved passages. */
  contextTokens: number;
  /** Output budget sent to the generator. */
  maxOutputTokens?: number;
  /** Called once per finished answer (query log); failures there never fail the answer. */
  record?: (entry: AnswerRecord) => Promise<void>;
  cache?: AnswerCache;
}

/** One answer request, already validated. */
export interface AnswerInput {
  tenantId: string;
  /** The question as the user asked it (what the answer is about). */
  query: string;
  /** What to retrieve with, when it differs from `query` (a condensed follow-up). */
  retrievalQuery?: string;
  topK: number;
  filter?: MetadataFilter;
  redactPii?: boolean;
  memory?: PromptMemory;
  sessionId?: string;
  /** query_log `kind`. */
  kind?: "answer" | "chat";
  /** Per-request generation parameters (the OpenAI-compatible surface passes them through). */
  generation?: GenerationOptions;
  /** Extra request facts for the query log's `params` (e.g. OpenAI `user`, `metadata`, `model`). */
  logParams?: Record<string, unknown>;
  signal?: AbortSignal;
}

/** Generation parameters a request may set; unset ones keep the generator's defaults. */
export interface GenerationOptions {
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  /** The answer ends before the first of these (see stop.ts). */
  stop?: string[];
}

/** A retrieved chunk as the API shows it (the SSE `chunks` event, `chunks` of the result). */
export interface ChunkView {
  chunk_id: string;
  document_id: string;
  title: string | null;
  text: string;
  score: number;
}

/** A finished answer. */
export interface AnswerResult {
  query_id: string;
  answer: string;
  citations: Citation[];
  /** False when the documents do not answer the question (then `citations` is empty). */
  grounded: boolean;
  provider: string;
  finish_reason: GenerateResult["finishReason"];
  usage: Usage;
  timings: Record<string, number>;
  template_version: string;
  /** The standalone query retrieval ran with, when it was condensed from a follow-up. */
  retrieval_query?: string;
  guardrails: { flagged: { chunk_id: string; kinds: string[] }[]; pii_redacted?: string[] };
  cached: boolean;
}

/** Streaming events: the chunks, text deltas, then one `done`. */
export type AnswerEvent =
  | { type: "chunks"; chunks: ChunkView[] }
  | { type: "delta"; text: string }
  | { type: "done"; result: AnswerResult };

/** What the query log stores per answer. */
export interface AnswerRecord {
  id: string;
  tenantId: string;
  kind: "answer" | "chat";
  query: string;
  sessionId?: string;
  params: Record<string, unknown>;
  resultIds: string[];
  answer: string;
  provider: string;
  templateVersion: string;
  latencyMs: number;
  usage: Usage;
}

/** Semantic answer cache port (see answers.cache.ts). */
export interface AnswerCache {
  get(tenantId: string, key: AnswerCacheKey): Promise<AnswerResult | undefined>;
  put(tenantId: string, key: AnswerCacheKey, result: AnswerResult): Promise<void>;
}

/** What makes two answers interchangeable. */
export interface AnswerCacheKey {
  query: string;
  topK: number;
  filter?: MetadataFilter;
  generator: string;
}

interface Prepared {
  passages: (CitablePassage & { score: number })[];
  request: GenerateRequest;
  chunks: ChunkView[];
  flagged: AnswerResult["guardrails"]["flagged"];
  timings: Record<string, number>;
}

/** Builds the answer service. */
export function createAnswerService(deps: AnswerDeps) {
  async function prepare(input: AnswerInput): Promise<Prepared> {
    const t0 = performance.now();
    const searched = await deps.retriever.search(input.tenantId, {
      query: input.retrievalQuery ?? input.query,
      topK: input.topK,
      mode: "hybrid",
      filter: input.filter,
      signal: input.signal,
    });
    const t1 = performance.now();
    const flagged: Prepared["flagged"] = [];
    const guarded = searched.results.map((hit) => guardHit(hit, flagged));
    const memoryTokens = estimateMessagesTokens([
      { content: input.memory?.summary ?? "" },
      { content: (input.memory?.facts ?? []).join("; ") },
      { content: (input.memory?.instructions ?? []).join("\n") },
      ...(input.memory?.recent ?? []),
    ]);
    const packed = pack(guarded, Math.max(0, deps.contextTokens - memoryTokens));
    const passages = packed.map((p) => ({ ...p.item, text: p.text }));
    // A condensed follow-up is the self-contained form of the question: answer that.
    const question = input.retrievalQuery ?? input.query;
    const messages = buildMessages(question, passages, input.memory);
    return {
      passages,
      flagged,
      chunks: passages.map((p) => ({
        chunk_id: p.chunkId,
        document_id: p.documentId,
        title: p.title,
        text: p.text,
        score: p.score,
      })),
      request: {
        messages,
        question,
        passages: passages.map((p) => ({
          id: p.chunkId,
          documentId: p.documentId,
          title: p.title,
          text: p.text,
        })),
        maxTokens: input.generation?.maxTokens ?? deps.maxOutputTokens,
        temperature: input.generation?.temperature,
        topP: input.generation?.topP,
        stop: input.generation?.stop,
        signal: input.signal,
      },
      timings: { retrieve: t1 - t0, pack: performance.now() - t1 },
    };
  }

  async function finish(
    input: AnswerInput,
    prep: Prepared,
    gen: GenerateResult,
    started: number,
    generateMs: number,
  ): Promise<AnswerResult> {
    const grounded = prep.passages.length > 0 && !gen.text.includes(NO_ANSWER);
    let text = grounded ? gen.text : NO_ANSWER;
    const citations = grounded ? resolveCitations(text, prep.passages, gen.citations) : [];
    const guardrails: AnswerResult["guardrails"] = { flagged: prep.flagged };
    if (input.redactPii) {
      const r = redactPii(text);
      text = r.text;
      guardrails.pii_redacted = r.kinds;
      for (const c of citations) c.quote = redactPii(c.quote).text;
    }
    const result: AnswerResult = {
      query_id: newId("q"),
      answer: text,
      citations,
      grounded: grounded && citations.length > 0,
      provider: gen.provider,
      finish_reason: gen.finishReason,
      usage: gen.usage,
      timings: { ...prep.timings, generate: generateMs, total: performance.now() - started },
      template_version: TEMPLATE_VERSION,
      ...(input.retrievalQuery && input.retrievalQuery !== input.query
        ? { retrieval_query: input.retrievalQuery }
        : {}),
      guardrails,
      cached: false,
    };
    await record(input, result);
    return result;
  }

  async function record(input: AnswerInput, result: AnswerResult): Promise<void> {
    if (!deps.record) return;
    try {
      await deps.record({
        id: result.query_id,
        tenantId: input.tenantId,
        kind: input.kind ?? "answer",
        query: input.query,
        sessionId: input.sessionId,
        params: {
          ...input.logParams,
          top_k: input.topK,
          ...(input.filter ? { filter: input.filter } : {}),
          ...(result.retrieval_query ? { retrieval_query: result.retrieval_query } : {}),
          ...(result.cached ? { cached: true } : {}),
        },
        resultIds: result.citations.map((c) => c.chunk_id),
        answer: result.answer,
        provider: result.provider,
        templateVersion: result.template_version,
        latencyMs: Math.round(result.timings.total ?? 0),
        usage: result.usage,
      });
    } catch {
      // The log is best effort: an answer already produced is never lost to it.
    }
  }

  function cacheKey(input: AnswerInput): AnswerCacheKey | undefined {
    // Session turns depend on history, so only stateless questions are cached.
    if (!deps.cache || input.memory || input.redactPii) return undefined;
    // Different generation parameters give different answers: they are part of the key.
    const generator = input.generation
      ? `${deps.generator.id}|${JSON.stringify(input.generation)}`
      : deps.generator.id;
    return { query: input.query, topK: input.topK, filter: input.filter, generator };
  }

  async function fromCache(input: AnswerInput, started: number): Promise<AnswerResult | undefined> {
    const key = cacheKey(input);
    if (!key || !deps.cache) return undefined;
    const hit = await deps.cache.get(input.tenantId, key);
    if (!hit) return undefined;
    const result: AnswerResult = {
      ...hit,
      query_id: newId("q"),
      cached: true,
      timings: { total: performance.now() - started },
    };
    await record(input, result);
    return result;
  }

  async function store(input: AnswerInput, result: AnswerResult): Promise<void> {
    const key = cacheKey(input);
    // A fallback's answer (the model was down) is not what the key promises: the next ask
    // should try the model again rather than get the stand-in for the cache's lifetime.
    const fromFallback = result.provider !== deps.generator.id;
    if (key && deps.cache && result.finish_reason !== "error" && !fromFallback)
      await deps.cache.put(input.tenantId, key, result);
  }

  function nothingFound(): GenerateResult {
    return {
      text: NO_ANSWER,
      provider: "none",
      usage: { input_tokens: 0, output_tokens: 0 },
      finishReason: "stop",
    };
  }

  return {
    /** Answers in one piece. */
    async answer(input: AnswerInput): Promise<AnswerResult> {
      const started = performance.now();
      const cached = await fromCache(input, started);
      if (cached) return cached;
      const prep = await prepare(input);
      const g0 = performance.now();
      const gen = prep.passages.length
        ? await generateWithStop(deps.generator, prep.request, input.generation?.stop)
        : nothingFound();
      const result = await finish(input, prep, gen, started, performance.now() - g0);
      await store(input, result);
      return result;
    },

    /** Answers as events; abort `input.signal` to stop generation. */
    async *stream(input: AnswerInput): AsyncGenerator<AnswerEvent> {
      const started = performance.now();
      const cached = await fromCache(input, started);
      if (cached) {
        yield { type: "chunks", chunks: [] };
        yield { type: "delta", text: cached.answer };
        yield { type: "done", result: cached };
        return;
      }
      const prep = await prepare(input);
      yield { type: "chunks", chunks: prep.chunks };
      const g0 = performance.now();
      let gen: GenerateResult | undefined;
      if (!prep.passages.length) {
        gen = nothingFound();
        yield { type: "delta", text: gen.text };
      } else {
        const deltas = streamWithStop(deps.generator, prep.request, input.generation?.stop);
        for (;;) {
          const next = await deltas.next();
          if (next.done) {
            gen = next.value;
            break;
          }
          // With PII redaction on, text is only released once whole (a match can span deltas).
          if (!input.redactPii) yield { type: "delta", text: next.value };
        }
      }
      if (!gen) throw new Error("generator stream ended without a result");
      const result = await finish(input, prep, gen, started, performance.now() - g0);
      // Redacted text was held back, so it goes out whole now. A model's own "not in the
      // documents" reply was already streamed: `done` carries the canonical wording, and
      // repeating it as a delta would print it twice.
      if (input.redactPii) yield { type: "delta", text: result.answer };
      await store(input, result);
      yield { type: "done", result };
    },
  };
}

/** The answer service type. */
export type AnswerService = ReturnType<typeof createAnswerService>;

function guardHit(
  hit: SearchHit,
  flagged: Prepared["flagged"],
): CitablePassage & { id: string; score: number } {
  const { text, findings } = guardText(hit.text);
  if (findings.length) flagged.push({ chunk_id: hit.chunkId, kinds: kindsOf(findings) });
  return {
    id: hit.chunkId,
    chunkId: hit.chunkId,
    documentId: hit.documentId,
    title: hit.title,
    text,
    score: hit.score,
  };
}

function kindsOf(findings: readonly GuardFinding[]): string[] {
  return [...new Set(findings.map((f) => f.kind))];
}
