/** What a tenant credential may do. `write` does not imply `read`. */
export const SCOPES = ["read", "write"] as const;

/** A tenant credential scope. */
export type Scope = (typeof SCOPES)[number];

/** Parses a space- or comma-separated scope list, keeping only known scopes, in canonical order. */
export function parseScopes(value: string | readonly string[] | undefined): Scope[] {
  const parts = typeof value === "string" ? value.split(/[\s,]+/) : (value ?? []);
  return SCOPES.filter((s) => parts.includes(s));
}
