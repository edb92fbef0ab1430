/**
 * Extractive generator quality on SQuAD 2.0 dev (answerable questions): share of answers that
 * contain a gold answer string, with (a) the gold paragraph only and (b) the BM25 top-k
 * paragraphs as retrieved passages; plus answer length, the "no answer" rate on answerable
 * questions, and the false-answer rate when the passages are from an unrelated article
 * (`unrelated`) or are the BM25 top-k of the SciFact corpus (`scifact`: Wikipedia questions
 * against biomedical abstracts, where lexical hits like a shared year are not answers).
 *
 *   npx tsx bench/providers/extractive-squad.bench.ts [--k 5] [--limit N]
 *     [--min-passage-coverage X] [--min-entity-coverage X] [--min-sentence-terms N] [--second-ratio X]
 *   (the flags override DEFAULT_TUNING, for sweeps)
 */
import { containsGold } from "../../src/eval/qa";
import { DEFAULT_TUNING } from "../../src/providers/local/extractive";
import { createExtractiveGenerator, NO_ANSWER } from "../../src/providers/local/extractive.generator";
import type { GroundingPassage } from "../../src/providers/types";
import { createBm25 } from "./bm25";
import { header, loadDataset, stats } from "./data";

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const k = arg("k", 5);
const limit = arg("limit", Number.POSITIVE_INFINITY);

header("extractive generator on SQuAD-QA dev");
const { corpus, queries, qrels } = loadDataset("squad-qa", "dev");
const byId = new Map(corpus.map((d) => [d._id, d]));
const bm25 = createBm25(corpus.map((d) => ({ id: d._id, text: `${d.title} ${d.text}` })));
// --min-passage-coverage X: sweep the no-answer threshold without editing DEFAULT_TUNING.
const minPassage = process.argv.includes("--min-passage-coverage")
  ? arg("min-passage-coverage", DEFAULT_TUNING.minPassageCoverage)
  : DEFAULT_TUNING.minPassageCoverage;
const minEntity = process.argv.includes("--min-entity-coverage")
  ? arg("min-entity-coverage", DEFAULT_TUNING.minEntityCoverage)
  : DEFAULT_TUNING.minEntityCoverage;
const minTerms = process.argv.includes("--min-sentence-terms")
  ? arg("min-sentence-terms", DEFAULT_TUNING.minSentenceTerms)
  : DEFAULT_TUNING.minSentenceTerms;
const generator = createExtractiveGenerator("local:extractive", {
  ...DEFAULT_TUNING,
  minSentenceTerms: minTerms,
  secondRatio: process.argv.includes("--second-ratio")
    ? arg("second-ratio", DEFAULT_TUNING.secondRatio)
    : DEFAULT_TUNING.secondRatio,
  minPassageCoverage: minPassage,
  minEntityCoverage: minEntity,
});
console.log(`minPassageCoverage ${minPassage} minEntityCoverage ${minEntity} minSentenceTerms ${minTerms}`);
const scifact = loadDataset("scifact", "train").corpus;
const scifactBm25 = createBm25(scifact.map((d) => ({ id: d._id, text: `${d.title} ${d.text}` })));
const toPassage = (d: (typeof corpus)[number]): GroundingPassage => ({
  id: d._id,
  documentId: d._id,
  title: d.title,
  text: d.text,
});

async function run(mode: "gold" | "bm25" | "unrelated" | "scifact") {
  let contains = 0;
  let containsCase = 0;
  let noAnswer = 0;
  let n = 0;
  const words: number[] = [];
  const ms: number[] = [];
  for (const q of queries.slice(0, limit)) {
    const answers = q.metadata?.answers ?? [];
    const gold = qrels.get(q._id)?.[0];
    if (!answers.length || !gold) continue;
    const goldDoc = byId.get(gold);
    if (!goldDoc) continue;
    let passages: GroundingPassage[];
    if (mode === "gold") passages = [toPassage(goldDoc)];
    else if (mode === "bm25")
      passages = bm25.search(q.text, k).map((i) => toPassage(corpus[i] as (typeof corpus)[number]));
    else if (mode === "scifact")
      passages = scifactBm25.search(q.text, k).map((i) => toPassage(scifact[i] as (typeof scifact)[number]));
    else
      passages = corpus
        .filter((d) => d.title !== goldDoc.title)
        .slice(n % 500, (n % 500) + k)
        .map(toPassage);
    const t0 = performance.now();
    const r = await generator.generate({ messages: [], question: q.text, passages });
    ms.push(performance.now() - t0);
    n++;
    if (r.text === NO_ANSWER) noAnswer++;
    else words.push(r.text.split(/\s+/).length);
    // SQuAD normalisation (case, punctuation, articles; whole words), as bench/answers scores.
    if (containsGold(r.text, answers)) contains++;
    if (answers.some((a) => r.text.includes(a))) containsCase++;
  }
  const w = stats(words);
  const t = stats(ms);
  const pct = (x: number) => `${((100 * x) / n).toFixed(1)}%`;
  if (mode === "unrelated" || mode === "scifact") {
    console.log(`${mode.padEnd(9)} n=${n}  answered-anyway ${pct(n - noAnswer)}  (lower is better)`);
  } else {
    console.log(
      `${mode.padEnd(9)} n=${n}  contains-gold ${pct(contains)} (case-sensitive ${pct(containsCase)})  no-answer ${pct(noAnswer)}  ` +
        `words median ${w.median} p90 ${w.p90}  latency ms median ${t.median.toFixed(3)} p90 ${t.p90.toFixed(3)}`,
    );
  }
}

await run("gold");
await run("bm25");
await run("unrelated");
await run("scifact");
console.log(`(bm25, unrelated and scifact use k=${k} passages)`);
