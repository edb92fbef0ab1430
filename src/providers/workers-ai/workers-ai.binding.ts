import { ProviderError, type ProviderErrorKind } from "../errors";

/**
 * The slice of the Workers AI binding (`env.AI`) the adapters use. Model names come from
 * configuration, so they are plain strings here rather than the binding's literal union.
 */
export interface AiBinding {
  run(model: string, inputs: Record<string, unknown>, options?: { signal?: AbortSignal }): Promise<unknown>;
}

/** The binding, or a clear configuration error where it does not exist (local runs). */
export function requireAi(ai: AiBinding | undefined): AiBinding {
  if (!ai) {
    throw new ProviderError(
      "misconfigured",
      "workers-ai providers need the AI binding, which only the cloud environment has (wrangler deploy --env cloud)",
    );
  }
  return ai;
}

// Internal codes from https://developers.cloudflare.com/workers-ai/platform/errors/
const CODES: Record<string, ProviderErrorKind> = {
  "3040": "rate_limited", // out of capacity: retry, another data centre may take it
  "3036": "quota_exhausted", // daily free allocation used up: retrying today is pointless
  "3007": "timeout",
  "3008": "timeout",
  "5007": "not_found", // no such model or task
  "3042": "not_found", // invalid model id
  "3023": "auth", // account blocked
  "3041": "auth", // private model
  "5018": "auth",
  "5016": "auth", // model licence not accepted
  "3006": "invalid_request", // request too large
  "3003": "invalid_request",
  "5004": "invalid_request",
  "5005": "invalid_request",
  "5019": "invalid_request",
  "3039": "invalid_request",
};

/**
 * Classifies an error thrown by `env.AI.run`. The binding throws plain Errors whose message
 * carries the internal code ("3040: Capacity temporarily exceeded…"); without one, the wording
 * decides, and anything unknown counts as a server error (transient).
 */
export function workersAiError(err: unknown): ProviderError {
  if (err instanceof ProviderError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const code = /\b([35]\d{3})\b/.exec(message)?.[1];
  let kind: ProviderErrorKind | undefined = code ? CODES[code] : undefined;
  if (!kind) {
    if (/time(d)?[ -]?out/i.test(message)) kind = "timeout";
    else if (/capacity|rate.?limit|too many requests/i.test(message)) kind = "rate_limited";
    else if (/network|connection|fetch failed/i.test(message)) kind = "network";
    else if (/no such model|invalid model/i.test(message)) kind = "not_found";
    else kind = "server_error";
  }
  return new ProviderError(kind, `Workers AI: ${message}`, { cause: err });
}
