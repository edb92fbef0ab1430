/**
 * A small HTTP server speaking the real wire protocols of the model servers edgerag talks to,
 * for adapter contract tests: OpenAI-compatible (`/v1/embeddings`, `/v1/chat/completions`
 * plain and SSE, `/v1/rerank`), TEI (feature extraction at the endpoint root, `/rerank`) and
 * TGI (`/v1/chat/completions`, `/v1/completions`). Runs in Node (vitest globalSetup); tests
 * in workerd reach it over the loopback.
 *
 * URLs are `/<key>/<mode>/<api>…`: `key` isolates one test's request log and counters, `mode`
 * picks a behaviour (see MODES). `GET /__log/<key>` returns the requests received for a key.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";

/** Behaviours selectable per URL. */
export const MODES = [
  "ok", // normal answers
  "split", // streams: SSE written a few bytes at a time (mid-JSON, mid-UTF-8), CRLF, comments
  "rate-limited", // 429 with Retry-After: 7
  "flaky", // 503 with Retry-After: 0 for the first 2 requests of the key, then ok
  "error", // 500 with a JSON error body
  "slow", // answers after 10 s (tests use a short timeout)
  "malformed", // 200 with truncated JSON / a malformed SSE event
  "cut", // streams end after two chunks without [DONE]
  "auth", // 401 unless `Authorization: Bearer test-key`
  "no-chat", // TGI without a chat template: 404 on /v1/chat/completions
  "max-completion", // 400 when `max_tokens` is sent (OpenAI reasoning models)
  "wrong-dims", // embeddings of 3 dimensions instead of 8
  "trickle", // chat streams: one word every 100 ms for 10 s; the log records `closed_early` on disconnect
] as const;

type Mode = (typeof MODES)[number];
interface Logged {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  /** `trickle` mode: the client closed the connection before the stream ended. */
  closed_early?: boolean;
}

/** Embedding dimension the fake models produce. */
export const WIRE_DIMS = 8;

/** A deterministic vector: [length, first char code, word count, 1, 0…]. */
export function wireVector(text: string, dims = WIRE_DIMS): number[] {
  const v = new Array<number>(dims).fill(0);
  v[0] = text.length;
  v[1] = text.charCodeAt(0) || 0;
  v[2] = text.split(/\s+/).filter(Boolean).length;
  if (dims > 3) v[3] = 1;
  return v;
}

const logs = new Map<string, Logged[]>();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(typeof body === "string" ? body : JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return text;
  }
}

/** Writes SSE events; in `split` mode as tiny pieces with pauses so they arrive as separate chunks. */
async function sse(res: ServerResponse, events: string[], mode: Mode, done = true): Promise<void> {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  const eol = mode === "split" ? "\r\n" : "\n";
  let payload = mode === "split" ? `: keep-alive${eol}${eol}` : "";
  for (const e of events) payload += `data: ${e}${eol}${eol}`;
  if (done) payload += `data: [DONE]${eol}${eol}`;
  const bytes = Buffer.from(payload, "utf8");
  if (mode !== "split") {
    res.end(bytes);
    return;
  }
  for (let i = 0; i < bytes.length; i += 7) {
    if (res.destroyed) return;
    res.write(bytes.subarray(i, i + 7));
    await sleep(1);
  }
  res.end();
}

const STREAM_PIECES = ["Hello", " wor", "ld — ünïcödé ✓"];

function chatChunk(content: string | null, finish: string | null = null): string {
  return JSON.stringify({
    id: "chatcmpl-1",
    object: "chat.completion.chunk",
    choices: [{ index: 0, delta: content === null ? {} : { content }, finish_reason: finish }],
  });
}

async function chat(req: Logged, res: ServerResponse, mode: Mode): Promise<void> {
  const body = (req.body ?? {}) as {
    messages?: { role: string; content: string }[];
    stream?: boolean;
    max_tokens?: number;
  };
  if (mode === "max-completion" && body.max_tokens !== undefined) {
    return send(res, 400, {
      error: {
        message:
          "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
        type: "invalid_request_error",
        param: "max_tokens",
      },
    });
  }
  const last = [...(body.messages ?? [])].reverse().find((m) => m.role === "user")?.content ?? "";
  if (mode === "trickle" && body.stream) return trickle(req, res);
  if (!body.stream) {
    if (mode === "malformed") return send(res, 200, '{"choices":[{"message":{"content":"tru');
    return send(res, 200, {
      id: "chatcmpl-1",
      object: "chat.completion",
      choices: [
        { index: 0, message: { role: "assistant", content: `echo: ${last}` }, finish_reason: "stop" },
      ],
      usage: { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 },
    });
  }
  if (mode === "malformed") return sse(res, [chatChunk("Hel"), '{"choices":[{"delta":{"content":"lo'], mode);
  if (mode === "cut") return sse(res, [chatChunk("Hel"), chatChunk("lo")], mode, false);
  const events = STREAM_PIECES.map((p) => chatChunk(p));
  events.push(chatChunk(null, "stop"));
  events.push(
    JSON.stringify({
      id: "chatcmpl-1",
      choices: [],
      usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 },
    }),
  );
  return sse(res, events, mode);
}

/** A slow stream that notices when the client goes away (what a stopped generation looks like). */
async function trickle(req: Logged, res: ServerResponse): Promise<void> {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  let finished = false;
  res.on("close", () => {
    if (!finished) req.closed_early = true;
  });
  for (let i = 0; i < 100; i++) {
    if (res.destroyed) return;
    res.write(`data: ${chatChunk(`word${i} `)}\n\n`);
    await sleep(100);
  }
  finished = true;
  res.end(`data: ${chatChunk(null, "stop")}\n\ndata: [DONE]\n\n`);
}

async function completions(req: Logged, res: ServerResponse, mode: Mode): Promise<void> {
  const body = (req.body ?? {}) as { prompt?: string; stream?: boolean };
  if (!body.stream)
    return send(res, 200, { choices: [{ index: 0, text: "completed text", finish_reason: "stop" }] });
  const events = ["compl", "eted"].map((t) =>
    JSON.stringify({ choices: [{ index: 0, text: t, finish_reason: null }] }),
  );
  events.push(JSON.stringify({ choices: [{ index: 0, text: "", finish_reason: "stop" }] }));
  return sse(res, events, mode);
}

function embeddings(req: Logged, res: ServerResponse, mode: Mode): void {
  const body = (req.body ?? {}) as { input?: string | string[] };
  const inputs = Array.isArray(body.input) ? body.input : [body.input ?? ""];
  if (mode === "malformed") {
    send(res, 200, '{"data":[{"embedding":[0.1,');
    return;
  }
  const dims = mode === "wrong-dims" ? 3 : WIRE_DIMS;
  // Returned in reverse order with explicit indexes, as servers may do.
  const data = inputs
    .map((t, index) => ({ object: "embedding", index, embedding: wireVector(t, dims) }))
    .reverse();
  send(res, 200, {
    object: "list",
    data,
    model: "m",
    usage: { prompt_tokens: 3 * inputs.length, total_tokens: 3 * inputs.length },
  });
}

function overlapScore(query: string, doc: string): number {
  const q = new Set(query.toLowerCase().split(/\W+/).filter(Boolean));
  return (
    doc
      .toLowerCase()
      .split(/\W+/)
      .filter((w) => q.has(w)).length / 10
  );
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://x");
  const parts = url.pathname.split("/").filter(Boolean);
  if (req.method === "GET" && parts[0] === "__log" && parts[1])
    return send(res, 200, logs.get(parts[1]) ?? []);
  const [key, mode, ...rest] = parts as [string, Mode, ...string[]];
  if (!key || !MODES.includes(mode)) return send(res, 404, { error: `unknown mode ${mode}` });
  const api = `/${rest.join("/")}`;
  const logged: Logged = {
    method: req.method ?? "",
    path: api,
    headers: req.headers,
    body: await readBody(req),
  };
  const log = logs.get(key) ?? [];
  log.push(logged);
  logs.set(key, log);

  if (mode === "rate-limited")
    return send(
      res,
      429,
      { error: { message: "Rate limit reached", type: "requests" } },
      { "retry-after": "7" },
    );
  if (mode === "flaky" && log.length <= 2)
    return send(res, 503, { error: "Model is loading" }, { "retry-after": "0" });
  if (mode === "error")
    return send(res, 500, { error: { message: "upstream exploded", type: "server_error" } });
  if (mode === "auth" && req.headers.authorization !== "Bearer test-key") {
    return send(res, 401, {
      error: { message: "Incorrect API key provided", type: "invalid_request_error" },
    });
  }
  if (mode === "slow") {
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 10_000);
      res.on("close", () => {
        clearTimeout(t);
        resolve();
      });
    });
    if (res.destroyed) return;
  }

  switch (api) {
    case "/v1/embeddings":
      return embeddings(logged, res, mode);
    case "/v1/chat/completions":
    case "/tgi/v1/chat/completions":
      if (mode === "no-chat")
        return send(res, 404, { error: "Template error: template not found", error_type: "template_error" });
      return chat(logged, res, mode);
    case "/tgi/v1/completions":
      return completions(logged, res, mode);
    case "/v1/rerank": {
      const b = logged.body as { query: string; documents: string[] };
      const results = b.documents.map((d, index) => ({ index, relevance_score: overlapScore(b.query, d) }));
      return send(res, 200, {
        model: "m",
        results: results.sort((a, z) => z.relevance_score - a.relevance_score),
      });
    }
    case "/tei": {
      if (mode === "malformed") return send(res, 200, "[[0.1,0.2");
      const b = logged.body as { inputs: string | string[] };
      const inputs = Array.isArray(b.inputs) ? b.inputs : [b.inputs];
      return send(
        res,
        200,
        inputs.map((t) => wireVector(t, mode === "wrong-dims" ? 3 : WIRE_DIMS)),
      );
    }
    case "/tei/rerank": {
      const b = logged.body as { query: string; texts: string[] };
      const results = b.texts.map((t, index) => ({ index, score: overlapScore(b.query, t) }));
      return send(
        res,
        200,
        results.sort((a, z) => z.score - a.score),
      );
    }
    default:
      return send(res, 404, { error: `no route ${api}` });
  }
}

/** Starts the server on the first free port in `ports`. */
export async function startWireServer(ports: readonly number[]): Promise<{ server: Server; url: string }> {
  for (const port of ports) {
    const server = createServer((req, res) => {
      handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) send(res, 500, { error: String(err) });
        else res.destroy();
      });
    });
    const ok = await new Promise<boolean>((resolve) => {
      server.once("error", () => resolve(false));
      server.listen(port, "127.0.0.1", () => resolve(true));
    });
    const address = server.address();
    if (ok && address && typeof address === "object")
      return { server, url: `http://127.0.0.1:${address.port}` };
  }
  throw new Error(`no free port in ${ports.join(", ")}`);
}
