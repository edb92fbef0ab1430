/**
 * Every tokenization decision of the keyword index, in one place: the FTS5 table definition
 * (tokenizer included), what text is written into it, how a tenant is scoped, and how user
 * text becomes a MATCH expression. Change the analyzer here (and add a migration with the
 * new table definition, then rebuild) and both the index and the query side follow.
 *
 * Pure: imports nothing from the runtime.
 */

/** FTS5 table name. */
export const FTS_TABLE = "chunks_fts";

/**
 * The FTS5 table. Must equal the statement in `migrations/*_keyword_fts.sql` (a test checks).
 *
 * - `scope`: one token per tenant (see {@link scopeToken}). Putting the tenant inside the
 *   index lets FTS5 intersect posting lists instead of scanning every tenant's matches and
 *   filtering afterwards, so queries stay cheap with thousands of tenants in one database.
 * - `title`, `text`: document title and chunk text, both searchable.
 * - `content=''` + `contentless_delete=1` (SQLite ≥ 3.43): the index stores no second copy
 *   of the text (the chunks table has it) yet rows can be deleted by rowid (`= chunks.seq`)
 *   without replaying their original text, so a replace or delete is one statement.
 * - `porter unicode61 remove_diacritics 2`: Unicode word splitting, case and accent folding
 *   (`Café` = `cafe`), English Porter stemming (`running` = `run`).
 */
export const FTS_TABLE_DDL =
  `CREATE VIRTUAL TABLE IF NOT EXISTS ${FTS_TABLE} USING fts5(scope, title, text, content='', ` +
  "contentless_delete=1, tokenize='porter unicode61 remove_diacritics 2')";

/**
 * The single token that marks a tenant's rows. Tenant ids contain `-` and `_`, which
 * unicode61 splits on, so the id is spelled as decimal byte codes (`acme` → `t097099109101`):
 * one token, reversible (no collisions), and all digits after the `t`, so the Porter stemmer
 * has no suffix to strip.
 */
export function scopeToken(tenantId: string): string {
  let out = "t";
  for (const byte of new TextEncoder().encode(tenantId)) out += String(byte).padStart(3, "0");
  return out;
}

/** Text as written into the index. The FTS5 tokenizer does the analysis, so this is the text itself. */
export function indexText(text: string): string {
  return text;
}

/**
 * Function words left out of MATCH expressions. Deliberately shorter than the embedder's
 * stop list: words like "not", "more" or the "d" of "vitamin D" still rank on SciFact.
 */
const QUERY_STOPWORDS: ReadonlySet<string> = new Set(
  (
    "a an and are as at be been being by for from had has have in into is it its of on or that the " +
    "their them there these they this those to was were which with"
  ).split(" "),
);

/** Relative weights of the columns in bm25() ranking (scope never contributes). */
export const COLUMN_WEIGHTS = { scope: 0, title: 1, text: 1 } as const;

/**
 * At most this many distinct terms reach FTS5: every OR'ed term adds a posting-list scan,
 * and past a few dozen words extra terms no longer change the top of the ranking.
 */
export const MAX_QUERY_TERMS = 64;

const TERM = /[\p{L}\p{N}][\p{L}\p{N}\p{M}]*/gu;

/**
 * Turns arbitrary user text into an FTS5 MATCH expression that cannot be a syntax error:
 * only runs of letters and digits survive, each is double-quoted (so `AND`, `NOT`, `NEAR`,
 * `*`, `:`, `^` and column names are plain words), and they are OR'ed together and limited
 * to the tenant's scope and the searchable columns. Null when the text has no words.
 *
 * @example matchExpression("acme", 'C++ "unbalanced NOT') // 'scope : "t097…" AND {title text} : ("c" OR "unbalanced" OR "not")'
 */
export function matchExpression(tenantId: string, text: string): string | null {
  const words: string[] = [];
  const seen = new Set<string>();
  for (const m of text.normalize("NFC").toLowerCase().matchAll(TERM)) {
    if (seen.has(m[0])) continue;
    seen.add(m[0]);
    words.push(m[0]);
  }
  // Stop words match nearly every row, so OR-ing them in makes FTS5 score (and sort) most of
  // the tenant for almost no ranking signal: BM25 gives them near-zero IDF. They are kept
  // only when the query has nothing else ("to be or not to be").
  const content = words.filter((w) => !QUERY_STOPWORDS.has(w));
  const terms = (content.length > 0 ? content : words).slice(0, MAX_QUERY_TERMS);
  if (terms.length === 0) return null;
  return `scope : "${scopeToken(tenantId)}" AND {title text} : (${terms.map((t) => `"${t}"`).join(" OR ")})`;
}

/** MATCH expression selecting every row of a tenant (for counts and scoped rebuilds). */
export function scopeExpression(tenantId: string): string {
  return `scope : "${scopeToken(tenantId)}"`;
}
