import { AppError, ErrorCode } from "../../http/errors";
import type { ProviderError, ProviderErrorKind } from "../errors";
import type { ProviderRole } from "../spec";

const WHAT: Record<ProviderErrorKind, string> = {
  timeout: "timed out",
  rate_limited: "was rate limited",
  quota_exhausted: "has used up its quota",
  server_error: "failed with a server error",
  network: "could not be reached",
  bad_response: "returned a malformed response",
  auth: "rejected the credentials (check OPENAI_API_KEY / HF_TOKEN)",
  not_found: "does not know the model or route",
  invalid_request: "rejected the request",
  misconfigured: "is not available on this instance",
  circuit_open: "is paused after repeated failures",
};

const ROLE_NAME: Record<ProviderRole, string> = {
  embeddings: "embedding provider",
  reranker: "reranker",
  generator: "generator",
};

/**
 * The error for a chain in which every provider failed: `provider_unavailable`, 503 when the
 * failures look like an outage (timeouts, 429, 5xx, open circuits), 502 when providers answered
 * but unusably. Carries Retry-After when every provider asked for a wait, and per-provider
 * kinds in `details` (never upstream bodies, which may contain internals).
 */
export function providerUnavailable(role: ProviderRole, failures: readonly ProviderError[]): AppError {
  const parts = failures.map(
    (f) => `${f.provider ?? "?"} ${WHAT[f.kind]}${f.status ? ` (HTTP ${f.status})` : ""}`,
  );
  const outage = failures.length === 0 || failures.some((f) => f.unavailable);
  const waits = failures.map((f) => f.retryAfterMs);
  const retryAfterMs =
    waits.every((w) => w !== undefined) && waits.length ? Math.min(...(waits as number[])) : undefined;
  const message =
    `No ${ROLE_NAME[role]} could answer: ${parts.join("; ") || "none is configured"}. ` +
    (outage ? "Retry later" : "Check the provider configuration") +
    " or configure a fallback (see README, Models).";
  return new AppError(outage ? 503 : 502, ErrorCode.providerUnavailable, message, {
    details: {
      role,
      attempts: failures.map((f) => ({ provider: f.provider, error: f.kind, status: f.status ?? null })),
    },
    headers:
      retryAfterMs === undefined
        ? undefined
        : { "Retry-After": String(Math.max(1, Math.ceil(retryAfterMs / 1000))) },
  });
}

/** A stream that failed after text was already sent: no fallback is possible any more. */
export function streamInterrupted(err: ProviderError): AppError {
  return new AppError(
    502,
    "provider_stream_failed",
    `The generator ${err.provider ?? ""} ${WHAT[err.kind]} in the middle of its answer; the partial answer is incomplete. Retry the request.`,
    { details: { provider: err.provider, error: err.kind } },
  );
}
