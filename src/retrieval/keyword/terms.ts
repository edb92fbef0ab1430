/**
 * The analyzer of the in-memory keyword index: Unicode word splitting, case and accent folding,
 * English Porter stemming — the same decisions as the FTS5 table's `porter unicode61
 * remove_diacritics 2` tokenizer (see analysis.ts), so both keyword paths match the same words.
 * Words are interned in a {@link TermDictionary}: each distinct surface form is folded and
 * stemmed once per dictionary, not once per occurrence, which is what makes indexing fast.
 *
 * Pure: imports nothing from the runtime.
 */
import { stem } from "../../providers/local/text/stem";

/** Characters that can appear inside a word: letters, digits and combining marks (as unicode61). */
const WORD = /[\p{L}\p{N}][\p{L}\p{N}\p{M}]*/gu;
/** Text that needs no Unicode folding (printable ASCII and whitespace), tested before the costlier NFKD pass. */
const ASCII = /^[ -~\t\n\r]*$/;
const MARKS = /\p{M}+/gu;
const DIGITS = /^\p{N}+$/u;

/** Lower-cased, accent-folded text (`Café` → `cafe`), ready to split into words. */
export function foldText(text: string): string {
  if (ASCII.test(text)) return text.toLowerCase();
  return text.normalize("NFKD").replace(MARKS, "").toLowerCase();
}

/** The stem of one folded word: digits stay as they are, words are Porter-stemmed. */
export function stemWord(word: string): string {
  return DIGITS.test(word) ? word : stem(word);
}

/**
 * Function words left out of queries (but indexed): the same list the FTS5 MATCH builder
 * drops, kept when a query has nothing else ("to be or not to be").
 */
export const QUERY_STOPWORDS: ReadonlySet<string> = new Set(
  (
    "a an and are as at be been being by for from had has have in into is it its of on or that the " +
    "their them there these they this those to was were which with"
  ).split(" "),
);

/**
 * At most this many distinct terms of a query are scored: past a few dozen words extra terms
 * no longer change the top of the ranking, and a pasted page must not cost a scan per word.
 */
export const MAX_QUERY_TERMS = 64;

/** Interns words: surface form → term id, term id → stem. One per index. */
export class TermDictionary {
  readonly #bySurface = new Map<string, number>();
  readonly #byStem = new Map<string, number>();
  readonly #stems: string[] = [];

  /** Distinct stems seen so far. */
  get size(): number {
    return this.#stems.length;
  }

  /** The stem of a term id. */
  stemOf(id: number): string | undefined {
    return this.#stems[id];
  }

  /** The term id of a stem, or -1. */
  idOfStem(s: string): number {
    return this.#byStem.get(s) ?? -1;
  }

  /** The term id of a folded word, creating it when `create`; -1 when absent and not created. */
  idOf(word: string, create: boolean): number {
    const known = this.#bySurface.get(word);
    if (known !== undefined) return known;
    const s = stemWord(word);
    let id = this.#byStem.get(s);
    if (id === undefined) {
      if (!create) return -1;
      id = this.#stems.length;
      this.#stems.push(s);
      this.#byStem.set(s, id);
    }
    // Surface forms are only remembered for known stems, so hostile queries cannot grow the map.
    this.#bySurface.set(word, id);
    return id;
  }

  /** Calls `each(termId)` for every word of `text`, interning new words. Returns the word count. */
  scan(text: string, each: (id: number) => void): number {
    let n = 0;
    for (const m of foldText(text).matchAll(WORD)) {
      each(this.idOf(m[0], true));
      n++;
    }
    return n;
  }
}

/**
 * The distinct folded words of a query, in order, without function words unless nothing else
 * is left, at most {@link MAX_QUERY_TERMS}. Empty for text with no letters or digits.
 */
export function queryWords(text: string): string[] {
  const words: string[] = [];
  const seen = new Set<string>();
  for (const m of foldText(text.normalize("NFC")).matchAll(WORD)) {
    if (seen.has(m[0])) continue;
    seen.add(m[0]);
    words.push(m[0]);
  }
  const content = words.filter((w) => !QUERY_STOPWORDS.has(w));
  return (content.length > 0 ? content : words).slice(0, MAX_QUERY_TERMS);
}
