/**
 * The structure-aware, token-sized, deterministic chunker.
 *
 * 1. **Sections.** Headings split the document into sections; a chunk never spans two.
 *    Consecutive headings with nothing between them open one section together, and the
 *    heading lines start the section's first chunk so their words are searchable. Every
 *    chunk records its heading path (outermost first).
 * 2. **Units.** Inside a section each block is one unit if it fits the budget; a block that
 *    does not is cut into sentences (prose) or lines (code, tables, lists); a sentence or
 *    line that still does not fit is cut between words. A single "word" longer than the
 *    whole budget (base64, a minified line) is the only thing ever cut inside: it is not a
 *    word a reader would recognise.
 * 3. **Packing.** Units are packed greedily up to `maxTokens`. When a chunk is full, the next
 *    one starts with an overlap: the previous chunk's trailing whole sentences that fit in
 *    `overlapTokens` (or, if its last sentence alone is longer, its trailing words).
 *
 * Output depends only on the input (no clock, no randomness, no locale data), so re-chunking
 * the same document yields the same chunks and therefore the same chunk ids.
 *
 * Pure: imports nothing from the runtime.
 */

import { lineSpans, sentenceSpans, trimSpan } from "./spans";
import { countTokens, type Span, wordSpans } from "./tokens";
import { type Block, type Chunk, type ChunkingOptions, DEFAULT_CHUNKING } from "./types";

/** A contiguous piece of one block: `blocks[block].text.slice(start, end)`. */
interface Unit {
  block: number;
  start: number;
  end: number;
  tokens: number;
}

interface Section {
  headings: string[];
  /** Indexes into the document's blocks: lead headings first, then content. */
  blocks: number[];
}

/** Normalises options: integers, a budget of at least 1, overlap below half the budget. */
export function resolveChunkingOptions(options: Partial<ChunkingOptions> = {}): ChunkingOptions {
  const maxTokens = Math.max(1, Math.floor(options.maxTokens ?? DEFAULT_CHUNKING.maxTokens));
  const overlap = Math.max(0, Math.floor(options.overlapTokens ?? DEFAULT_CHUNKING.overlapTokens));
  return { maxTokens, overlapTokens: Math.min(overlap, Math.floor(maxTokens / 2)) };
}

function sectionsOf(blocks: readonly Block[]): Section[] {
  const sections: Section[] = [];
  const stack: { level: number; text: string }[] = [];
  let lead: number[] = [];
  let current: Section | null = null;
  blocks.forEach((block, i) => {
    if (block.text.trim() === "") return;
    if (block.kind === "heading") {
      if (current) sections.push(current);
      current = null;
      while (stack.length > 0 && (stack.at(-1)?.level ?? 0) >= block.level) stack.pop();
      stack.push({ level: block.level, text: block.text.trim() });
      lead.push(i);
      return;
    }
    if (!current) {
      current = { headings: stack.map((h) => h.text), blocks: lead };
      lead = [];
    }
    current.blocks.push(i);
  });
  if (current) sections.push(current);
  // Trailing headings with no body still make a (small) chunk, so their words are findable.
  if (lead.length > 0) sections.push({ headings: stack.map((h) => h.text), blocks: lead });
  return sections;
}

function unit(text: string, block: number, span: Span): Unit {
  return { block, start: span[0], end: span[1], tokens: countTokens(text.slice(span[0], span[1])) };
}

/** Cuts an over-long word into pieces of at most `max` tokens (the only cut inside a "word"). */
function cutWord(text: string, block: number, span: Span, max: number): Unit[] {
  const out: Unit[] = [];
  let start = span[0];
  while (start < span[1]) {
    // Grow the piece while it fits; at least one character so progress is guaranteed.
    let end = start + 1;
    while (end < span[1] && countTokens(text.slice(start, end + 1)) <= max) end++;
    out.push(unit(text, block, [start, end]));
    start = end;
  }
  return out;
}

/** Cuts a span between words into windows of at most `max` tokens. */
function cutWords(text: string, block: number, span: Span, max: number): Unit[] {
  const out: Unit[] = [];
  let first: number | null = null;
  let last = 0;
  let tokens = 0;
  for (const word of wordSpans(text, span[0], span[1])) {
    const t = countTokens(text.slice(word[0], word[1]));
    if (first !== null && tokens + t > max) {
      out.push({ block, start: first, end: last, tokens });
      first = null;
      tokens = 0;
    }
    if (t > max) {
      out.push(...cutWord(text, block, word, max));
      continue;
    }
    if (first === null) first = word[0];
    last = word[1];
    tokens += t;
  }
  if (first !== null) out.push({ block, start: first, end: last, tokens });
  return out;
}

/**
 * The units of one block under a budget of `max` tokens. Windows cut between words are
 * `window` tokens long (the budget minus the overlap), so the next window still has room for
 * the overlap: long unpunctuated text gets overlap like prose does.
 */
function unitsOf(blocks: readonly Block[], index: number, max: number, window: number): Unit[] {
  const block = blocks[index] as Block;
  const whole = trimSpan(block.text, 0, block.text.length);
  if (!whole) return [];
  const all = unit(block.text, index, whole);
  if (all.tokens <= max) return [all];
  const pieces =
    block.kind === "lines" ? lineSpans(block.text, ...whole) : sentenceSpans(block.text, ...whole);
  return pieces.flatMap((span) => {
    const u = unit(block.text, index, span);
    return u.tokens <= max ? [u] : cutWords(block.text, index, span, window);
  });
}

/** Sentence- (or line-) sized pieces of a unit, used to pick the overlap. */
function fineUnits(blocks: readonly Block[], u: Unit): Unit[] {
  const block = blocks[u.block] as Block;
  const spans =
    block.kind === "lines"
      ? lineSpans(block.text, u.start, u.end)
      : sentenceSpans(block.text, u.start, u.end);
  return spans.map((s) => unit(block.text, u.block, s));
}

/**
 * The overlap carried into the next chunk: trailing whole sentences of `previous` within
 * `budget` tokens, or its trailing words when even its last sentence is too long. Never
 * the whole previous chunk, which would only repeat it.
 */
function overlapOf(blocks: readonly Block[], previous: readonly Unit[], budget: number): Unit[] {
  if (budget <= 0 || previous.length === 0) return [];
  const total = previous.reduce((n, u) => n + u.tokens, 0);
  const taken: Unit[] = [];
  let tokens = 0;
  outer: for (let i = previous.length - 1; i >= 0; i--) {
    const fine = fineUnits(blocks, previous[i] as Unit);
    for (let j = fine.length - 1; j >= 0; j--) {
      const f = fine[j] as Unit;
      if (tokens + f.tokens > budget || tokens + f.tokens >= total) break outer;
      taken.unshift(f);
      tokens += f.tokens;
    }
  }
  if (taken.length > 0) return taken;
  // The last sentence alone exceeds the budget: carry its trailing words instead.
  const lastUnit = previous.at(-1) as Unit;
  const last = fineUnits(blocks, lastUnit).at(-1) ?? lastUnit;
  const text = (blocks[last.block] as Block).text;
  const words = wordSpans(text, last.start, last.end);
  let start = last.end;
  for (let k = words.length - 1; k >= 0; k--) {
    const w = words[k] as Span;
    const t = countTokens(text.slice(w[0], w[1]));
    if (tokens + t > budget || tokens + t >= total) break;
    tokens += t;
    start = w[0];
  }
  return start < last.end ? [unit(text, last.block, [start, last.end])] : [];
}

/** Renders units (in document order) as chunk text: one slice per block, blocks separated by a blank line. */
function render(blocks: readonly Block[], units: readonly Unit[]): string {
  const parts: string[] = [];
  let i = 0;
  while (i < units.length) {
    const first = units[i] as Unit;
    let end = first.end;
    let j = i + 1;
    while (j < units.length && (units[j] as Unit).block === first.block) {
      end = Math.max(end, (units[j] as Unit).end);
      j++;
    }
    parts.push((blocks[first.block] as Block).text.slice(first.start, end));
    i = j;
  }
  return parts.join("\n\n");
}

/**
 * Splits parsed blocks into chunks.
 *
 * @example
 * chunkBlocks([{ kind: "heading", level: 1, text: "Intro" }, { kind: "prose", text: "Hello. World." }])
 * // → [{ ordinal: 0, text: "Intro\n\nHello. World.", tokens: 5, headings: ["Intro"] }]
 */
export function chunkBlocks(blocks: readonly Block[], options: Partial<ChunkingOptions> = {}): Chunk[] {
  const { maxTokens, overlapTokens } = resolveChunkingOptions(options);
  const chunks: Chunk[] = [];
  const emit = (units: Unit[], headings: string[]) => {
    const text = render(blocks, units);
    const pages = units.map((u) => blocks[u.block]?.page).filter((p): p is number => p !== undefined);
    const chunk: Chunk = { ordinal: chunks.length, text, tokens: countTokens(text), headings };
    if (pages.length > 0) {
      chunk.pageStart = Math.min(...pages);
      chunk.pageEnd = Math.max(...pages);
    }
    chunks.push(chunk);
  };
  for (const section of sectionsOf(blocks)) {
    let current: Unit[] = [];
    let tokens = 0;
    const window = Math.max(1, maxTokens - overlapTokens);
    for (const u of section.blocks.flatMap((b) => unitsOf(blocks, b, maxTokens, window))) {
      if (current.length > 0 && tokens + u.tokens > maxTokens) {
        emit(current, section.headings);
        current = overlapOf(blocks, current, Math.min(overlapTokens, maxTokens - u.tokens));
        tokens = current.reduce((n, c) => n + c.tokens, 0);
      }
      current.push(u);
      tokens += u.tokens;
    }
    if (current.length > 0) emit(current, section.headings);
  }
  return chunks;
}
