/**
 * Provider spec strings (DESIGN.md "Configuration"): `local:<name>`, `workers-ai:<model>`,
 * `openai:<model>@<base-url>`, `hf:<model>[@<endpoint-url>]`; a comma-separated list is an
 * ordered fallback chain. Pure: syntax only. What a role accepts lives in `validate.ts`.
 */

/** Provider families; the prefix before the first `:` of a spec. */
export type ProviderKind = "local" | "workers-ai" | "openai" | "hf";

/** The three ports a spec can configure, named like the tenant settings keys. */
export type ProviderRole = "embeddings" | "reranker" | "generator";

/** A parsed spec. `id` is the canonical, credential-free form used in logs, usage and responses. */
export type ProviderSpec =
  | { kind: "local"; id: string; name: string }
  | { kind: "workers-ai"; id: string; model: string }
  | { kind: "openai"; id: string; model: string; baseUrl: string }
  | { kind: "hf"; id: string; model: string; endpointUrl?: string };

/** A spec or chain that cannot be used; `message` says what to write instead. */
export class ProviderSpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProviderSpecError";
  }
}

/** Longest accepted chain: each extra entry can add a full timeout to a failing request. */
export const MAX_CHAIN_LENGTH = 4;

const FORMS = "local:<name>, workers-ai:<model>, openai:<model>@<base-url> or hf:<model>[@<endpoint-url>]";
const KINDS: readonly ProviderKind[] = ["local", "workers-ai", "openai", "hf"];
const LOCAL_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const WORKERS_AI_MODEL = /^@(cf|hf)\/[A-Za-z0-9._-]+(\/[A-Za-z0-9._:-]+)+$/;
const HF_REPO = /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)?$/;
// The model part of `openai:` may contain `:` (Ollama tags) or `/` (vLLM repo ids); the URL
// starts at the first `@` followed by a scheme, so `@` inside a model name still parses.
const MODEL_AT_URL = /^(.+?)@([a-z][a-z0-9+.-]*:\/\/.*)$/i;

/**
 * Parses one spec.
 * @example parseProviderSpec("openai:llama3.2@http://127.0.0.1:11434/v1")
 *   // → { kind: "openai", model: "llama3.2", baseUrl: "http://127.0.0.1:11434/v1", id: "openai:llama3.2@http://127.0.0.1:11434/v1" }
 */
export function parseProviderSpec(raw: string): ProviderSpec {
  const spec = raw.trim();
  if (!spec) throw new ProviderSpecError(`A provider spec is empty. Use ${FORMS}.`);
  if (/\s/.test(spec)) throw new ProviderSpecError(`Provider spec "${spec}" contains whitespace.`);
  const colon = spec.indexOf(":");
  const kind = (colon > 0 ? spec.slice(0, colon) : "") as ProviderKind;
  const rest = spec.slice(colon + 1);
  if (!KINDS.includes(kind)) {
    throw new ProviderSpecError(`Provider spec "${spec}" has an unknown provider; use ${FORMS}.`);
  }
  if (!rest) throw new ProviderSpecError(`Provider spec "${spec}" names no model; use ${FORMS}.`);
  switch (kind) {
    case "local":
      if (!LOCAL_NAME.test(rest)) {
        throw new ProviderSpecError(
          `"${spec}": a local provider name is lower-case letters, digits, ".", "_" or "-" (e.g. local:hash-384, local:lexical, local:extractive).`,
        );
      }
      return { kind, id: `local:${rest}`, name: rest };
    case "workers-ai":
      if (!WORKERS_AI_MODEL.test(rest)) {
        throw new ProviderSpecError(
          `"${spec}": a Workers AI model looks like @cf/<author>/<model>, e.g. workers-ai:@cf/baai/bge-base-en-v1.5.`,
        );
      }
      return { kind, id: `workers-ai:${rest}`, model: rest };
    case "openai": {
      const m = MODEL_AT_URL.exec(rest);
      if (!m) {
        throw new ProviderSpecError(
          `"${spec}": an OpenAI-compatible provider needs a base URL, openai:<model>@<base-url>, e.g. openai:llama3.2@http://127.0.0.1:11434/v1.`,
        );
      }
      const model = m[1] as string;
      const url = parseEndpoint(m[2] as string, spec);
      return { kind, id: `openai:${model}@${url.href}`, model, baseUrl: url.href };
    }
    case "hf": {
      const m = MODEL_AT_URL.exec(rest);
      const model = m ? (m[1] as string) : rest;
      if (!m && !HF_REPO.test(model)) {
        throw new ProviderSpecError(
          `"${spec}": a Hugging Face model is a repo id like BAAI/bge-small-en-v1.5, optionally followed by @<endpoint-url> of a TEI/TGI server.`,
        );
      }
      if (!m) return { kind, id: `hf:${model}`, model };
      const url = parseEndpoint(m[2] as string, spec);
      return { kind, id: `hf:${model}@${url.href}`, model, endpointUrl: url.href };
    }
  }
}

/**
 * Parses a comma-separated fallback chain (one spec is a chain of one). Commas inside URLs
 * must be percent-encoded (`%2C`). Duplicates are refused: a second try of the same provider
 * is what retries are for.
 */
export function parseProviderChain(value: string): ProviderSpec[] {
  const parts = value.split(",").map((p) => p.trim());
  if (parts.length === 1 && parts[0] === "") {
    throw new ProviderSpecError(`No provider is configured. Use ${FORMS}.`);
  }
  if (parts.some((p) => p === "")) {
    throw new ProviderSpecError(`"${value}" has an empty entry; separate providers with single commas.`);
  }
  if (parts.length > MAX_CHAIN_LENGTH) {
    throw new ProviderSpecError(
      `"${value}" lists ${parts.length} providers; a fallback chain holds at most ${MAX_CHAIN_LENGTH}.`,
    );
  }
  const specs = parts.map(parseProviderSpec);
  const seen = new Set<string>();
  for (const s of specs) {
    if (seen.has(s.id)) throw new ProviderSpecError(`"${s.id}" appears twice in the fallback chain.`);
    seen.add(s.id);
  }
  return specs;
}

/** The origin (`scheme://host[:port]`) a spec sends requests to, or null for in-process/binding providers. */
export function specOrigin(spec: ProviderSpec): string | null {
  if (spec.kind === "openai") return new URL(spec.baseUrl).origin;
  if (spec.kind === "hf" && spec.endpointUrl) return new URL(spec.endpointUrl).origin;
  return null;
}

/** Joins specs back into the chain form accepted by {@link parseProviderChain}. */
export function formatChain(specs: readonly ProviderSpec[]): string {
  return specs.map((s) => s.id).join(",");
}

function parseEndpoint(raw: string, spec: string): { href: string } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ProviderSpecError(`"${spec}": "${raw}" is not a valid URL.`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ProviderSpecError(`"${spec}": the endpoint must be an http:// or https:// URL.`);
  }
  // fetch() refuses URLs with credentials, and they would leak into logs and usage rows.
  if (url.username || url.password) {
    throw new ProviderSpecError(
      `"${spec}": put credentials in the OPENAI_API_KEY or HF_TOKEN secret, not in the URL.`,
    );
  }
  // Paths are appended to the base URL (`/embeddings`, `/chat/completions`), so a query or
  // fragment would end up in the wrong place.
  if (url.search || url.hash) {
    throw new ProviderSpecError(`"${spec}": the endpoint URL must not have a ?query or #fragment.`);
  }
  const href = `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
  return { href };
}
