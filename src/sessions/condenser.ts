import { NO_ANSWER } from "../providers/local/extractive.generator";
import type { ChatMessage, Generator } from "../providers/types";
import { condense, needsContext, type SessionFact } from "./condense";

/**
 * Turning a follow-up into a standalone query before retrieval. The rule-based condenser
 * (condense.ts) costs nothing and handles pronouns and ellipsis; when the tenant's generator is
 * a model, the model rewrites the follow-up with the conversation in view (it resolves "the
 * second one" or "that city" which rules cannot), bounded in tokens and time, and any failure,
 * timeout or unusable reply falls back to the rules. A question that already stands alone is
 * never sent to the model.
 */

/** What a follow-up is condensed with. */
export interface CondenseInput {
  query: string;
  /** The previous question in standalone form. */
  previous?: string;
  facts: readonly SessionFact[];
  /** Recent turns, oldest first (the model sees them; the rules use `previous`). */
  recent: readonly ChatMessage[];
  signal?: AbortSignal;
}

/** The standalone query and how it was made. */
export interface Condensed {
  query: string;
  by: "rules" | "model";
}

/** The condensing port. */
export interface Condenser {
  condense(input: CondenseInput): Promise<Condensed>;
}

/** Version of the condensing prompt (changes with its wording); logged with model-condensed turns. */
export const CONDENSE_TEMPLATE_VERSION = "condense-v1";

/** What the query log keeps about how a query was condensed (nothing for the rules). */
export function condenseLog(c: Condensed): Record<string, unknown> {
  return c.by === "model" ? { condensed_by: "model", condense_template: CONDENSE_TEMPLATE_VERSION } : {};
}
/** Longest condensing call before the rules take over. */
export const CONDENSE_TIMEOUT_MS = 4000;
/** Output budget of a condensing call: one question. */
export const CONDENSE_MAX_TOKENS = 96;
/** Longest usable rewrite, in characters (a longer reply is an answer, not a question). */
const MAX_REWRITE_CHARS = 400;
/** Recent messages shown to the model, and characters kept of each. */
const RECENT_MESSAGES = 6;
const RECENT_CHARS = 600;

const SYSTEM = [
  "You rewrite the user's follow-up message as a standalone search query that can be understood without the conversation.",
  "Resolve pronouns and references (it, they, that one, the second) using the conversation below.",
  "Keep names, numbers and technical terms exactly as written. Do not answer the question and do not add facts.",
  "If the follow-up already stands alone, repeat it unchanged. Reply with the rewritten question only, on one line.",
].join(" ");

/** The rules alone (condense.ts). */
export function ruleCondenser(): Condenser {
  return {
    async condense(input) {
      return { query: condense(input.query, input.previous, input.facts), by: "rules" };
    },
  };
}

/**
 * A model condenser over `generator`, falling back to the rules. Only model providers answer
 * it: when a fallback chain ends in `local:extractive` and the model is down, the extractive
 * reply is ignored and the rules decide.
 */
export function modelCondenser(
  generator: Generator,
  opts: { timeoutMs?: number; maxTokens?: number } = {},
): Condenser {
  const rules = ruleCondenser();
  return {
    async condense(input) {
      const fallback = () => rules.condense(input);
      const ruled = condense(input.query, input.previous, input.facts);
      if (!input.previous && !input.recent.length) return { query: ruled, by: "rules" };
      if (!needsContext(input.query)) return { query: ruled, by: "rules" };
      const timeout = AbortSignal.timeout(opts.timeoutMs ?? CONDENSE_TIMEOUT_MS);
      const signal = input.signal ? AbortSignal.any([input.signal, timeout]) : timeout;
      try {
        const out = await generator.generate({
          messages: condenseMessages(input),
          question: "",
          passages: [],
          maxTokens: opts.maxTokens ?? CONDENSE_MAX_TOKENS,
          temperature: 0,
          signal,
        });
        const rewrite = cleanRewrite(out.text);
        if (out.provider.startsWith("local:") || !rewrite) return fallback();
        return { query: rewrite, by: "model" };
      } catch (err) {
        // The caller's own abort ends the turn; anything else (timeout, provider down) is the rules' turn.
        if (input.signal?.aborted) throw err;
        return fallback();
      }
    },
  };
}

/** The condensing prompt: instructions and the conversation as system text, the follow-up as the user's. */
export function condenseMessages(input: CondenseInput): ChatMessage[] {
  const lines = input.recent
    .slice(-RECENT_MESSAGES)
    .map((m) => `${m.role === "user" ? "User" : "Assistant"}: ${clip(m.content)}`);
  if (!lines.length && input.previous) lines.push(`User: ${clip(input.previous)}`);
  const facts = input.facts.length
    ? `\nFacts the user stated: ${input.facts.map((f) => `${f.key}: ${f.value}`).join("; ")}`
    : "";
  return [
    { role: "system", content: `${SYSTEM}\n\nConversation:\n${lines.join("\n")}${facts}` },
    { role: "user", content: input.query.trim() },
  ];
}

/**
 * The first line of a model's reply, without the labels and quotes models like to add; empty
 * when the reply is not a usable question (too long, or the no-answer sentence).
 */
export function cleanRewrite(text: string): string {
  const line =
    text
      .split("\n")
      .map((l) => l.trim())
      .find((l) => l.length > 0) ?? "";
  const cleaned = line
    .replace(/^(standalone (question|query)|rewritten (question|query)|question|query)\s*:\s*/i, "")
    .replace(/^["'“”‘’`]+|["'“”‘’`]+$/g, "")
    .trim();
  if (!cleaned || cleaned.length > MAX_REWRITE_CHARS || cleaned.includes(NO_ANSWER)) return "";
  return cleaned;
}

function clip(text: string): string {
  const t = text.replace(/\s+/g, " ").trim();
  return t.length > RECENT_CHARS ? `${t.slice(0, RECENT_CHARS)}…` : t;
}
