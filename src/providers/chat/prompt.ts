import type { ChatMessage, GenerateRequest } from "../types";

/**
 * The messages a chat model gets. Callers normally build them from versioned prompt templates;
 * when a request carries only `question` and `passages`, this grounded default is used so
 * every generator answers the same request shape.
 */
export function messagesOf(request: GenerateRequest): ChatMessage[] {
  if (request.messages.length) return request.messages;
  const context = request.passages
    .map((p, i) => `[${i + 1}]${p.title ? ` ${p.title}:` : ""} ${p.text}`)
    .join("\n\n");
  return [
    {
      role: "system",
      content:
        "Answer the question using only the numbered passages. Cite the passages you use as [n]. " +
        "If the passages do not contain the answer, say so plainly.",
    },
    { role: "user", content: `${context}\n\nQuestion: ${request.question}` },
  ];
}

/** Chat messages flattened to one prompt, for text-generation endpoints without a chat template. */
export function promptOf(messages: readonly ChatMessage[]): string {
  const role = { system: "System", user: "User", assistant: "Assistant" } as const;
  return `${messages.map((m) => `${role[m.role]}: ${m.content}`).join("\n\n")}\n\nAssistant:`;
}
