/**
 * A document that cannot be turned into text. Permanent: retrying the same bytes fails the
 * same way, so the pipeline marks the document `failed` at once instead of retrying.
 *
 * Pure: imports nothing from the runtime.
 */
export class ParseError extends Error {
  constructor(
    /** Stable snake_case reason, shown to callers as the document's error code. */
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "ParseError";
  }
}
