/**
 * Loads the shared evaluation data (../shared/data relative to the project root, see
 * /work/shared/data/README.md) for the provider benchmarks. Never copied into the repo.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Directory of the shared data: $EDGERAG_DATA or ../shared/data from the project root. */
export function dataDir(): string {
  const dir = process.env.EDGERAG_DATA ?? resolve(root, "..", "shared", "data");
  if (!existsSync(dir)) throw new Error(`evaluation data not found at ${dir} (set EDGERAG_DATA)`);
  return dir;
}

function jsonl<T>(path: string): T[] {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T);
}

/** A BEIR corpus document. */
export interface CorpusDoc {
  _id: string;
  title: string;
  text: string;
}

/** A BEIR query; SQuAD-QA keeps gold answers in `metadata.answers`. */
export interface Query {
  _id: string;
  text: string;
  metadata?: { answers?: string[] };
}

/** Corpus, queries and qrels of one dataset folder (`scifact`, `squad-qa`). */
export function loadDataset(name: string, split: string) {
  const dir = join(dataDir(), name);
  const corpus = jsonl<CorpusDoc>(join(dir, "corpus.jsonl"));
  const queries = jsonl<Query>(join(dir, "queries.jsonl"));
  const qrels = new Map<string, string[]>();
  for (const line of readFileSync(join(dir, "qrels", `${split}.tsv`), "utf8")
    .split("\n")
    .slice(1)) {
    const [q, d, s] = line.split("\t");
    if (!q || !d || Number(s) <= 0) continue;
    qrels.set(q, [...(qrels.get(q) ?? []), d]);
  }
  return { corpus, queries, qrels };
}

/** Median and spread of a sample, for printing. */
export function stats(xs: number[]): { median: number; p10: number; p90: number; min: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  const at = (p: number) =>
    s[Math.min(s.length - 1, Math.max(0, Math.round(p * (s.length - 1))))] ?? Number.NaN;
  return { median: at(0.5), p10: at(0.1), p90: at(0.9), min: at(0), max: at(1) };
}

/** Context line every benchmark prints: figures are provisional until re-run on a quiet machine. */
export function header(name: string): void {
  const os = process.platform;
  console.log(
    `# ${name}  (${new Date().toISOString()}, node ${process.version}, ${os}; provisional: other load may be present)`,
  );
}
