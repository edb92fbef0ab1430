/**
 * The contract between parsers and the chunker. Parsers turn a file into a flat list of
 * blocks in reading order; the chunker never sees formats, only structure.
 *
 * Pure: imports nothing from the runtime.
 */

/** A heading (`level` 1–6) that opens a section. */
export interface HeadingBlock {
  kind: "heading";
  level: number;
  text: string;
  /** 1-based page the block came from (PDF only). */
  page?: number;
}

/**
 * Body content. `prose` may be split between sentences; `lines` (code, tables, lists) may
 * only be split between lines, so a table row or a line of code is never cut in half.
 */
export interface ContentBlock {
  kind: "prose" | "lines";
  text: string;
  page?: number;
}

/** One structural unit of a parsed document. */
export type Block = HeadingBlock | ContentBlock;

/** A parsed document: its blocks and the title the format itself declares, if any. */
export interface ParsedDocument {
  title: string | null;
  blocks: Block[];
  /** Page count for paginated formats (PDF). */
  pages?: number;
}

/** Chunker settings; see {@link DEFAULT_CHUNKING} for the defaults and why. */
export interface ChunkingOptions {
  /** Upper bound on a chunk's estimated tokens. */
  maxTokens: number;
  /** Tokens of the previous chunk repeated at the start of the next one in the same section. */
  overlapTokens: number;
}

/**
 * Defaults: 384-token chunks with 48 tokens (12.5%) of overlap. 384 keeps a chunk plus the
 * title/heading prefix inside the 512-token input window of the common embedders
 * (bge-*, e5-*, MiniLM) with headroom for the estimate's error; one scientific abstract or
 * a typical documentation section usually fits in one chunk, which keeps BM25 statistics
 * whole. The overlap lets a sentence that straddles a boundary be found from either side.
 */
export const DEFAULT_CHUNKING: ChunkingOptions = { maxTokens: 384, overlapTokens: 48 };

/** Accepted ranges for caller-supplied chunking options. */
export const CHUNKING_LIMITS = {
  minMaxTokens: 32,
  maxMaxTokens: 2048,
} as const;

/** One chunk of a document, in document order. */
export interface Chunk {
  /** 0-based position in the document. */
  ordinal: number;
  text: string;
  /** Estimated tokens ({@link countTokens}). */
  tokens: number;
  /** Titles of the enclosing sections, outermost first. */
  headings: string[];
  /** First and last page the chunk's text came from (PDF only). */
  pageStart?: number;
  pageEnd?: number;
}
