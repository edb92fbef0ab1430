import { excerpt, kindForStatus, ProviderError, parseRetryAfter } from "../errors";

/** The fetch the HTTP adapters use; injectable so tests and proxies can wrap it. */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/** Options of one HTTP call. */
export interface HttpCall {
  fetch: FetchLike;
  headers?: Record<string, string>;
  signal: AbortSignal;
  /** For Retry-After dates. */
  now?: () => number;
}

/** POSTs JSON and returns the parsed JSON body, or throws a classified ProviderError. */
export async function postJson(url: string, body: unknown, call: HttpCall): Promise<unknown> {
  const res = await send(url, body, call, "application/json");
  if (!res.ok) throw await httpError(res, call.now?.() ?? Date.now());
  const text = await res.text();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ProviderError("bad_response", `invalid JSON from ${url}: ${excerpt(text)}`, {
      status: res.status,
    });
  }
}

/** POSTs JSON expecting `text/event-stream`; returns the successful response for the caller to read. */
export async function postForStream(url: string, body: unknown, call: HttpCall): Promise<Response> {
  const res = await send(url, body, call, "text/event-stream");
  if (!res.ok) throw await httpError(res, call.now?.() ?? Date.now());
  return res;
}

async function send(url: string, body: unknown, call: HttpCall, accept: string): Promise<Response> {
  try {
    return await call.fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", accept, ...call.headers },
      body: JSON.stringify(body),
      signal: call.signal,
    });
  } catch (err) {
    // Our deadline or the caller's abort: let the chain see the abort reason, not a network error.
    if (call.signal.aborted) throw call.signal.reason ?? err;
    throw new ProviderError("network", `${url} unreachable: ${(err as Error).message}`, { cause: err });
  }
}

/** Turns a non-2xx response into a ProviderError with its status, Retry-After and a body excerpt. */
export async function httpError(res: Response, now: number): Promise<ProviderError> {
  let text = "";
  try {
    text = (await res.text()).slice(0, 2000);
  } catch {
    // A body that cannot be read changes nothing about the status.
  }
  const detail = upstreamMessage(text);
  return new ProviderError(
    kindForStatus(res.status),
    `HTTP ${res.status} from ${res.url || "provider"}: ${detail}`,
    {
      status: res.status,
      retryAfterMs: parseRetryAfter(res.headers.get("retry-after"), now),
    },
  );
}

/** The human part of the common error body shapes (OpenAI, TGI/TEI, FastAPI), or an excerpt. */
export function upstreamMessage(text: string): string {
  try {
    const j = JSON.parse(text) as { error?: unknown; message?: unknown; detail?: unknown };
    const e = j.error;
    if (e && typeof e === "object" && "message" in e && typeof e.message === "string")
      return excerpt(e.message);
    if (typeof e === "string") return excerpt(e);
    if (typeof j.message === "string") return excerpt(j.message);
    if (typeof j.detail === "string") return excerpt(j.detail);
  } catch {
    // Not JSON: fall through to the raw excerpt.
  }
  return excerpt(text) || "(empty body)";
}

/** Joins a base URL and a path with exactly one slash. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, "")}/${path.replace(/^\/+/, "")}`;
}
