import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type BeirDocument, type BeirQuery, parseJsonl, parseQrels } from "../../src/eval/beir";
import { evaluateMode, formatReport, ingestCorpus, STANDARD_MODES } from "../../src/eval/harness";
import type { Client } from "../client";

const USAGE =
  "usage: edgerag eval <beir-folder> [--split train|dev|test] [--mode keyword,vector,hybrid,hybrid+rerank] [--ingest] [--json]";

/**
 * `edgerag eval <beir-folder>`: scores `/v1/search` on a BEIR dataset (corpus.jsonl,
 * queries.jsonl, qrels/<split>.tsv). With `--ingest` the corpus is uploaded first (ids =
 * BEIR `_id`); without it the tenant must already hold it. Prints nDCG@10, Recall@100,
 * MRR@10, Recall@1/@5 and latency per mode.
 */
export async function evalCommand(
  client: Client,
  args: string[],
  flags: Record<string, string | boolean | undefined>,
) {
  const dir = args[0];
  if (!dir) throw new Error(USAGE);
  const key = client.config.key;
  if (!key) throw new Error("No API key: pass --key or set EDGERAG_KEY.");
  const files = ["corpus.jsonl", "queries.jsonl"];
  const read = (p: string) => {
    try {
      return readFileSync(join(dir, p), "utf8");
    } catch {
      throw new Error(
        `${join(dir, p)} not found; ${dir} must be a BEIR folder (${files.join(", ")}, qrels/<split>.tsv).`,
      );
    }
  };
  const split = typeof flags.split === "string" ? flags.split : "test";
  const qrels = parseQrels(read(join("qrels", `${split}.tsv`)));
  const queries = parseJsonl<BeirQuery>(read("queries.jsonl"), "queries.jsonl").filter((q) =>
    qrels.has(q._id),
  );
  const names = typeof flags.mode === "string" ? flags.mode.split(",") : STANDARD_MODES.map((m) => m.name);
  const modes = names.map((n) => {
    const m = STANDARD_MODES.find((s) => s.name === n);
    if (!m) throw new Error(`unknown mode '${n}'; use ${STANDARD_MODES.map((s) => s.name).join(", ")}`);
    return m;
  });
  const target = { url: client.config.url, key };
  if (flags.ingest) {
    const corpus = parseJsonl<BeirDocument>(read("corpus.jsonl"), "corpus.jsonl");
    const r = await ingestCorpus(target, corpus);
    if (!flags.json)
      console.log(`ingested ${corpus.length} documents in ${r.seconds.toFixed(1)} s, ${r.failed} failed`);
  }
  const reports = [];
  for (const mode of modes) reports.push(await evaluateMode(target, queries, qrels, mode));
  return flags.json ? reports : reports.map(formatReport).join("\n");
}
