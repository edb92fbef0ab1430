/**
 * Vectorize metadata filters: validation with Vectorize's documented rules, and
 * compilation into per-field predicates. Pure: imports nothing from the runtime.
 *
 * Semantics (Vectorize v2, "Metadata filtering"):
 * - `{ key: value }` is `$eq`; several keys are ANDed; `a.b` addresses `{ a: { b } }`.
 * - Only string, number and boolean metadata is filterable (Vectorize indexes nothing
 *   else); arrays, objects and missing fields count as absent.
 * - `$eq`/`$ne` take a string, number, boolean or null; `null` equals an absent field.
 * - `$in`/`$nin` take an array of those.
 * - `$lt $lte $gt $gte` take a string or number and only match values of the same type
 *   (strings compare by UTF-16 code units, i.e. lexicographically).
 * - One operator per key, except that one lower bound (`$gt`/`$gte`) may be combined with
 *   one upper bound (`$lt`/`$lte`); Vectorize rejects other combinations.
 */

import { VECTORIZE_MAX_FILTER_BYTES, VECTORIZE_MAX_FILTER_KEY_CHARS } from "../../config/limits";

/** A metadata value as a filter sees it: `undefined` means absent or not filterable. */
export type FieldValue = string | number | boolean | null | undefined;

/** One compiled condition on one metadata path. */
export interface FieldClause {
  /** Path segments, e.g. `["pandas", "nice"]` for `pandas.nice`. */
  path: readonly string[];
  /** The dotted key as written in the filter; also the cache key for columns. */
  key: string;
  test(value: FieldValue): boolean;
}

type Scalar = string | number | boolean | null;
const RANGE_LOWER = new Set(["$gt", "$gte"]);
const RANGE_UPPER = new Set(["$lt", "$lte"]);
const OPERATORS = new Set(["$eq", "$ne", "$in", "$nin", "$lt", "$lte", "$gt", "$gte"]);
const encoder = new TextEncoder();

/** Why a filter is invalid, or null when Vectorize would accept it. */
export function filterProblem(filter: unknown): string | null {
  try {
    compileFilter(filter);
    return null;
  } catch (err) {
    if (err instanceof FilterError) return err.message;
    throw err;
  }
}

/** Raised for a filter Vectorize would reject; the message says which part and why. */
export class FilterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FilterError";
  }
}

/** Validates a filter and compiles it into clauses that are all true for a match. */
export function compileFilter(filter: unknown): FieldClause[] {
  if (!isPlainObject(filter)) throw new FilterError("filter must be a JSON object");
  const keys = Object.keys(filter);
  if (keys.length === 0) throw new FilterError("filter must not be empty; omit it to match everything");
  const bytes = encoder.encode(JSON.stringify(filter)).length;
  if (bytes >= VECTORIZE_MAX_FILTER_BYTES) {
    throw new FilterError(`filter is ${bytes} bytes of JSON; it must be under ${VECTORIZE_MAX_FILTER_BYTES}`);
  }
  return keys.map((key) => compileField(key, filter[key]));
}

function compileField(key: string, spec: unknown): FieldClause {
  const path = parseKey(key);
  if (!isPlainObject(spec)) {
    const value = scalar(spec, `filter.${key}`);
    return { path, key, test: (v) => equals(v, value) };
  }
  const ops = Object.keys(spec);
  if (ops.length === 0) throw new FilterError(`filter.${key} has no operator`);
  for (const op of ops) {
    if (!OPERATORS.has(op)) {
      throw new FilterError(
        op.startsWith("$")
          ? `filter.${key} uses unknown operator ${op}; use $eq $ne $in $nin $lt $lte $gt $gte`
          : `filter.${key} is an object; address nested fields with dots, e.g. "${key}.${op}"`,
      );
    }
  }
  if (ops.length > 2 || (ops.length === 2 && !isRangePair(ops))) {
    throw new FilterError(
      `filter.${key} combines ${ops.join(" and ")}; only one lower bound ($gt/$gte) with one upper bound ($lt/$lte) may be combined`,
    );
  }
  const tests = ops.map((op) => compileOperator(`filter.${key}.${op}`, op, spec[op]));
  const [first, second] = tests as [(v: FieldValue) => boolean, ((v: FieldValue) => boolean)?];
  return { path, key, test: second ? (v) => first(v) && second(v) : first };
}

function compileOperator(where: string, op: string, arg: unknown): (v: FieldValue) => boolean {
  switch (op) {
    case "$eq": {
      const value = scalar(arg, where);
      return (v) => equals(v, value);
    }
    case "$ne": {
      const value = scalar(arg, where);
      return (v) => !equals(v, value);
    }
    case "$in":
    case "$nin": {
      if (!Array.isArray(arg)) throw new FilterError(`${where} must be an array`);
      const values = arg.map((x, i) => scalar(x, `${where}[${i}]`));
      const matchesNull = values.includes(null);
      const set = new Set(values.filter((x) => x !== null));
      const within = (v: FieldValue) => (v === undefined || v === null ? matchesNull : set.has(v));
      return op === "$in" ? within : (v) => !within(v);
    }
    default: {
      if (typeof arg !== "string" && !(typeof arg === "number" && Number.isFinite(arg))) {
        throw new FilterError(`${where} must be a string or a finite number`);
      }
      return rangeTest(op, arg);
    }
  }
}

function rangeTest(op: string, bound: string | number): (v: FieldValue) => boolean {
  const type = typeof bound;
  switch (op) {
    case "$lt":
      return (v) => typeof v === type && (v as string | number) < bound;
    case "$lte":
      return (v) => typeof v === type && (v as string | number) <= bound;
    case "$gt":
      return (v) => typeof v === type && (v as string | number) > bound;
    default:
      return (v) => typeof v === type && (v as string | number) >= bound;
  }
}

function isRangePair(ops: string[]): boolean {
  const [a, b] = ops as [string, string];
  return (RANGE_LOWER.has(a) && RANGE_UPPER.has(b)) || (RANGE_UPPER.has(a) && RANGE_LOWER.has(b));
}

function equals(v: FieldValue, value: Scalar): boolean {
  return value === null ? v === null || v === undefined : v === value;
}

function scalar(x: unknown, where: string): Scalar {
  if (x === null || typeof x === "string" || typeof x === "boolean") return x;
  if (typeof x === "number" && Number.isFinite(x)) return x;
  throw new FilterError(`${where} must be a string, a finite number, a boolean or null`);
}

/** Splits a filter key on dots after checking Vectorize's key rules. */
function parseKey(key: string): string[] {
  if (key.length === 0) throw new FilterError("filter keys must not be empty");
  if (key.length > VECTORIZE_MAX_FILTER_KEY_CHARS) {
    throw new FilterError(
      `filter key "${key.slice(0, 40)}…" is longer than ${VECTORIZE_MAX_FILTER_KEY_CHARS} characters`,
    );
  }
  if (key.startsWith("$")) throw new FilterError(`filter key "${key}" must not start with $`);
  if (key.includes('"'))
    throw new FilterError(`filter key ${JSON.stringify(key)} must not contain a double quote`);
  const path = key.split(".");
  if (path.some((s) => s.length === 0)) {
    throw new FilterError(`filter key "${key}" has an empty segment; dots separate nested field names`);
  }
  return path;
}

/** Reads a filterable value at `path` from a metadata object (absent when not a scalar). */
export function fieldValue(metadata: unknown, path: readonly string[]): FieldValue {
  let cur: unknown = metadata;
  for (const segment of path) {
    if (!isPlainObject(cur)) return undefined;
    cur = cur[segment];
  }
  if (cur === null || typeof cur === "string" || typeof cur === "boolean") return cur;
  if (typeof cur === "number" && Number.isFinite(cur)) return cur;
  return undefined;
}

/** True for `{…}` objects (not arrays, not null). */
export function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}
