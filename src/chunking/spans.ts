/**
 * Sentence and line boundaries as spans of the original text, so the chunker can cut a
 * block and keep its original spacing (slicing, never re-joining).
 *
 * The sentence rules are deliberately small and deterministic (no ICU, whose rules change
 * with runtime versions and would change chunk ids on re-index): a sentence ends at `.`,
 * `!`, `?` or `…` (plus closing quotes/brackets) followed by whitespace and a character that
 * can start a sentence, unless the period ends a known abbreviation or an initial; `。！？`
 * end a sentence with or without a following space.
 *
 * Pure: imports nothing from the runtime.
 */

import type { Span } from "./tokens";

/** Lower-cased words that take a period without ending a sentence. */
const ABBREVIATIONS = new Set(
  (
    "al approx ca cf co corp dept dr e.g eg esp est et etc fig figs i.e ie inc jr ltd mr mrs ms mt " +
    "no nos op p pp prof ref refs resp sec sr st vol vs viz"
  ).split(" "),
);

// A Western sentence end: terminal punctuation, optional closers, then whitespace.
const WESTERN_END = /[.!?…]+["'”’)\]]*(?=\s)/g;
// CJK full-width terminators end a sentence even without a following space.
const CJK_END = /[。！？]+["'”’)\]」』]*/g;
const CAN_START =
  /[\p{Lu}\p{Lt}\p{N}"'“‘([¿¡\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;

/** Trims whitespace off both ends of `[start, end)`; null when nothing remains. */
export function trimSpan(text: string, start: number, end: number): Span | null {
  let s = start;
  let e = end;
  while (s < e && /\s/.test(text[s] as string)) s++;
  while (e > s && /\s/.test(text[e - 1] as string)) e--;
  return s < e ? [s, e] : null;
}

function isAbbreviation(text: string, dotIndex: number): boolean {
  let s = dotIndex;
  while (s > 0 && !/\s/.test(text[s - 1] as string)) s--;
  const word = text
    .slice(s, dotIndex)
    .replace(/^["'“‘([]+/, "")
    .toLowerCase();
  // Single letters are initials ("J. Smith", "U.S. Army").
  return ABBREVIATIONS.has(word) || /^\p{L}$/u.test(word) || /^(\p{L}\.)+\p{L}$/u.test(word);
}

/** Sentence spans of `text[from, to)`, trimmed, in order. */
export function sentenceSpans(text: string, from = 0, to = text.length): Span[] {
  const cuts: number[] = [];
  const slice = text.slice(from, to);
  for (const m of slice.matchAll(WESTERN_END)) {
    const endAt = (m.index ?? 0) + m[0].length;
    const next = /\S/.exec(slice.slice(endAt, endAt + 64));
    if (!next) continue;
    const nextChar = slice[endAt + next.index] as string;
    if (!CAN_START.test(nextChar)) continue;
    // Only a lone period can belong to an abbreviation; "?", "!" and "..." always end.
    if (/^\.["'”’)\]]*$/.test(m[0]) && isAbbreviation(slice, m.index ?? 0)) continue;
    cuts.push(from + endAt);
  }
  for (const m of slice.matchAll(CJK_END)) cuts.push(from + (m.index ?? 0) + m[0].length);
  cuts.sort((a, b) => a - b);
  const out: Span[] = [];
  let start = from;
  for (const cut of [...cuts, to]) {
    if (cut <= start) continue;
    const span = trimSpan(text, start, cut);
    if (span) out.push(span);
    start = cut;
  }
  return out;
}

/** Non-blank line spans of `text[from, to)`, trimmed of trailing whitespace only (indentation is meaning in code). */
export function lineSpans(text: string, from = 0, to = text.length): Span[] {
  const out: Span[] = [];
  let start = from;
  while (start < to) {
    let end = text.indexOf("\n", start);
    if (end === -1 || end > to) end = to;
    let e = end;
    while (e > start && /\s/.test(text[e - 1] as string)) e--;
    if (e > start && /\S/.test(text.slice(start, e))) out.push([start, e]);
    start = end + 1;
  }
  return out;
}
