import { isContent, type Token, tokenize } from "./text/terms";

/**
 * What a question asks for. Extractive QA lives on two signals: which passage sentence shares
 * the question's rare words, and whether that sentence contains something of the kind the
 * question wants (a date for "when", a number for "how many", a name for "who") that the
 * question itself does not already say.
 */

/** Expected answer types, from the question's wording. */
export type AnswerType = "date" | "number" | "person" | "place" | "reason" | "other";

/** A question analysed for sentence selection. */
export interface AnalysedQuestion {
  type: AnswerType;
  /** Distinct content stems with their weight multiplier (frame words like "year" count less). */
  terms: Map<string, number>;
  /** Lower-cased content words, for prefix matching of morphological variants. */
  words: Map<string, string>;
  /** Adjacent content-stem pairs. */
  bigrams: string[];
  /**
   * Stems of the question's names and numbers: capitalised words other than the first, and
   * words with digits ("Normandy", "1998", "Super Bowl 50"). What the question is about, as
   * opposed to how it is phrased.
   */
  entities: Set<string>;
}

// Words that describe the answer's shape rather than its topic ("what year", "the name of"):
// answer sentences rarely repeat them, so they must not decide which sentence wins.
const FRAME_WORDS = new Set(
  (
    "name named names call called term terms refer referred known kind kinds type types year years date dates " +
    "century centuries decade decades time times day days month months many much number numbers amount percentage " +
    "percent long far old large big size first last main primary example examples word words describe described " +
    "happen happened occur occurred"
  ).split(" "),
);

const TYPE_RULES: [RegExp, AnswerType][] = [
  [/\b(how (many|much|long|far|old|large|big|tall|high|wide|deep|often|fast|heavy))\b/, "number"],
  [/\bwhat (percentage|percent|proportion|number|amount|size|population|fraction|rate)\b/, "number"],
  [
    /\b(when|what (year|date|day|month|century|decade|time|period|era|age)|which (year|century|decade|month))\b/,
    "date",
  ],
  [/\b(in|by|during|until|since) (what|which) (year|century|decade|month|period)\b/, "date"],
  [/\b(who|whom|whose)\b/, "person"],
  [
    /\b(what|which) (person|people|man|woman|king|queen|ruler|leader|president|author|artist|scientist|company|group|organization|team|family|dynasty)\b/,
    "person",
  ],
  [/\bwhere\b/, "place"],
  [
    /\b(what|which) (country|city|state|region|place|continent|location|river|island|town|area|province|county|nation|mountain|sea|ocean)\b/,
    "place",
  ],
  [/\bwhy\b/, "reason"],
];

/** Classifies and analyses a question. */
export function analyseQuestion(question: string): AnalysedQuestion {
  const lower = question.toLowerCase();
  const type = TYPE_RULES.find(([re]) => re.test(lower))?.[1] ?? "other";
  const content = tokenize(question).filter(isContent);
  const terms = new Map<string, number>();
  const words = new Map<string, string>();
  for (const t of content) {
    terms.set(t.stem, FRAME_WORDS.has(t.lower) ? 0.25 : 1);
    words.set(t.stem, t.lower);
  }
  const bigrams: string[] = [];
  for (let i = 1; i < content.length; i++) bigrams.push(`${content[i - 1]?.stem} ${content[i]?.stem}`);
  const entities = new Set(
    content
      .filter(
        (t) =>
          !FRAME_WORDS.has(t.lower) &&
          !ROMAN.test(t.raw) &&
          ((t.start > 0 && /^\p{Lu}/u.test(t.raw) && t.raw.length > 2) || /\d/.test(t.raw)),
      )
      .map((t) => t.stem),
  );
  return { type, terms, words, bigrams, entities };
}

/** Regnal numbers ("Harold II") name nothing on their own. */
const ROMAN = /^[IVX]{1,4}$/;

const MONTHS = new Set(
  "january february march april may june july august september october november december".split(" "),
);
const DAYS = new Set("monday tuesday wednesday thursday friday saturday sunday".split(" "));
const NUMBER_WORDS = new Set(
  (
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen " +
    "eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred hundreds thousand thousands " +
    "million millions billion billions trillion dozen dozens half quarter third twice percent"
  ).split(" "),
);
const REASON_CUES =
  /\b(because|due to|owing to|as a result|in order to|so that|since|caused by|led to|resulted in|thanks to|reason)\b/i;

/**
 * Whether `sentence` holds a candidate answer of `type` that is not part of the question:
 * the single strongest sign that a topical sentence actually answers.
 */
export function hasAnswerCandidate(
  type: AnswerType,
  sentence: string,
  tokens: readonly Token[],
  question: AnalysedQuestion,
): boolean {
  const novel = tokens.filter((t) => !question.terms.has(t.stem));
  switch (type) {
    case "date":
      return novel.some(
        (t) =>
          /^\d{3,4}s?$/.test(t.lower) ||
          /^\d{1,2}(st|nd|rd|th)$/.test(t.lower) ||
          MONTHS.has(t.lower) ||
          DAYS.has(t.lower) ||
          t.lower === "century" ||
          t.lower === "centuries" ||
          t.lower === "bc" ||
          t.lower === "ad",
      );
    case "number":
      return novel.some((t) => /\d/.test(t.lower) || NUMBER_WORDS.has(t.lower));
    case "person":
    case "place":
      // A capitalised word that is not the sentence's first word and not from the question.
      return novel.some((t) => t.start > 0 && /^\p{Lu}/u.test(t.raw) && !MONTHS.has(t.lower) && isContent(t));
    case "reason":
      return REASON_CUES.test(sentence);
    case "other":
      return novel.some(isContent);
  }
}
