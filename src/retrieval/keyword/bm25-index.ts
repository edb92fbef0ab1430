/**
 * An in-memory BM25 index over two fields (title, text), scored like FTS5's `bm25()`:
 * `Σ idf(t) · tf'·(k1+1) / (tf' + k1·(1 − b + b·len/avglen))` with `tf' = w_title·tf_title + tf_text`
 * and `len` the document's word count over both fields. Postings are typed arrays, scoring is
 * term-at-a-time into a reusable accumulator, so a query over tens of thousands of chunks costs
 * well under a millisecond — FTS5 in D1 needs several for the same OR query, most of it in
 * `bm25()` and in moving rows across the D1 boundary.
 *
 * Documents are only ever appended; a deleted document is rebuilt away by the owner (see
 * replica.cache.ts), which keeps the index free of tombstones and its statistics exact.
 *
 * Pure: imports nothing from the runtime.
 */
import { queryWords, TermDictionary } from "./terms";

/** Ranking parameters. */
export interface Bm25Params {
  /** Term-frequency saturation. */
  k1: number;
  /** Length normalisation (0 none, 1 full). */
  b: number;
  /** Weight of a title occurrence relative to a body occurrence. */
  titleWeight: number;
}

/**
 * Defaults: FTS5's k1 and b; titles count double, which on SciFact train lifts nDCG@10 over equal
 * weights (bench/retrieval/offline.ts, see bench/README.md#retrieval).
 */
export const DEFAULT_BM25: Bm25Params = { k1: 1.2, b: 0.75, titleWeight: 2 };

/** One scored document. */
export interface Bm25Hit {
  doc: number;
  score: number;
}

/** A query term with its weight (1 for a plain query word; feedback terms weigh less). */
export interface WeightedTerm {
  term: number;
  weight: number;
}

/** A growable pair of parallel arrays: the documents holding one term and its weighted frequency there. */
class Postings {
  docs = new Int32Array(4);
  tfs = new Float32Array(4);
  length = 0;

  push(doc: number, tf: number): void {
    if (this.length === this.docs.length) {
      const docs = new Int32Array(this.length * 2);
      docs.set(this.docs);
      this.docs = docs;
      const tfs = new Float32Array(this.length * 2);
      tfs.set(this.tfs);
      this.tfs = tfs;
    }
    this.docs[this.length] = doc;
    this.tfs[this.length] = tf;
    this.length++;
  }
}

/** Best first; ties by lower document number, so results are deterministic. */
function byScore(a: Bm25Hit, b: Bm25Hit): number {
  return b.score - a.score || a.doc - b.doc;
}

/** A bounded min-heap keeping the `capacity` best (score, doc) pairs seen. */
class TopK {
  readonly #docs: Int32Array;
  readonly #scores: Float64Array;
  #size = 0;

  constructor(readonly capacity: number) {
    this.#docs = new Int32Array(capacity);
    this.#scores = new Float64Array(capacity);
  }

  /** True when (a, x) ranks below (b, y). */
  #worse(sa: number, da: number, sb: number, db: number): boolean {
    return sa < sb || (sa === sb && da > db);
  }

  offer(doc: number, score: number): void {
    const docs = this.#docs;
    const scores = this.#scores;
    if (this.#size < this.capacity) {
      let i = this.#size++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!this.#worse(score, doc, scores[parent] as number, docs[parent] as number)) break;
        docs[i] = docs[parent] as number;
        scores[i] = scores[parent] as number;
        i = parent;
      }
      docs[i] = doc;
      scores[i] = score;
      return;
    }
    if (!this.#worse(scores[0] as number, docs[0] as number, score, doc)) return;
    let i = 0;
    const n = this.#size;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (
        r < n &&
        this.#worse(scores[r] as number, docs[r] as number, scores[l] as number, docs[l] as number)
      )
        c = r;
      if (!this.#worse(scores[c] as number, docs[c] as number, score, doc)) break;
      docs[i] = docs[c] as number;
      scores[i] = scores[c] as number;
      i = c;
    }
    docs[i] = doc;
    scores[i] = score;
  }

  /** The kept pairs, best first. */
  drain(): Bm25Hit[] {
    const out: Bm25Hit[] = [];
    for (let i = 0; i < this.#size; i++)
      out.push({ doc: this.#docs[i] as number, score: this.#scores[i] as number });
    return out.sort(byScore);
  }
}

/** The in-memory BM25 index. */
export class Bm25Index {
  readonly params: Bm25Params;
  readonly terms = new TermDictionary();
  readonly #postings: Postings[] = [];
  #lengths = new Float32Array(64);
  #docs = 0;
  #totalLength = 0;
  /** `k1·(1 − b + b·len/avglen)` per document, recomputed after appends. */
  #norms = new Float32Array(0);
  #scores = new Float64Array(0);
  #touched = new Int32Array(0);
  /** Scratch term counts of the document being added. */
  readonly #counts = new Map<number, number>();

  constructor(params: Partial<Bm25Params> = {}) {
    this.params = { ...DEFAULT_BM25, ...params };
  }

  /** Documents indexed. */
  get size(): number {
    return this.#docs;
  }

  /** Postings held (a proxy for memory: 8 bytes each, plus the dictionary). */
  get postings(): number {
    let n = 0;
    for (const p of this.#postings) n += p.docs.length;
    return n;
  }

  /** Indexes one document; returns its number (0, 1, 2, … in insertion order). */
  add(title: string | null, text: string): number {
    const counts = this.#counts;
    counts.clear();
    const w = this.params.titleWeight;
    let length = title ? this.terms.scan(title, (id) => counts.set(id, (counts.get(id) ?? 0) + w)) : 0;
    length += this.terms.scan(text, (id) => counts.set(id, (counts.get(id) ?? 0) + 1));
    const doc = this.#docs++;
    if (doc === this.#lengths.length) {
      const grown = new Float32Array(doc * 2);
      grown.set(this.#lengths);
      this.#lengths = grown;
    }
    this.#lengths[doc] = length;
    this.#totalLength += length;
    for (const [id, tf] of counts) {
      let p = this.#postings[id];
      if (!p) {
        p = new Postings();
        this.#postings[id] = p;
      }
      p.push(doc, tf);
    }
    this.#norms = new Float32Array(0); // stale: recomputed by the next search
    return doc;
  }

  /** Documents holding a term. */
  documentFrequency(term: number): number {
    return this.#postings[term]?.length ?? 0;
  }

  /**
   * FTS5's IDF, `ln((N − df + 0.5) / (df + 0.5))`, floored at a tiny positive value so a term in
   * more than half the documents still breaks ties instead of subtracting.
   */
  idf(term: number): number {
    const df = this.documentFrequency(term);
    const v = Math.log((this.#docs - df + 0.5) / (df + 0.5));
    return Math.max(v, 1e-6);
  }

  /** The weighted term ids of a user query (unknown words drop out: they match nothing). */
  queryTerms(text: string): WeightedTerm[] {
    const weights = new Map<number, number>();
    for (const word of queryWords(text)) {
      const id = this.terms.idOf(word, false);
      if (id >= 0) weights.set(id, (weights.get(id) ?? 0) + 1);
    }
    return [...weights].map(([term, weight]) => ({ term, weight }));
  }

  /**
   * The best `limit` documents for weighted terms, best first (ties: lower document number
   * first). `accept` (e.g. a metadata filter) is asked only about documents that score, best
   * first, until `limit` are accepted, so a selective filter never starves the result.
   */
  search(terms: readonly WeightedTerm[], limit: number, accept?: (doc: number) => boolean): Bm25Hit[] {
    const n = this.#docs;
    if (n === 0 || limit <= 0 || terms.length === 0) return [];
    this.#prepare();
    const { k1 } = this.params;
    const scores = this.#scores;
    const norms = this.#norms;
    let touched = 0;
    for (const { term, weight } of terms) {
      const p = this.#postings[term];
      if (!p || weight === 0) continue;
      const w = this.idf(term) * weight * (k1 + 1);
      const { docs, tfs } = p;
      for (let i = 0; i < p.length; i++) {
        const d = docs[i] as number;
        const tf = tfs[i] as number;
        if (scores[d] === 0) this.#touched[touched++] = d;
        scores[d] = (scores[d] as number) + (w * tf) / (tf + (norms[d] as number));
      }
    }
    const hits = accept ? this.#sorted(touched) : this.#top(touched, limit);
    if (!accept) return hits;
    const out: Bm25Hit[] = [];
    for (const h of hits) {
      if (!accept(h.doc)) continue;
      out.push(h);
      if (out.length === limit) break;
    }
    return out;
  }

  /** Every touched document, best first; clears the accumulator. */
  #sorted(touched: number): Bm25Hit[] {
    const scores = this.#scores;
    const hits: Bm25Hit[] = [];
    for (let i = 0; i < touched; i++) {
      const d = this.#touched[i] as number;
      hits.push({ doc: d, score: scores[d] as number });
      scores[d] = 0;
    }
    return hits.sort(byScore);
  }

  /** The best `limit` touched documents through a bounded min-heap; clears the accumulator. */
  #top(touched: number, limit: number): Bm25Hit[] {
    const scores = this.#scores;
    const heap = new TopK(limit);
    for (let i = 0; i < touched; i++) {
      const d = this.#touched[i] as number;
      heap.offer(d, scores[d] as number);
      scores[d] = 0;
    }
    return heap.drain();
  }

  /** Sizes the scratch arrays and refreshes length norms after appends. */
  #prepare(): void {
    const n = this.#docs;
    if (this.#norms.length === n) return;
    const { k1, b } = this.params;
    const avg = this.#totalLength / n || 1;
    this.#norms = new Float32Array(n);
    for (let d = 0; d < n; d++) this.#norms[d] = k1 * (1 - b + (b * (this.#lengths[d] as number)) / avg);
    if (this.#scores.length < n) {
      this.#scores = new Float64Array(n);
      this.#touched = new Int32Array(n);
    }
  }
}
