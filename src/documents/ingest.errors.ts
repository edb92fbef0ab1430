import { AppError } from "../http/errors";
import { ParseError } from "../parsers/errors";
import { parseVectorizeError } from "../vectors";

/**
 * A failure while indexing a document. `permanent` failures (unreadable files, a
 * misconfigured embedder) fail the document at once; the rest are retried with backoff.
 */
export class IngestError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly permanent: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "IngestError";
  }
}

/** A failure as stored on the document and reported to callers. */
export interface Failure {
  code: string;
  message: string;
  permanent: boolean;
}

/** Longest error message stored on a document row. */
const MAX_MESSAGE = 1000;

/** Classifies anything thrown while indexing. Unknown errors are transient: a retry may succeed. */
export function toFailure(err: unknown, fallbackCode = "indexing_error"): Failure {
  if (err instanceof ParseError)
    return { code: err.code, message: err.message.slice(0, MAX_MESSAGE), permanent: true };
  if (err instanceof IngestError) {
    return { code: err.code, message: err.message.slice(0, MAX_MESSAGE), permanent: err.permanent };
  }
  // Expected failures of dependencies: a 4xx is a refusal that retrying cannot change
  // (embedder_mismatch, invalid input); a 5xx may pass.
  if (err instanceof AppError) {
    // 502 from the provider chain means "check the configuration" (auth, bad model), and a
    // broken EMBEDDINGS var needs the operator; neither heals by itself within the retries.
    const permanent = err.status < 500 || err.status === 502 || err.code === "provider_config_invalid";
    return { code: err.code, message: err.message.slice(0, MAX_MESSAGE), permanent };
  }
  const message = err instanceof Error ? err.message : String(err);
  const vectorize = parseVectorizeError(err);
  if (
    vectorize?.code !== undefined &&
    vectorize.code !== null &&
    vectorize.code >= 40000 &&
    vectorize.code < 50000
  ) {
    return { code: "vector_index_rejected", message: message.slice(0, MAX_MESSAGE), permanent: true };
  }
  return { code: fallbackCode, message: message.slice(0, MAX_MESSAGE), permanent: false };
}

/** The `error` column text: `code: message`. */
export function formatFailure(f: Pick<Failure, "code" | "message">): string {
  return `${f.code}: ${f.message}`;
}

/** Splits a stored `code: message` back into its parts. */
export function parseStoredError(stored: string | null): { code: string; message: string } | null {
  if (!stored) return null;
  const m = /^([a-z][a-z0-9_]*): ([\s\S]*)$/.exec(stored);
  return m ? { code: m[1] as string, message: m[2] as string } : { code: "indexing_error", message: stored };
}
