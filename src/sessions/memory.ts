import { splitSentences } from "../providers/local/text/sentences";
import { estimateTokens } from "../providers/tokens";
import type { ChatMessage } from "../providers/types";
import type { SessionFact } from "./condense";

/**
 * Session memory policies: the most recent turns verbatim within a token budget, a rolling
 * summary of the turns that fell out of that window, and facts the user stated ("my project
 * is Atlas") that later questions can recall. Extractive and deterministic, so memory costs no
 * model call and behaves the same with every generator.
 *
 * Pure: no runtime imports.
 */

/** Budgets of a session's memory. */
export interface MemoryBudget {
  /** Tokens of verbatim recent messages given to the prompt. */
  recentTokens: number;
  /** Tokens of the rolling summary. */
  summaryTokens: number;
}

/** Default budgets: a few turns of verbatim history and a paragraph of summary. */
export const DEFAULT_MEMORY_BUDGET: MemoryBudget = { recentTokens: 1200, summaryTokens: 400 };

/** A stored message as memory sees it. */
export interface MemoryMessage {
  seq: number;
  role: "user" | "assistant";
  content: string;
}

/**
 * The newest messages whose total fits `budget` tokens, oldest first; at least the last one
 * (clipped by the caller's prompt budget if huge) so a follow-up always sees its predecessor.
 */
export function recentWithin<T extends MemoryMessage>(messages: readonly T[], budget: number): T[] {
  const out: T[] = [];
  let used = 0;
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i] as T;
    const cost = estimateTokens(m.content) + 4;
    if (out.length > 0 && used + cost > budget) break;
    out.unshift(m);
    used += cost;
  }
  return out;
}

/** Messages as chat messages for a prompt. */
export function asChat(messages: readonly MemoryMessage[]): ChatMessage[] {
  return messages.map((m) => ({ role: m.role, content: m.content }));
}

/**
 * Folds turns into the rolling summary: one line per turn (the question and the first sentence
 * of its answer), oldest lines dropped first to stay within `budget` tokens.
 */
export function foldSummary(previous: string, turns: readonly MemoryMessage[], budget: number): string {
  const lines = previous ? previous.split("\n") : [];
  for (let i = 0; i < turns.length; i++) {
    const m = turns[i] as MemoryMessage;
    if (m.role === "user") {
      const answer = turns[i + 1]?.role === "assistant" ? (turns[i + 1] as MemoryMessage).content : "";
      const first = splitSentences(answer)[0]?.text ?? "";
      lines.push(`Asked: ${oneLine(m.content, 40)}${first ? ` Answered: ${oneLine(first, 40)}` : ""}`);
      if (answer) i++;
    }
  }
  while (lines.length > 1 && estimateTokens(lines.join("\n")) > budget) lines.shift();
  return lines.join("\n");
}

function oneLine(text: string, maxWords: number): string {
  const words = text.replace(/\s+/g, " ").trim().split(" ");
  return words.length > maxWords ? `${words.slice(0, maxWords).join(" ")} …` : words.join(" ");
}

const FACT_PATTERNS: { re: RegExp; key?: string }[] = [
  { re: /\bmy name is ([\p{L}][\p{L}' -]{0,40}?)(?=[.,;!?]|$| and )/giu, key: "name" },
  {
    re: /\b(?:call me|i am called|i'm called) ([\p{L}][\p{L}' -]{0,40}?)(?=[.,;!?]|$| and )/giu,
    key: "name",
  },
  {
    re: /\bmy ([\p{L}][\p{L}-]*(?: [\p{L}][\p{L}-]*){0,2}) (?:is|are|is called|is named) ([^.,;!?\n]{1,80}?)(?=[.,;!?\n]|$| and )/giu,
  },
  { re: /\bi (?:work|am working) (?:at|for) ([^.,;!?\n]{1,60}?)(?=[.,;!?\n]|$| and )/giu, key: "employer" },
  { re: /\b(?:we|i) (?:use|are using|am using) ([^.,;!?\n]{1,60}?)(?=[.,;!?\n]|$| and )/giu, key: "tooling" },
];

/**
 * Facts a user message states about the user.
 * @example extractFacts("My project is Atlas and my team is Infra.") // → [{ key: "project", value: "Atlas" }, { key: "team", value: "Infra" }]
 */
export function extractFacts(text: string): SessionFact[] {
  if (/\?\s*$/.test(text.trim()) && !/\bmy \S+ (?:is|are)\b[^?]*[.!]/i.test(text)) return [];
  const out = new Map<string, string>();
  for (const { re, key } of FACT_PATTERNS) {
    for (const m of text.matchAll(re)) {
      const k = (key ?? (m[1] as string)).toLowerCase().trim();
      const v = (key ? (m[1] as string) : (m[2] as string)).trim();
      if (k && v && !/^(?:what|which|who|how|where|when)\b/i.test(v)) out.set(k, v);
    }
  }
  return [...out].map(([key, value]) => ({ key, value }));
}

/**
 * A question asking for a stated fact ("what is my project?", "what's my name?"), answered
 * from memory: returns the fact, or undefined when the question is not about one.
 */
export function recallFact(question: string, facts: readonly SessionFact[]): SessionFact | undefined {
  const m =
    /\b(?:what(?:'s| is| are)|who(?:'s| is)|remind me (?:of |what )?|do you (?:know|remember))\s+(?:was\s+)?my ([\p{L}][\p{L}-]*(?: [\p{L}][\p{L}-]*){0,2}?)(?: again)?\s*\??\s*$/iu.exec(
      question.trim(),
    );
  if (!m) return undefined;
  const key = (m[1] as string).toLowerCase();
  return facts.find((f) => f.key === key);
}
