import type { ChatMessage } from "../providers/types";

/**
 * An OpenAI `messages` array as edgerag reads it: the last user message is the question,
 * earlier user and assistant messages are the conversation (what a follow-up is condensed
 * against), and system/developer messages are the application's instructions.
 *
 * Pure: no runtime imports.
 */

/** A message as the request schema accepts it (string content or text parts). */
export interface IncomingMessage {
  role: string;
  content?: string | readonly { type: string; text?: unknown }[] | null;
}

/** The conversation behind a chat completion request. */
export interface Conversation {
  /** The last user message: what to answer. */
  question: string;
  /** Earlier user and assistant turns, oldest first. */
  history: (ChatMessage & { role: "user" | "assistant" })[];
  /** System and developer messages, in order. */
  instructions: string[];
}

/** A message's text: the string itself, or its text parts joined by newlines. */
export function messageText(m: IncomingMessage): string {
  if (typeof m.content === "string") return m.content;
  if (!m.content) return "";
  return m.content
    .filter((p) => p.type === "text" && typeof p.text === "string")
    .map((p) => p.text as string)
    .join("\n");
}

/**
 * Splits `messages` (already validated: the last one is the user's) into question, history
 * and instructions.
 * @example toConversation([{ role: "user", content: "What is X?" }, { role: "assistant", content: "X is Y." }, { role: "user", content: "and its limits?" }])
 *   // → { question: "and its limits?", history: [user "What is X?", assistant "X is Y."], instructions: [] }
 */
export function toConversation(messages: readonly IncomingMessage[]): Conversation {
  const history: Conversation["history"] = [];
  const instructions: string[] = [];
  messages.slice(0, -1).forEach((m) => {
    const text = messageText(m).trim();
    if (!text) return;
    if (m.role === "system" || m.role === "developer") instructions.push(text);
    else if (m.role === "user" || m.role === "assistant") history.push({ role: m.role, content: text });
  });
  const last = messages.at(-1);
  return { question: last ? messageText(last).trim() : "", history, instructions };
}
