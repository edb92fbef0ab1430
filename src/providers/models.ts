/**
 * What edgerag knows about embedding models, whoever serves them: vector size, input limit,
 * and the query/document prefixes the model was trained with. The same model served by
 * Workers AI, TEI, Ollama or vLLM shares one entry, which is what lets an embeddings chain
 * fall back between providers without mixing incomparable vectors.
 */

/** Facts about one embedding model. */
export interface EmbeddingModelInfo {
  /** Canonical model key shared by every provider serving it, e.g. `bge-base-en-v1.5`. */
  key: string;
  dimensions: number;
  /** Longest input in model tokens; longer texts are clipped before sending. */
  maxInputTokens: number;
  /** Prepended to queries (retrieval instruction), e.g. bge's "Represent this sentence…". */
  queryPrefix?: string;
  /** Prepended to documents, e.g. nomic's `search_document: `. */
  documentPrefix?: string;
}

// BAAI's published retrieval instruction for the v1.5 English models (optional but helps short queries).
const BGE_QUERY = "Represent this sentence for searching relevant passages: ";

const KNOWN: EmbeddingModelInfo[] = [
  { key: "bge-small-en-v1.5", dimensions: 384, maxInputTokens: 512, queryPrefix: BGE_QUERY },
  { key: "bge-base-en-v1.5", dimensions: 768, maxInputTokens: 512, queryPrefix: BGE_QUERY },
  { key: "bge-large-en-v1.5", dimensions: 1024, maxInputTokens: 512, queryPrefix: BGE_QUERY },
  { key: "bge-m3", dimensions: 1024, maxInputTokens: 8192 },
  {
    key: "nomic-embed-text",
    dimensions: 768,
    maxInputTokens: 8192,
    queryPrefix: "search_query: ",
    documentPrefix: "search_document: ",
  },
  {
    key: "nomic-embed-text-v1.5",
    dimensions: 768,
    maxInputTokens: 8192,
    queryPrefix: "search_query: ",
    documentPrefix: "search_document: ",
  },
  { key: "mxbai-embed-large", dimensions: 1024, maxInputTokens: 512, queryPrefix: BGE_QUERY },
  { key: "mxbai-embed-large-v1", dimensions: 1024, maxInputTokens: 512, queryPrefix: BGE_QUERY },
  { key: "all-minilm", dimensions: 384, maxInputTokens: 256 },
  { key: "all-minilm-l6-v2", dimensions: 384, maxInputTokens: 256 },
  {
    key: "e5-small-v2",
    dimensions: 384,
    maxInputTokens: 512,
    queryPrefix: "query: ",
    documentPrefix: "passage: ",
  },
  {
    key: "e5-base-v2",
    dimensions: 768,
    maxInputTokens: 512,
    queryPrefix: "query: ",
    documentPrefix: "passage: ",
  },
  {
    key: "e5-large-v2",
    dimensions: 1024,
    maxInputTokens: 512,
    queryPrefix: "query: ",
    documentPrefix: "passage: ",
  },
  {
    key: "multilingual-e5-large",
    dimensions: 1024,
    maxInputTokens: 512,
    queryPrefix: "query: ",
    documentPrefix: "passage: ",
  },
  { key: "text-embedding-3-small", dimensions: 1536, maxInputTokens: 8191 },
  { key: "text-embedding-3-large", dimensions: 3072, maxInputTokens: 8191 },
  { key: "text-embedding-ada-002", dimensions: 1536, maxInputTokens: 8191 },
];
const BY_KEY = new Map(KNOWN.map((m) => [m.key, m]));

/** Workers AI embedding models edgerag supports out of the box (Workers AI model id → key). */
export const WORKERS_AI_EMBEDDING_MODELS: Readonly<Record<string, string>> = {
  "@cf/baai/bge-small-en-v1.5": "bge-small-en-v1.5",
  "@cf/baai/bge-base-en-v1.5": "bge-base-en-v1.5",
  "@cf/baai/bge-large-en-v1.5": "bge-large-en-v1.5",
  "@cf/baai/bge-m3": "bge-m3",
};

/**
 * Canonical key of a model name as any provider spells it: the last path segment, lower-cased,
 * without Ollama's `:latest` tag. `@cf/baai/bge-base-en-v1.5`, `BAAI/bge-base-en-v1.5` and
 * `bge-base-en-v1.5:latest` all become `bge-base-en-v1.5`; other tags (`:q8_0`) are kept
 * because a different quantisation is a different set of vectors.
 */
export function canonicalModelKey(model: string): string {
  const last = model.split("/").pop() ?? model;
  return last.toLowerCase().replace(/:latest$/, "");
}

/** Known facts for a model name, or undefined for models edgerag has no table entry for. */
export function embeddingModelInfo(model: string): EmbeddingModelInfo | undefined {
  const key = canonicalModelKey(model);
  // Ollama tags name sizes/quantisations of the same model family; the base name has the facts.
  return BY_KEY.get(key) ?? BY_KEY.get(key.split(":")[0] ?? key);
}
