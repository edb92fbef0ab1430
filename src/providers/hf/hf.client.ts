import {
  InferenceClientHubApiError,
  InferenceClientInputError,
  InferenceClientProviderApiError,
  InferenceClientProviderOutputError,
  InferenceClientRoutingError,
  setLogger,
} from "@huggingface/inference";
import { log } from "../../observability/log";
import { kindForStatus, ProviderError, parseRetryAfter } from "../errors";
import type { FetchLike } from "../http/client";

/** What the Hugging Face adapters need, from the spec and the environment. */
export interface HfConfig {
  /** Hub repo id, e.g. `BAAI/bge-small-en-v1.5`; informational for a dedicated TEI/TGI endpoint. */
  model: string;
  /** A self-hosted TEI/TGI or Inference Endpoint URL; absent = Hugging Face's hosted router. */
  endpointUrl?: string;
  /** HF_TOKEN, only given for origins the operator trusts. */
  token?: string;
  fetch?: FetchLike;
  now?: () => number;
}

// The library logs routing decisions with console.log; keep them at debug level.
const debug = (message: string, ...args: unknown[]) => log.debug(`huggingface: ${message}`, { args });
setLogger({ debug, info: debug, log: debug, warn: debug, error: debug });

/** The spec id of an HF provider. */
export function hfId(config: HfConfig): string {
  return config.endpointUrl ? `hf:${config.model}@${config.endpointUrl}` : `hf:${config.model}`;
}

/**
 * Arguments shared by every library call: the model, either the endpoint or the hosted
 * `hf-inference` provider (feature extraction and text generation), and the token.
 */
export function baseArgs(config: HfConfig, hostedProvider?: "hf-inference") {
  const args: { model: string; endpointUrl?: string; provider?: "hf-inference"; accessToken?: string } = {
    model: config.model,
  };
  if (config.endpointUrl) args.endpointUrl = config.endpointUrl;
  else if (hostedProvider) args.provider = hostedProvider;
  if (config.token) args.accessToken = config.token;
  return args;
}

/**
 * Options for one library call: our signal, no library retries (it would retry a 503 forever,
 * without backoff; the chain decides), and a fetch that remembers the last response so its
 * Retry-After survives the library's error translation.
 */
export function callOptions(config: HfConfig, signal: AbortSignal | undefined) {
  const base: FetchLike = config.fetch ?? ((input, init) => fetch(input, init));
  let last: Response | undefined;
  const wrapped = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    last = await base(url, init ?? {});
    return last;
  };
  return {
    options: {
      fetch: wrapped as typeof fetch,
      signal: signal ?? new AbortController().signal,
      retry_on_error: false,
    },
    lastResponse: () => last,
  };
}

/** Translates a library error (or anything thrown during a call) into a ProviderError. */
export function hfError(
  err: unknown,
  config: HfConfig,
  signal: AbortSignal | undefined,
  last: Response | undefined,
): unknown {
  if (signal?.aborted) return signal.reason ?? err;
  if (err instanceof ProviderError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const id = hfId(config);
  if (err instanceof InferenceClientProviderApiError || err instanceof InferenceClientHubApiError) {
    const status = err.httpResponse.status;
    const retryAfterMs = parseRetryAfter(last?.headers.get("retry-after"), config.now?.() ?? Date.now());
    return new ProviderError(kindForStatus(status), `${id}: HTTP ${status}: ${message}`, {
      status,
      retryAfterMs,
      cause: err,
    });
  }
  if (err instanceof InferenceClientProviderOutputError || err instanceof SyntaxError) {
    return new ProviderError("bad_response", `${id}: ${message}`, { cause: err });
  }
  if (err instanceof InferenceClientInputError || err instanceof InferenceClientRoutingError) {
    return new ProviderError("misconfigured", `${id}: ${message}`, { cause: err });
  }
  return new ProviderError("network", `${id}: ${message}`, { cause: err });
}
