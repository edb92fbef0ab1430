/**
 * Parsers for the BEIR dataset layout (`corpus.jsonl`, `queries.jsonl`, `qrels/<split>.tsv`).
 * They take file contents, not paths, so they stay pure and run in Workers and Node alike.
 */
/** A BEIR corpus document. */
export interface BeirDocument {
  _id: string;
  title?: string;
  text: string;
  metadata?: Record<string, unknown>;
}

/** A BEIR query (QA sets may carry gold answers in `metadata.answers`). */
export interface BeirQuery {
  _id: string;
  text: string;
  metadata?: Record<string, unknown>;
}

/** Parses JSON Lines; a bad line is an error naming its line number. */
export function parseJsonl<T>(content: string, what: string): T[] {
  const out: T[] = [];
  content.split("\n").forEach((line, i) => {
    if (!line.trim()) return;
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      throw new Error(`${what}: line ${i + 1} is not valid JSON`);
    }
  });
  return out;
}

/**
 * Parses a qrels TSV (`query-id<TAB>corpus-id<TAB>score`, optional header line). Rows with
 * a score ≤ 0 are kept as judged-not-relevant (they never count as gains).
 */
export function parseQrels(content: string): Map<string, Map<string, number>> {
  const qrels = new Map<string, Map<string, number>>();
  for (const [i, line] of content.split("\n").entries()) {
    const cols = line.trim().split("\t");
    if (cols.length < 3) continue;
    const [q, d, s] = cols as [string, string, string];
    const score = Number(s);
    if (!Number.isFinite(score)) {
      if (i === 0) continue; // header
      throw new Error(`qrels: line ${i + 1} has a non-numeric score '${s}'`);
    }
    let judged = qrels.get(q);
    if (!judged) {
      judged = new Map();
      qrels.set(q, judged);
    }
    judged.set(d, score);
  }
  return qrels;
}
