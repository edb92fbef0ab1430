/**
 * A lean `fetch` for the benchmark client: node:http with keep-alive sockets. Node's built-in
 * fetch (undici) spent ~1.4 ms of CPU per search request in the client, on the same two cores
 * as the server being measured; this spends a fraction of that. Only what the eval harness uses:
 * method, string body, plain-object headers, and a Response to read text from.
 */
import { Agent, request } from "node:http";

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

/** `fetch` over node:http (http: URLs only). */
export const httpFetch: typeof fetch = (input, init) =>
  new Promise<Response>((resolve, reject) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.protocol !== "http:") throw new Error(`httpFetch speaks plain http only, not ${url.protocol}`);
    const body = typeof init?.body === "string" ? init.body : undefined;
    const headers: Record<string, string> = { ...(init?.headers as Record<string, string> | undefined) };
    if (body !== undefined) headers["content-length"] = String(Buffer.byteLength(body));
    const req = request(url, { method: init?.method ?? "GET", headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", reject);
      res.on("end", () => resolve(new Response(Buffer.concat(chunks), { status: res.statusCode ?? 0 })));
    });
    req.on("error", reject);
    req.end(body);
  });
