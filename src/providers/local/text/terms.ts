import { stem } from "./stem";

/**
 * Word-level analysis shared by the lexical reranker and the extractive generator: tokens with
 * positions, stop words, stems, and IDF weights computed over the texts at hand (the candidate
 * passages are all the corpus statistics a reranker or generator sees).
 */

/** One word of a text. `stem` is what matching uses; `start`/`end` index the original text. */
export interface Token {
  raw: string;
  lower: string;
  stem: string;
  start: number;
  end: number;
}

const WORD = /[\p{L}\p{N}]+(?:['’][\p{L}]+)*/gu;

// Folding and stemming dominate tokenizing; vocabularies repeat heavily across passages and
// requests, so each word's analysis is memoised per isolate (plain strings, safe to share
// between requests), bounded by a size cap.
const WORD_CACHE_MAX = 50_000;
const words = new Map<string, [lower: string, stem: string]>();

function analyseWord(raw: string): [string, string] {
  let a = words.get(raw);
  if (a === undefined) {
    const lower = fold(raw).replace(/['’]s$/, "");
    a = [lower, /^\p{N}+$/u.test(lower) ? lower : stem(lower)];
    if (words.size >= WORD_CACHE_MAX) words.clear();
    words.set(raw, a);
  }
  return a;
}

/** Words of `text`, lower-cased and accent-folded for matching, with offsets into `text`. */
export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  for (const m of text.matchAll(WORD)) {
    const raw = m[0];
    const [lower, stemmed] = analyseWord(raw);
    out.push({ raw, lower, stem: stemmed, start: m.index, end: m.index + raw.length });
  }
  return out;
}

/** Lower-case with accents removed ("Éire" → "eire"), so queries typed without accents match. */
export function fold(word: string): string {
  return word
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase();
}

/** English function words: they carry no topic, so matching and weights ignore them. */
export const STOPWORDS: ReadonlySet<string> = new Set(
  (
    "a about above after again against all also am an and any are aren't as at be because been before being below " +
    "between both but by can cannot could did do does doing down during each either else ever few for from further " +
    "had has have having he her here hers herself him himself his how however i if in into is it its itself just " +
    "least less let like made make many may me might more most much must my myself neither no nor not now of off " +
    "often on once one only or other others otherwise our ours ourselves out over own per rather same shall she " +
    "should since so some such than that the their theirs them themselves then there these they this those though " +
    "through thus to too under until up upon us used using very via was we were what whatever when whenever where " +
    "whereas whether which while who whom whose why will with within without would yet you your yours yourself " +
    "yourselves s t d ll m re ve"
  ).split(" "),
);

/** True for words that carry content (not stop words, not single characters). */
export function isContent(token: Token): boolean {
  return !STOPWORDS.has(token.lower) && (token.lower.length > 1 || /\p{N}/u.test(token.lower));
}

/** Document frequencies of stems over `docs` (each doc's stems counted once). */
export function documentFrequencies(docs: readonly Token[][]): Map<string, number> {
  const df = new Map<string, number>();
  for (const doc of docs) {
    for (const s of new Set(doc.map((t) => t.stem))) df.set(s, (df.get(s) ?? 0) + 1);
  }
  return df;
}

/**
 * Smoothed IDF over a small collection, always > 0 so a term present everywhere still counts a
 * little (in a handful of retrieved passages, "everywhere" is common for the topic word).
 */
export function idf(df: number, n: number): number {
  return Math.log(1 + (n + 1) / (df + 0.5));
}
