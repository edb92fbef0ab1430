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
const HAS_CJK = new RegExp(`[${CJK_CLASS}]`, "u");
const CJK_OR_RUN = new RegExp(`[${CJK_CLASS}]|[^${CJK_CLASS}]+`, "gu");

/** Characters per token for letter runs and digit runs. */
const LETTERS_PER_TOKEN = 6;
const DIGITS_PER_TOKEN = 3;

// Character classes: what a code point contributes to the count.
const SPACE = 0;
const LETTER = 1;
const DIGIT = 2;
const SINGLE = 3; // a token of its own: CJK characters, punctuation, symbols

const ASCII = new Uint8Array(128).map((_, c) => {
  if (c === 32 || (c >= 9 && c <= 13)) return SPACE;
  if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) return LETTER;
  if (c >= 48 && c <= 57) return DIGIT;
  return SINGLE;
});
const IS_SPACE = /\s/u;
const IS_CJK = new RegExp(`[${CJK_CLASS}]`, "u");
const IS_LETTER = /[\p{L}\p{M}]/u;
const IS_DIGIT = /\p{N}/u;
const nonAscii = new Map<number, number>();

function classOf(cp: number): number {
  if (cp < 128) return ASCII[cp] as number;
  let k = nonAscii.get(cp);
  if (k === undefined) {
    const ch = String.fromCodePoint(cp);
    k = IS_SPACE.test(ch)
      ? SPACE
      : IS_CJK.test(ch)
        ? SINGLE
        : IS_LETTER.test(ch)
          ? LETTER
          : IS_DIGIT.test(ch)
            ? DIGIT
            : SINGLE;
    // Bounded: a text can only hold so many distinct characters, but an isolate lives long.
    if (nonAscii.size < 65_536) nonAscii.set(cp, k);
  }
  return k;
}

/**
 * Estimated token count of `text` (0 for whitespace only). A single pass over code points
 * with a class table (it runs on every unit the chunker considers, so it is the chunker's
 * hot path).
 */
export function countTokens(text: string): number {
  let n = 0;
  let run = 0;
  let runClass = SPACE;
  for (let i = 0; i < text.length; i++) {
    let cp = text.charCodeAt(i);
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < text.length) {
      cp = text.codePointAt(i) as number;
      i++;
    }
    const k = classOf(cp);
    if (k === runClass && (k === LETTER || k === DIGIT)) {
      run++;
      continue;
    }
    if (run > 0) n += Math.ceil(run / (runClass === LETTER ? LETTERS_PER_TOKEN : DIGITS_PER_TOKEN));
    run = 0;
    runClass = k;
    if (k === LETTER || k === DIGIT) run = 1;
    else if (k === SINGLE) n++;
  }
  if (run > 0) n += Math.ceil(run / (runClass === LETTER ? LETTERS_PER_TOKEN : DIGITS_PER_TOKEN));
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
