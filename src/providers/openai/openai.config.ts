import type { FetchLike } from "../http/client";

/** What every OpenAI-compatible adapter needs, from the spec and the environment. */
export interface OpenAiConfig {
  model: string;
  /** e.g. `http://127.0.0.1:11434/v1` (Ollama), `http://127.0.0.1:8080/v1` (llama.cpp), `https://api.openai.com/v1`. */
  baseUrl: string;
  /** Sent as a Bearer token; only given for origins the operator trusts (see resolve/credentials.ts). */
  apiKey?: string;
  fetch?: FetchLike;
  now?: () => number;
}

/** Request headers: JSON plus the bearer key when there is one. */
export function authHeaders(config: OpenAiConfig): Record<string, string> {
  return config.apiKey ? { authorization: `Bearer ${config.apiKey}` } : {};
}

/** The fetch to use (the global one unless a test or proxy injects another). */
export function fetchOf(config: OpenAiConfig): FetchLike {
  return config.fetch ?? ((input, init) => fetch(input, init));
}
