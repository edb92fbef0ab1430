import type { Client } from "../client";

interface Hit {
  document_id: string;
  chunk_id: string;
  score: number;
  text: string;
}

/** `edgerag search <query> [--mode hybrid|vector|keyword] [--top-k n] [--json]`. */
export async function search(
  client: Client,
  args: string[],
  flags: Record<string, string | boolean | undefined>,
) {
  const query = args.join(" ");
  if (!query) throw new Error("usage: edgerag search <query> [--mode hybrid|vector|keyword] [--top-k n]");
  const body = {
    query,
    ...(typeof flags.mode === "string" ? { mode: flags.mode } : {}),
    ...(typeof flags["top-k"] === "string" ? { top_k: Number(flags["top-k"]) } : {}),
  };
  const res = await client.request<{ results: Hit[] }>("POST", "/v1/search", { body });
  if (flags.json) return res;
  return res.results
    .map(
      (h, i) =>
        `${i + 1}. [${h.score.toFixed(4)}] ${h.document_id}  ${h.text.replace(/\s+/g, " ").slice(0, 160)}`,
    )
    .join("\n");
}

/** `edgerag ask <question> [--session id] [--stream]`: a grounded answer with citations. */
export async function ask(
  client: Client,
  args: string[],
  flags: Record<string, string | boolean | undefined>,
) {
  const query = args.join(" ");
  if (!query) throw new Error("usage: edgerag ask <question> [--session <id>] [--stream]");
  const body = { query, ...(typeof flags.session === "string" ? { session_id: flags.session } : {}) };
  if (flags.stream) {
    const res = await client.request<Response>("POST", "/v1/answer", {
      body: { ...body, stream: true },
      raw: true,
    });
    if (!res.ok || !res.body) throw new Error(`answer failed: ${res.status} ${await res.text()}`);
    const decoder = new TextDecoder();
    let buffer = "";
    let citations: unknown = [];
    for await (const part of res.body) {
      buffer += decoder.decode(part, { stream: true });
      let sep = buffer.indexOf("\n\n");
      while (sep !== -1) {
        const frame = buffer.slice(0, sep);
        buffer = buffer.slice(sep + 2);
        const event = /^event: (.*)$/m.exec(frame)?.[1] ?? "message";
        const data = frame
          .split("\n")
          .filter((l) => l.startsWith("data: "))
          .map((l) => l.slice(6))
          .join("\n");
        if (event === "delta") process.stdout.write((JSON.parse(data) as { text: string }).text);
        if (event === "done") citations = (JSON.parse(data) as { citations: unknown }).citations;
        sep = buffer.indexOf("\n\n");
      }
    }
    process.stdout.write("\n");
    return formatCitations(citations);
  }
  const res = await client.request<{ answer: string; citations: unknown }>("POST", "/v1/answer", { body });
  if (flags.json) return res;
  return `${res.answer}\n${formatCitations(res.citations)}`;
}

function formatCitations(citations: unknown): string {
  const list = Array.isArray(citations)
    ? (citations as { document_id: string; chunk_id: string; title?: string }[])
    : [];
  return list.map((c, i) => `  [${i + 1}] ${c.title ?? c.document_id} (${c.chunk_id})`).join("\n");
}
