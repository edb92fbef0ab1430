import { is, SQL } from "drizzle-orm";
import { D1_MAX_BOUND_PARAMETERS, D1_MAX_STATEMENT_BYTES } from "../config/limits";
import type { Db } from "./client";

/**
 * Multi-row writes without hitting D1's 100-bound-parameter limit: rows travel as ONE JSON
 * text parameter and SQL unpacks them with `json_each(?)`, so a statement binds a handful of
 * parameters whether it writes 1 row or 1,000. The JSON itself is capped well below D1's
 * 2 MB limit on a single string value (and a row), so groups are cut by encoded size.
 */
export const JSON_PARAM_MAX_BYTES = 512 * 1024;

const encoder = new TextEncoder();

/** Splits rows into JSON arrays of at most `maxBytes` UTF-8 bytes each (a lone larger row gets its own group). */
export function jsonGroups<T>(rows: readonly T[], maxBytes = JSON_PARAM_MAX_BYTES): string[] {
  const groups: string[] = [];
  let parts: string[] = [];
  let bytes = 2;
  for (const row of rows) {
    const json = JSON.stringify(row);
    const size = encoder.encode(json).length + 1;
    if (parts.length > 0 && bytes + size > maxBytes) {
      groups.push(`[${parts.join(",")}]`);
      parts = [];
      bytes = 2;
    }
    parts.push(json);
    bytes += size;
  }
  if (parts.length > 0) groups.push(`[${parts.join(",")}]`);
  return groups;
}

/** Anything drizzle can render: an `sql` fragment or a query builder. */
export type Renderable = SQL | { toSQL(): { sql: string; params: unknown[] } };

/**
 * A D1 statement from drizzle SQL, for `runBatch`. (drizzle's own `db.batch` cannot carry raw
 * `sql` with parameters.) Refuses statements over D1's limits — 100 bound parameters, 100 KB
 * of SQL — which local SQLite would accept, so a violation fails in tests, not in production.
 */
export function prepare(db: Db, query: Renderable): D1PreparedStatement {
  const { sql: text, params } = is(query, SQL) ? db.run(query).getQuery() : query.toSQL();
  if (params.length > D1_MAX_BOUND_PARAMETERS) {
    throw new Error(`statement binds ${params.length} parameters; D1 allows ${D1_MAX_BOUND_PARAMETERS}`);
  }
  if (encoder.encode(text).length > D1_MAX_STATEMENT_BYTES) {
    throw new Error(`statement is ${text.length} bytes of SQL; D1 allows ${D1_MAX_STATEMENT_BYTES}`);
  }
  return db.$client.prepare(text).bind(...params);
}

/** Runs statements as one atomic D1 batch (a no-op for none). D1 rejects BEGIN, so this is the only transaction. */
export async function runBatch(db: Db, statements: readonly D1PreparedStatement[]): Promise<D1Result[]> {
  if (statements.length === 0) return [];
  return db.$client.batch([...statements]);
}

/** Rows a batched statement returned (RETURNING or SELECT). */
export function rowsOf<T>(result: D1Result | undefined): T[] {
  return (result?.results ?? []) as T[];
}
