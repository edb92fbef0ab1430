/**
 * Accuracy of the token estimator (src/providers/tokens.ts) against real BPE tokenizers on
 * SciFact and SQuAD paragraphs. Needs `gpt-tokenizer`, which is deliberately not a project
 * dependency (it is exactly the kind of table the Worker must not ship):
 *
 *   npm i --no-save gpt-tokenizer && npx tsx bench/providers/tokens.bench.ts
 */
import { estimateTokens } from "../../src/providers/tokens";
import { header, loadDataset, stats } from "./data";

type Encode = (text: string) => number[];
let encoders: [string, Encode][];
try {
  // Variable specifiers keep TypeScript from requiring the optional package at compile time.
  const cl100k: string = "gpt-tokenizer/encoding/cl100k_base";
  const o200k: string = "gpt-tokenizer/encoding/o200k_base";
  encoders = [
    ["cl100k", ((await import(cl100k)) as { encode: Encode }).encode],
    ["o200k", ((await import(o200k)) as { encode: Encode }).encode],
  ];
} catch {
  console.log("gpt-tokenizer is not installed: npm i --no-save gpt-tokenizer");
  process.exit(0);
}

header("token estimator vs BPE tokenizers");
const texts = ["scifact", "squad-qa"].flatMap((name) =>
  loadDataset(name, name === "scifact" ? "train" : "dev").corpus.map((d) => `${d.title} ${d.text}`),
);
for (const [name, encode] of encoders) {
  let actual = 0;
  let estimated = 0;
  const ratios = texts.map((t) => {
    const a = encode(t).length;
    const e = estimateTokens(t);
    actual += a;
    estimated += e;
    return e / a;
  });
  const s = stats(ratios);
  console.log(
    `${name.padEnd(7)} ${texts.length} paragraphs: estimate/actual overall ${(estimated / actual).toFixed(3)}, ` +
      `per text median ${s.median.toFixed(3)}  p10 ${s.p10.toFixed(3)}  p90 ${s.p90.toFixed(3)}  min ${s.min.toFixed(3)}  max ${s.max.toFixed(3)}`,
  );
}
