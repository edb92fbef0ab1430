/**
 * Signed feature hashing: a deterministic, weight-free text embedding. Features are word
 * unigrams, word bigrams and character n-grams of words (for morphological/fuzzy
 * overlap); each is hashed to a dimension and a sign, counts are damped with
 * 1 + ln(tf), and the vector is L2-normalised so cosine = dot product.
 *
 * Features are hashed straight from character codes (FNV-1a over the feature's spelling,
 * e.g. `w:` + stem, without building the string), stems are memoised per isolate, and counts
 * live in a map keyed by the 32-bit hash: the vectors are the same as hashing each feature
 * string, at 2–3x the speed (bench/providers/embed-throughput.bench.ts).
 *
 * Pure: imports nothing from the runtime, so it runs in Workers, Node and benchmarks.
 */
import { stem } from "./text/stem";
import { STOPWORDS } from "./text/terms";

const WORD = /[\p{L}\p{N}]+/gu;
const MARKS = /\p{M}+/gu;
/** Text that needs no Unicode folding (printable ASCII and whitespace). */
const ASCII = /^[ -~\t\n\r]*$/;
const DIGITS = /^\p{N}+$/u;

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
/** Seed of the second hash, which picks each feature's sign. */
const SIGN_SEED = 0x9747b28c;

/** Lower-cased, accent-folded word tokens. */
export function hashTokens(text: string): string[] {
  const folded = ASCII.test(text)
    ? text.toLowerCase()
    : text.normalize("NFKD").replace(MARKS, "").toLowerCase();
  return folded.match(WORD) ?? [];
}

/**
 * Feature weights relative to a content-word unigram. Stop words are dropped and words are
 * Porter-stemmed (so `cells`/`cellular` share a unigram); character n-grams of each word add
 * fuzzy/morphological overlap, but their total weight per word is fixed (spread over the
 * word's n-grams) so that frequent n-grams of long words cannot drown the words themselves
 * (measured on SciFact: unnormalised n-grams scored nDCG@10 0.07, normalised ones 0.5+).
 */
const BIGRAM_WEIGHT = 0.5;
const CHAR_NGRAM_WEIGHT = 0.6;
const CHAR_NGRAM_SIZE = 4;

// Stemming dominates the cost and vocabularies repeat, so stems are memoised per isolate
// (plain strings, safe to share), bounded by a size cap.
const STEM_CACHE_MAX = 100_000;
const stems = new Map<string, string>();

function stemOf(word: string): string {
  let s = stems.get(word);
  if (s === undefined) {
    s = DIGITS.test(word) ? word : stem(word);
    if (stems.size >= STEM_CACHE_MAX) stems.clear();
    stems.set(word, s);
  }
  return s;
}

/** FNV-1a state after the characters of `s`. */
function fnvString(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return h;
}

/** FNV-1a state after one character code. */
function fnvChar(h: number, c: number): number {
  return Math.imul(h ^ c, FNV_PRIME);
}

const W = ["w".charCodeAt(0), ":".charCodeAt(0)] as const;
const B = ["b".charCodeAt(0), ":".charCodeAt(0)] as const;
const C = ["c".charCodeAt(0), ":".charCodeAt(0)] as const;
const SPACE = 32;
const OPEN = "<".charCodeAt(0);
const CLOSE = ">".charCodeAt(0);

/**
 * Accumulated weight per feature, keyed by its primary hash, in an open-addressing table of
 * typed arrays reused across calls (a Map per text was most of the embedding time). Features
 * are visited in first-insertion order, as the vector sums depend on it.
 */
class FeatureCounts {
  #keys = new Int32Array(1024);
  #weights = new Float64Array(1024);
  #signs = new Int8Array(1024);
  #used = new Uint8Array(1024);
  #order = new Int32Array(512);
  #size = 0;

  /** Empties the table (only the slots in use are cleared). */
  reset(): void {
    for (let i = 0; i < this.#size; i++) this.#used[this.#order[i] as number] = 0;
    this.#size = 0;
  }

  /** Adds `weight` to the feature whose primary and sign hash states are `h` and `g`. */
  add(h: number, g: number, weight: number): void {
    h |= 0;
    if (this.#size * 2 >= this.#keys.length) this.#grow();
    const mask = this.#keys.length - 1;
    let i = (h ^ (h >>> 16)) & mask;
    while (this.#used[i]) {
      if (this.#keys[i] === h) {
        this.#weights[i] = (this.#weights[i] as number) + weight;
        return;
      }
      i = (i + 1) & mask;
    }
    this.#used[i] = 1;
    this.#keys[i] = h;
    this.#weights[i] = weight;
    this.#signs[i] = (g >>> 0) & 1 ? 1 : -1;
    this.#order[this.#size++] = i;
  }

  /** Calls `each(hash, sign, weight)` per feature in first-insertion order. */
  forEach(each: (hash: number, sign: number, weight: number) => void): void {
    for (let n = 0; n < this.#size; n++) {
      const i = this.#order[n] as number;
      each((this.#keys[i] as number) >>> 0, this.#signs[i] as number, this.#weights[i] as number);
    }
  }

  #grow(): void {
    const keys = this.#keys;
    const weights = this.#weights;
    const signs = this.#signs;
    const order = this.#order.subarray(0, this.#size);
    const capacity = keys.length * 2;
    this.#keys = new Int32Array(capacity);
    this.#weights = new Float64Array(capacity);
    this.#signs = new Int8Array(capacity);
    this.#used = new Uint8Array(capacity);
    const oldOrder = Array.from(order);
    this.#order = new Int32Array(capacity / 2);
    this.#size = 0;
    for (const i of oldOrder) {
      const h = keys[i] as number;
      const mask = capacity - 1;
      let j = (h ^ (h >>> 16)) & mask;
      while (this.#used[j]) j = (j + 1) & mask;
      this.#used[j] = 1;
      this.#keys[j] = h;
      this.#weights[j] = weights[i] as number;
      this.#signs[j] = signs[i] as number;
      this.#order[this.#size++] = j;
    }
  }
}

const counts = new FeatureCounts();

/**
 * Embeds one text into a `dimensions`-long unit vector (all zeros for text with no words).
 * `weightOf(stem)` scales every feature of a word (e.g. by the word's IDF in the tenant's
 * corpus when embedding a query); without it every word weighs 1.
 */
export function hashEmbed(
  text: string,
  dimensions: number,
  weightOf?: (stem: string) => number,
): Float32Array {
  // The table is shared: hashEmbed is synchronous, so no other call can interleave.
  counts.reset();
  const tokens = hashTokens(text);
  let prev: string | null = null;
  let prevWeight = 1;
  for (const raw of tokens) {
    if (STOPWORDS.has(raw)) continue;
    const s = stemOf(raw);
    const weight = weightOf ? weightOf(s) : 1;
    // Unigram "w:<stem>".
    counts.add(
      fnvString(fnvChar(fnvChar(FNV_OFFSET, W[0]), W[1]), s),
      fnvString(fnvChar(fnvChar(SIGN_SEED, W[0]), W[1]), s),
      weight,
    );
    // Bigram "b:<previous raw> <raw>", at the mean weight of its two words.
    if (prev !== null) {
      let h = fnvString(fnvChar(fnvChar(FNV_OFFSET, B[0]), B[1]), prev);
      let g = fnvString(fnvChar(fnvChar(SIGN_SEED, B[0]), B[1]), prev);
      h = fnvString(fnvChar(h, SPACE), raw);
      g = fnvString(fnvChar(g, SPACE), raw);
      counts.add(h, g, BIGRAM_WEIGHT * (weightOf ? (weight + prevWeight) / 2 : 1));
    }
    // Character 4-grams of "<raw>" for words longer than 4 characters, sharing one weight.
    const n = raw.length + 2;
    if (raw.length > 4) {
      const share = (CHAR_NGRAM_WEIGHT / (n - CHAR_NGRAM_SIZE + 1)) * weight;
      for (let j = 0; j + CHAR_NGRAM_SIZE <= n; j++) {
        let h = fnvChar(fnvChar(FNV_OFFSET, C[0]), C[1]);
        let g = fnvChar(fnvChar(SIGN_SEED, C[0]), C[1]);
        for (let k = j; k < j + CHAR_NGRAM_SIZE; k++) {
          const c = k === 0 ? OPEN : k === n - 1 ? CLOSE : raw.charCodeAt(k - 1);
          h = fnvChar(h, c);
          g = fnvChar(g, c);
        }
        counts.add(h, g, share);
      }
    }
    prev = raw;
    prevWeight = weight;
  }
  const v = new Float32Array(dimensions);
  counts.forEach((h, sign, tf) => {
    const i = h % dimensions;
    v[i] = (v[i] as number) + sign * (tf >= 1 ? 1 + Math.log(tf) : tf);
  });
  let norm = 0;
  for (let i = 0; i < dimensions; i++) norm += (v[i] as number) ** 2;
  if (norm > 0) {
    const inv = 1 / Math.sqrt(norm);
    for (let i = 0; i < dimensions; i++) v[i] = (v[i] as number) * inv;
  }
  return v;
}
