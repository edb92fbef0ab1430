/**
 * Sentence splitting for extractive answers. Splits after . ! ? (and closing quotes/brackets)
 * when the next sentence plausibly starts, but not after abbreviations, initials or decimals;
 * blank lines, list items and headings are boundaries too. Offsets index the original text so
 * citations can quote exactly.
 */

/** A sentence of a passage. */
export interface Sentence {
  text: string;
  start: number;
  end: number;
}

// Lower-case, without the final period. Words that commonly end sentences ("etc", "Inc") are
// left out on purpose: a false split costs less than a run-on answer.
const ABBREVIATIONS = new Set(
  (
    "mr mrs ms dr prof sr jr st mt ft vs e.g i.e cf al approx ca fig figs eq eqs no nos vol vols pp ed eds " +
    "gen gov sen rep col lt capt sgt cmdr adm rev hon jan feb mar apr jun jul aug sep sept oct nov dec " +
    "u.s u.k u.n a.d b.c d.c n.y l.a ph.d dept univ assn bros"
  ).split(" "),
);

const BOUNDARY = /([.!?…]+)(["'”’)\]]*)(\s+)/g;
const NEXT_START = /^["'“‘([]?[\p{Lu}\p{N}]/u;
const LIST_ITEM = /^\s*(?:[-*•–]|\d+[.)]|#+)\s/;

/** Splits `text` into trimmed, non-empty sentences. */
export function splitSentences(text: string): Sentence[] {
  const cuts: number[] = [];
  for (const m of text.matchAll(BOUNDARY)) {
    const punct = m[1] as string;
    const after = m.index + m[0].length;
    if (!NEXT_START.test(text.slice(after, after + 2)) && !m[3]?.includes("\n")) continue;
    if (punct === "." && isAbbreviation(text, m.index)) continue;
    cuts.push(after);
  }
  for (const m of text.matchAll(/\n/g)) {
    const next = text.slice(m.index + 1);
    const prevLine = text.slice(text.lastIndexOf("\n", m.index - 1) + 1, m.index);
    const blank = /^[ \t]*\n/.test(next);
    const heading =
      prevLine.trim().length > 0 && prevLine.trim().length < 80 && !/[.,;:!?]$/.test(prevLine.trim());
    if (blank || LIST_ITEM.test(next) || (heading && NEXT_START.test(next.trimStart())))
      cuts.push(m.index + 1);
  }
  cuts.sort((a, b) => a - b);
  const out: Sentence[] = [];
  let start = 0;
  for (const cut of [...cuts, text.length]) {
    if (cut <= start) continue;
    push(out, text, start, cut);
    start = cut;
  }
  return out;
}

function push(out: Sentence[], text: string, from: number, to: number): void {
  const slice = text.slice(from, to);
  const lead = slice.length - slice.trimStart().length;
  const trimmed = slice.trim();
  if (!trimmed || !/[\p{L}\p{N}]/u.test(trimmed)) return;
  out.push({ text: trimmed, start: from + lead, end: from + lead + trimmed.length });
}

/** True when the period at `dot` ends an abbreviation or an initial ("J. R. R. Tolkien"). */
function isAbbreviation(text: string, dot: number): boolean {
  const before = /([\p{L}.]+)$/u.exec(text.slice(Math.max(0, dot - 12), dot))?.[1] ?? "";
  const word = before.replace(/^\.+/, "").toLowerCase();
  if (!word) return false;
  if (ABBREVIATIONS.has(word)) return true;
  // Single capital letter (initials), but not the pronoun "I" ending a sentence.
  return /^\p{Lu}$/u.test(before) && before !== "I";
}
