import { isContent, tokenize } from "../providers/local/text/terms";

/**
 * Condenses a follow-up ("and what about its limits?") into a standalone query using the
 * previous turn, so retrieval finds the right chunks without a model: pronouns that point back
 * are replaced by the previous question's topic, elliptical questions ("what about pricing?")
 * get the topic appended, and "my <thing>" becomes the fact the user stated earlier. A question
 * that already stands alone is returned unchanged.
 *
 * Pure: no runtime imports.
 */

/** A fact the user stated in the session ("my project is Atlas" → project = Atlas). */
export interface SessionFact {
  key: string;
  value: string;
}

const ANAPHORA = /\b(it|its|it's|they|them|their|theirs|this|that|these|those|he|him|his|she|her|there)\b/i;
const ELLIPSIS =
  /^\s*(?:and|also|but|so|then|ok(?:ay)?|what about|how about|and what about|and how about)\b/i;
const QUESTION_WORDS = new Set([
  "what",
  "how",
  "why",
  "when",
  "where",
  "who",
  "which",
  "whom",
  "whose",
  "about",
  "tell",
  "explain",
  "describe",
  "does",
  "do",
  "is",
  "are",
  "can",
]);

/** True when `query` cannot be understood without the previous turn. */
export function needsContext(query: string): boolean {
  if (ANAPHORA.test(query) || ELLIPSIS.test(query)) return true;
  return tokenize(query).filter((t) => isContent(t) && !QUESTION_WORDS.has(t.lower)).length < 2;
}

/**
 * The topic of a question: its content words in order, without question words.
 * @example topicOf("What is the Acme rate limiter?") // → "Acme rate limiter"
 */
export function topicOf(question: string): string {
  return tokenize(question)
    .filter((t) => isContent(t) && !QUESTION_WORDS.has(t.lower))
    .map((t) => t.raw)
    .join(" ");
}

/**
 * The standalone form of `query` given the previous (standalone) question and session facts.
 * @example condense("and what about its limits?", "What is the Acme rate limiter?") // → "what about Acme rate limiter's limits?"
 */
export function condense(
  query: string,
  previous: string | undefined,
  facts: readonly SessionFact[] = [],
): string {
  let q = withFacts(query.trim(), facts);
  if (!previous || !needsContext(q)) return q;
  const topic = topicOf(previous);
  if (!topic) return q;
  q = q.replace(/^\s*(?:and|also|but|so|then|ok(?:ay)?)\b[\s,]*/i, "");
  let replaced = false;
  q = q.replace(new RegExp(ANAPHORA.source, "gi"), (word: string) => {
    replaced = true;
    const w = word.toLowerCase();
    if (w === "its" || w === "their" || w === "theirs" || w === "his") return `${topic}'s`;
    if (w === "it's") return `${topic} is`;
    if (w === "there") return `in ${topic}`;
    return topic;
  });
  if (!replaced) q = `${q.replace(/[?.!\s]+$/, "")} of ${topic}?`;
  return q.charAt(0).toUpperCase() + q.slice(1);
}

/** "my project" → the value of the `project` fact, when the user stated one. */
function withFacts(query: string, facts: readonly SessionFact[]): string {
  let q = query;
  for (const f of facts) {
    q = q.replace(new RegExp(`\\bmy ${escapeRegExp(f.key)}\\b`, "gi"), f.value);
  }
  return q;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
