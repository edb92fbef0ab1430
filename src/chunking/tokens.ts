/**
 * Token estimation without a model vocabulary. A real BPE table (tiktoken and friends) is
 * megabytes of data in a 128 MB isolate, and every embedder tokenizes differently anyway,
 * so chunk budgets use an estimate shaped like subword tokenizers on prose:
 *
 * - a run of letters counts one token per 6 characters, rounded up (`the` 1, `retrieval` 2,
 *   `phosphorylation` 3): common words are single tokens in BPE vocabularies, long rare words
 *   split into a few pieces;
 * - a run of digits counts one token per 3 digits (BPE vocabularies split numbers so);
 * - every other visible character (punctuation, symbols, emoji) counts one token;
 * - each Han, Hiragana or Katakana character counts one token (these scripts have no spaces
 *   and subword tokenizers spend about a token per character on them).
 *
 * Whitespace is free and the count is subadditive (the count of a concatenation never
 * exceeds the sum of the counts of its parts), so a chunk packed from parts whose counts sum
 * to at most the budget is itself within the budget.
 *
 * Pure: imports nothing from the runtime.
 */

const CJK_CLASS = "\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}";
const PIECE = new RegExp(`[${CJK_CLASS}]|[\\p{L}\\p{M}]+|\\p{N}+|[^\\s\\p{L}\\p{M}\\p{N}]`, "gu");
const CJK_CHAR = new RegExp(`^[${CJK_CLASS}]$`, "u");
const HAS_CJK = new RegExp(`[${CJK_CLASS}]`, "u");
const CJK_OR_RUN = new RegExp(`[${CJK_CLASS}]|[^${CJK_CLASS}]+`, "gu");
const LETTER = /^[\p{L}\p{M}]/u;
const DIGIT = /^\p{N}/u;

/** Characters per token for letter runs and digit runs. */
const LETTERS_PER_TOKEN = 6;
const DIGITS_PER_TOKEN = 3;

/** Estimated token count of `text` (0 for whitespace only). */
export function countTokens(text: string): number {
  let n = 0;
  for (const m of text.matchAll(PIECE)) {
    const piece = m[0];
    if (CJK_CHAR.test(piece)) n += 1;
    else if (LETTER.test(piece)) n += Math.ceil(piece.length / LETTERS_PER_TOKEN);
    else if (DIGIT.test(piece)) n += Math.ceil(piece.length / DIGITS_PER_TOKEN);
    else n += 1;
  }
  return n;
}

/** A half-open character range `[start, end)` of some text. */
export type Span = readonly [start: number, end: number];

/**
 * Word spans of `text[from, to)`: maximal runs of non-whitespace, so `don't`, `e.g.`, `C++`
 * and URLs stay whole. Han and kana have no spaces, so there each character is a word of
 * its own, while Latin stretches inside CJK text (`GPU`) stay whole.
 */
export function wordSpans(text: string, from = 0, to = text.length): Span[] {
  const out: Span[] = [];
  const re = /\S+/g;
  re.lastIndex = from;
  for (let m = re.exec(text); m !== null && m.index < to; m = re.exec(text)) {
    const start = m.index;
    const end = Math.min(start + m[0].length, to);
    const run = text.slice(start, end);
    if (!HAS_CJK.test(run)) {
      out.push([start, end]);
      continue;
    }
    for (const part of run.matchAll(CJK_OR_RUN)) {
      out.push([start + (part.index ?? 0), start + (part.index ?? 0) + part[0].length]);
    }
  }
  return out;
}
