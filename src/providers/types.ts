/**
 * Ports for model providers. Adapters (local, Workers AI, OpenAI-compatible, Hugging Face)
 * implement these; callers never know which one answered except through `provider`.
 */

/** Token accounting reported by every call. Estimates are allowed where a provider reports none. */
export interface Usage {
  input_tokens: number;
  output_tokens: number;
}

/** Options common to every model call. */
export interface CallOptions {
  signal?: AbortSignal;
}

/** A provider in a fallback chain that failed before another one answered. */
export interface FallbackNote {
  /** The provider spec that failed, e.g. `openai:llama3.2@http://127.0.0.1:11434/v1`. */
  provider: string;
  /** Stable failure kind, e.g. `timeout`, `rate_limited`, `server_error`, `circuit_open`. */
  error: string;
}

/** Options for {@link Embedder.embed}. */
export interface EmbedOptions extends CallOptions {
  /** Some models embed queries and documents differently (e.g. bge's query instruction). */
  kind?: "query" | "document";
}

/** Result of an embedding call: one vector per input, in input order. */
export interface EmbedResult {
  vectors: Float32Array[];
  /** The provider spec that produced the vectors, e.g. `local:hash-384`. */
  provider: string;
  usage: Usage;
  /** Providers of the fallback chain that failed first (absent when the first one answered). */
  fallbacks?: FallbackNote[];
  /** How many of the texts came from the embedding cache (absent when no cache is in front). */
  cached?: number;
}

/** Turns text into vectors. Vectors from different `id`s are not comparable. */
export interface Embedder {
  /** Stable identity recorded with an index, e.g. `workers-ai:@cf/baai/bge-base-en-v1.5`. */
  readonly id: string;
  /** Vector length; 0 only for an unknown remote model before its first answer (then the vectors' length). */
  readonly dimensions: number;
  /**
   * Changes whenever the same `id` would produce different vectors (e.g. a new version of the
   * local hashing algorithm). Indexes and caches should key on `id` + `revision`.
   */
  readonly revision?: string;
  /** Embeds any number of texts; implementations batch to their provider's limits. */
  embed(texts: readonly string[], options?: EmbedOptions): Promise<EmbedResult>;
}

/** Result of a rerank call: one relevance score per document, in input order (higher is better). */
export interface RerankResult {
  scores: number[];
  provider: string;
  usage: Usage;
  fallbacks?: FallbackNote[];
}

/** Scores (query, document) pairs. */
export interface Reranker {
  readonly id: string;
  rerank(query: string, documents: readonly string[], options?: CallOptions): Promise<RerankResult>;
}

/** A chat message as sent to chat-completion models. */
export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

/** A retrieved passage the answer must be grounded in. */
export interface GroundingPassage {
  /** Chunk id. */
  id: string;
  documentId: string;
  title?: string | null;
  text: string;
}

/** A citation produced by a generator that knows which passage it used. */
export interface GeneratedCitation {
  passageId: string;
  quote: string;
}

/**
 * A generation request. Model-backed generators use `messages` (built from versioned
 * prompt templates); the local extractive generator works from `question` + `passages`.
 */
export interface GenerateRequest extends CallOptions {
  messages: ChatMessage[];
  question: string;
  passages: GroundingPassage[];
  maxTokens?: number;
  temperature?: number;
  /** Nucleus sampling; sent to model servers that take it. */
  topP?: number;
  /** Stop sequences; sent to model servers that take them (the answer service applies them too). */
  stop?: string[];
}

/** A finished generation. */
export interface GenerateResult {
  text: string;
  provider: string;
  usage: Usage;
  finishReason: "stop" | "length" | "error";
  /** Present when the generator itself knows the sources (extractive); else derived by the caller. */
  citations?: GeneratedCitation[];
  fallbacks?: FallbackNote[];
}

/** Streaming events: text deltas, then exactly one `done`. */
export type GenerateEvent = { type: "delta"; text: string } | { type: "done"; result: GenerateResult };

/** Produces answers. */
export interface Generator {
  readonly id: string;
  generate(request: GenerateRequest): Promise<GenerateResult>;
  stream(request: GenerateRequest): AsyncIterable<GenerateEvent>;
}
