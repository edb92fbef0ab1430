import { analyseQuery, bigramHits, proximityScore, scoreTokenized } from "./lexical-scoring";
import { type AnalysedQuestion, analyseQuestion, hasAnswerCandidate } from "./question";
import { type Sentence, splitSentences } from "./text/sentences";
import { documentFrequencies, idf, isContent, type Token, tokenize } from "./text/terms";

/**
 * Extractive question answering without a model: score every sentence of the retrieved
 * passages against the question and return the best one or two, verbatim, with the passages
 * they came from. Pure; `extractive.generator.ts` adapts it to the Generator port.
 *
 * A sentence's score is its IDF-weighted coverage of the question (IDF over the sentences at
 * hand, so the article's subject weighs little), plus proximity and phrase matches, a bonus
 * when it holds the kind of answer asked for, and priors for its passage's relevance and rank.
 */

/** A passage to answer from. */
export interface ExtractivePassage {
  id: string;
  title?: string | null;
  text: string;
}

/** A sentence chosen for the answer. */
export interface ChosenSentence {
  passageIndex: number;
  text: string;
  score: number;
}

/** The outcome: `found` is false when no sentence is close enough to the question. */
export interface ExtractiveAnswer {
  found: boolean;
  sentences: ChosenSentence[];
}

/** Knobs, tuned on SQuAD dev (bench/providers/extractive-squad.bench.ts). */
export interface ExtractiveTuning {
  /** Share of the question's (IDF-weighted) terms a sentence must contain to answer on its own… */
  minCoverage: number;
  /**
   * …or, since questions are often paraphrased, at least `minSentenceCoverage` together with
   * `minMatchedTerms` distinct question words (one shared word is what unrelated text has).
   */
  minSentenceCoverage: number;
  minMatchedTerms: number;
  /**
   * Share of the question's topic words (full-weight content words, unweighted) the answering
   * sentence's passage must contain, title included. Sentence coverage is IDF-weighted over the
   * passages at hand, so one word that is rare there (a year, a name) can carry it; this asks
   * that the passage be about the question at all ("Who won the 1998 world cup?" is not
   * answered by an abstract that merely mentions 1998).
   */
  minPassageCoverage: number;
  /** Share of the question's names and numbers (see AnalysedQuestion.entities) the passage must contain. */
  minEntityCoverage: number;
  /** A sentence holding this many distinct question words is on topic whatever its passage holds. */
  onTopicSentenceTerms: number;
  /**
   * Distinct question topic words the answering sentence itself must contain (or all of them
   * when the question has fewer): one shared rare word is a coincidence, not an answer.
   */
  minSentenceTerms: number;
  /** A second sentence is added when it scores at least this share of the best one. */
  secondRatio: number;
  /** Sentences longer than this many words are cut to a window around the matched terms. */
  maxSentenceWords: number;
  /** Weights of the features added to a sentence's question coverage. */
  weights: {
    proximity: number;
    phrase: number;
    typed: number;
    passage: number;
    rank: number;
    restated: number;
  };
}

/**
 * Defaults from the SQuAD dev tuning runs (BM25 top-5 passages, bench/providers/
 * extractive-squad.bench.ts; figures in bench/README.md "Answers"). The topic checks (passage
 * 0.5, names and numbers 0.5, unless every name is there or the sentence holds 3 question
 * words) cut answers given to SQuAD questions from SciFact's BM25 top-5 from 58.9% to 29.3%
 * and from unrelated paragraphs from 3.0% to 1.3%; alone they cost 1.6 points of SQuAD
 * containment, which `secondRatio` 0.75 (a second sentence more often: 36 → 39 words median)
 * mostly wins back (81.5% → 81.3%). `minSentenceTerms` 2 cost more than it saved: off.
 */
export const DEFAULT_TUNING: ExtractiveTuning = {
  minCoverage: 0.3,
  minSentenceCoverage: 0.15,
  minMatchedTerms: 2,
  minPassageCoverage: 0.5,
  minEntityCoverage: 0.5,
  onTopicSentenceTerms: 3,
  minSentenceTerms: 0,
  secondRatio: 0.75,
  maxSentenceWords: 60,
  weights: { proximity: 0.2, phrase: 0.1, typed: 0.35, passage: 0.4, rank: 0.15, restated: 0.5 },
};

interface Candidate {
  passageIndex: number;
  /** Position among all sentences of all passages, in reading order. */
  order: number;
  sentence: Sentence;
  tokens: Token[];
  score: number;
  coverage: number;
  /** Distinct full-weight question terms the sentence contains. */
  matchedTerms: number;
  /** Holds a candidate of the expected answer type. */
  typed: boolean;
  /** Share of the question's topic words its passage contains (see `minPassageCoverage`). */
  passageCoverage: number;
  /** Share of the question's names and numbers its passage contains (see `minEntityCoverage`). */
  entityCoverage: number;
  /** The passage holds every name (not number) of the question, and the question has one. */
  allNames: boolean;
}

/**
 * Picks the answer sentences for `question` from `passages` (in retrieval order).
 * @example extractAnswer("When was the Duchy founded?", [{ id: "c1", text: "The duchy was founded in 911. It grew." }])
 *   // → { found: true, sentences: [{ passageIndex: 0, text: "The duchy was founded in 911.", … }] }
 */
export function extractAnswer(
  question: string,
  passages: readonly ExtractivePassage[],
  tuning: ExtractiveTuning = DEFAULT_TUNING,
): ExtractiveAnswer {
  const q = analyseQuestion(question);
  if (q.terms.size === 0 || passages.length === 0) return { found: false, sentences: [] };
  const candidates = collect(passages);
  if (candidates.length === 0) return { found: false, sentences: [] };
  score(q, candidates, passages, tuning.weights);
  const ranked = [...candidates].sort((a, b) => b.score - a.score || a.order - b.order);
  const best = ranked[0] as Candidate;
  const topicCount = [...q.terms.values()].filter((m) => m === 1).length;
  if (!answerable(best, tuning, topicCount)) return { found: false, sentences: [] };
  const chosen = [best];
  const second = ranked[1];
  if (second && second.score >= tuning.secondRatio * best.score && answerable(second, tuning, topicCount)) {
    chosen.push(second);
  } else {
    const neighbour = stitch(best, candidates);
    if (neighbour) chosen.push(neighbour);
  }
  // Present in reading order: passage order, then position in the passage.
  chosen.sort((a, b) => a.order - b.order);
  return {
    found: true,
    sentences: chosen.map((c) => ({
      passageIndex: c.passageIndex,
      text: clip(c.sentence.text, c.tokens, q, tuning.maxSentenceWords),
      score: c.score,
    })),
  };
}

function collect(passages: readonly ExtractivePassage[]): Candidate[] {
  const out: Candidate[] = [];
  passages.forEach((p, passageIndex) => {
    for (const sentence of splitSentences(p.text)) {
      const tokens = tokenize(sentence.text);
      out.push({
        passageIndex,
        order: out.length,
        sentence,
        tokens,
        score: 0,
        coverage: 0,
        matchedTerms: 0,
        typed: false,
        passageCoverage: 0,
        entityCoverage: 0,
        allNames: false,
      });
    }
  });
  return out;
}

function score(
  q: AnalysedQuestion,
  candidates: Candidate[],
  passages: readonly ExtractivePassage[],
  w: ExtractiveTuning["weights"],
): void {
  // Passage prior: sentences from the passage matching the question best as a whole (title
  // included) are more likely to be about the right subject.
  const passageTokens = passages.map((p) => tokenize(p.title ? `${p.title}\n${p.text}` : p.text));
  const passageScores = scoreTokenized(analyseQuery([...q.words.values()].join(" ")), passageTokens).map(
    (s) => s.score,
  );
  const maxPassage = Math.max(...passageScores) || 1;
  const topicStems = [...q.terms].filter(([, m]) => m === 1).map(([s]) => s);
  const topical = topicCoverage(q, topicStems, passageTokens);
  const named = topicCoverage(q, [...q.entities], passageTokens);
  const names = [...q.entities].filter((e) => !/\d/.test(e));
  const allNames = names.length ? topicCoverage(q, names, passageTokens) : passageTokens.map(() => 0);

  const df = documentFrequencies(candidates.map((c) => c.tokens));
  const weights = new Map<string, number>();
  for (const [term, mult] of q.terms) weights.set(term, mult * idf(df.get(term) ?? 0, candidates.length));
  const total = [...weights.values()].reduce((a, b) => a + b, 0) || 1;

  for (const c of candidates) {
    const stems = new Set(c.tokens.map((t) => t.stem));
    const lowers = c.tokens.map((t) => t.lower);
    let matched = 0;
    for (const [term, weight] of weights) {
      if (stems.has(term)) {
        matched += weight;
        if (q.terms.get(term) === 1) c.matchedTerms++;
      } else if (prefixMatch(q.words.get(term) ?? term, lowers)) {
        matched += 0.5 * weight;
      }
    }
    c.coverage = matched / total;
    c.passageCoverage = topical[c.passageIndex] ?? 0;
    c.entityCoverage = named[c.passageIndex] ?? 0;
    c.allNames = (allNames[c.passageIndex] ?? 0) === 1;
    c.typed = hasAnswerCandidate(q.type, c.sentence.text, c.tokens, q);
    // A sentence made only of question words restates the question; it cannot answer it.
    const restates = !c.tokens.some((t) => isContent(t) && !weights.has(t.stem));
    c.score =
      c.coverage +
      w.proximity * proximityScore(c.tokens, weights) +
      w.phrase * (q.bigrams.length ? bigramHits(c.tokens, q.bigrams) / q.bigrams.length : 0) +
      (c.typed ? w.typed * c.coverage : 0) +
      w.passage * ((passageScores[c.passageIndex] ?? 0) / maxPassage) +
      w.rank / (1 + c.passageIndex) -
      (restates ? w.restated : 0);
  }
}

function answerable(c: Candidate, t: ExtractiveTuning, topicCount: number): boolean {
  // On topic: the passage holds enough of the question's words and names, or every one of its
  // names ("Against whom did the Camisards rise up?" paraphrases the rest), or the sentence
  // itself holds several of its words (long paraphrased questions) and its names still count.
  const names = c.entityCoverage >= t.minEntityCoverage;
  const onTopic =
    (c.passageCoverage >= t.minPassageCoverage && names) ||
    c.allNames ||
    (c.matchedTerms >= t.onTopicSentenceTerms && names);
  if (!onTopic) return false;
  if (c.matchedTerms < Math.min(t.minSentenceTerms, topicCount)) return false;
  return (
    c.coverage >= t.minCoverage ||
    (c.coverage >= t.minSentenceCoverage && c.matchedTerms >= t.minMatchedTerms)
  );
}

/**
 * Per passage, the share of `topic` (question stems) it contains, a 5-letter prefix match
 * counting for variants the stemmer misses; 1 when `topic` is empty.
 */
function topicCoverage(
  q: AnalysedQuestion,
  topic: readonly string[],
  passageTokens: readonly Token[][],
): number[] {
  // Numbers (years, counts) are shared by many unrelated texts: they weigh half a word.
  const weightOf = (stem: string) => (/\d/.test(stem) ? 0.5 : 1);
  if (topic.length === 0) return passageTokens.map(() => 1);
  return passageTokens.map((tokens) => {
    const stems = new Set(tokens.map((t) => t.stem));
    const lowers = tokens.map((t) => t.lower);
    // A 6-letter prefix here ("Normans"/"Normandy"), not 5: "Normandy" must not match "normal".
    let hit = 0;
    let total = 0;
    for (const s of topic) {
      const w = weightOf(s);
      total += w;
      if (stems.has(s) || prefixMatch(q.words.get(s) ?? s, lowers, 6)) hit += w;
    }
    return hit / total;
  });
}

const ANAPHOR = /^(this|that|these|those|it|its|they|their|he|his|she|her|such|there)\b/i;

/**
 * A neighbour that completes the best sentence: its antecedent when it opens with an anaphor
 * ("This solves the problem…"), else the adjacent sentence carrying the kind of answer asked
 * for when the best one matches the question but holds no candidate (the answer is often in
 * the next sentence of the same passage).
 */
function stitch(best: Candidate, all: readonly Candidate[]): Candidate | undefined {
  const same = (c: Candidate | undefined) => (c && c.passageIndex === best.passageIndex ? c : undefined);
  const prev = same(all[best.order - 1]);
  const next = same(all[best.order + 1]);
  if (prev && ANAPHOR.test(best.sentence.text)) return prev;
  if (!best.typed) return next?.typed ? next : prev?.typed ? prev : undefined;
  return undefined;
}

/** Morphological variants the stemmer misses ("Norse"/"Norseman"): a shared 5-letter prefix. */
function prefixMatch(word: string, lowers: readonly string[], n = 5): boolean {
  if (word.length < n) return false;
  const p = word.slice(0, n);
  return lowers.some((l) => l.length >= n && l.startsWith(p));
}

/** Cuts an overlong sentence to the window of `maxWords` words holding the most question terms. */
function clip(text: string, tokens: readonly Token[], q: AnalysedQuestion, maxWords: number): string {
  if (tokens.length <= maxWords) return text;
  let bestStart = 0;
  let bestHits = -1;
  for (let s = 0; s + maxWords <= tokens.length; s++) {
    let hits = 0;
    for (let i = s; i < s + maxWords; i++) if (q.terms.has((tokens[i] as Token).stem)) hits++;
    if (hits > bestHits) {
      bestHits = hits;
      bestStart = s;
    }
  }
  const from = (tokens[bestStart] as Token).start;
  const to = (tokens[bestStart + maxWords - 1] as Token).end;
  return `${from > 0 ? "… " : ""}${text.slice(from, to)}${to < text.length ? " …" : ""}`;
}
