/**
 * SciFact as chunks for the provider benchmarks: `title + text` per document (as the data
 * README prescribes), packed sentence by sentence into chunks of at most ~`maxTokens`
 * estimated tokens. A stand-in for the ingest chunker so provider figures do not depend on it.
 */
import { splitSentences } from "../../src/providers/local/text/sentences";
import { estimateTokens } from "../../src/providers/tokens";
import { loadDataset } from "./data";

/** One chunk of a SciFact abstract. */
export interface BenchChunk {
  id: string;
  documentId: string;
  title: string;
  text: string;
}

/** All SciFact chunks, in corpus order. */
export function scifactChunks(maxTokens = 256): BenchChunk[] {
  const { corpus } = loadDataset("scifact", "train");
  const out: BenchChunk[] = [];
  for (const d of corpus) {
    let current: string[] = [];
    let tokens = 0;
    const flush = () => {
      if (!current.length) return;
      out.push({ id: `${d._id}#${out.length}`, documentId: d._id, title: d.title, text: current.join(" ") });
      current = [];
      tokens = 0;
    };
    for (const s of splitSentences(`${d.title}. ${d.text}`)) {
      const t = estimateTokens(s.text);
      if (tokens + t > maxTokens) flush();
      current.push(s.text);
      tokens += t;
    }
    flush();
  }
  return out;
}
