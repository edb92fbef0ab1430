/**
 * A small in-memory BM25 over documents, only to give the extractive benchmark realistic
 * retrieved passages without running the whole Worker. Uses the same tokenizer and stemmer as
 * the local providers.
 */
import { isContent, tokenize } from "../../src/providers/local/text/terms";

/** BM25 index over `docs` (title + text, as the data README prescribes). */
export function createBm25(docs: { id: string; text: string }[], k1 = 0.9, b = 0.4) {
  const postings = new Map<string, Map<number, number>>();
  const lengths: number[] = [];
  docs.forEach((d, i) => {
    const toks = tokenize(d.text).filter(isContent);
    lengths.push(toks.length);
    for (const t of toks) {
      let p = postings.get(t.stem);
      if (!p) {
        p = new Map();
        postings.set(t.stem, p);
      }
      p.set(i, (p.get(i) ?? 0) + 1);
    }
  });
  const avg = lengths.reduce((a, b) => a + b, 0) / lengths.length;
  return {
    search(query: string, k: number): number[] {
      const scores = new Map<number, number>();
      for (const stem of new Set(
        tokenize(query)
          .filter(isContent)
          .map((t) => t.stem),
      )) {
        const p = postings.get(stem);
        if (!p) continue;
        const idf = Math.log(1 + (docs.length - p.size + 0.5) / (p.size + 0.5));
        for (const [doc, tf] of p) {
          const norm = tf + k1 * (1 - b + (b * (lengths[doc] ?? 0)) / avg);
          scores.set(doc, (scores.get(doc) ?? 0) + (idf * tf * (k1 + 1)) / norm);
        }
      }
      return [...scores]
        .sort((x, y) => y[1] - x[1])
        .slice(0, k)
        .map(([doc]) => doc);
    },
  };
}
