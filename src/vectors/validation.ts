/**
 * Input checks with Vectorize v2's documented limits, raising Vectorize-shaped errors
 * (see errors.ts). Shared by the local index and the in-test fake so both reject exactly
 * the same inputs. Pure.
 */

import {
  VECTORIZE_DEFAULT_TOP_K,
  VECTORIZE_MAX_DIMENSIONS,
  VECTORIZE_MAX_ID_BYTES,
  VECTORIZE_MAX_METADATA_BYTES,
  VECTORIZE_MAX_NAMESPACE_BYTES,
  VECTORIZE_MAX_TOP_K,
  VECTORIZE_MAX_TOP_K_WITH_VALUES,
  VECTORIZE_MAX_UPSERT_BATCH,
} from "../config/limits";
import { compileFilter, FilterError, isPlainObject } from "./core/filter";
import { VectorizeErrorCode as Code, type VectorizeOperation, vectorizeError } from "./errors";

const encoder = new TextEncoder();
const byteLength = (s: string) => encoder.encode(s).length;

/** A validated vector, ready to store: float32 values, JSON metadata. */
export interface CheckedVector {
  id: string;
  values: Float32Array;
  namespace: string | null;
  /** Compact JSON of the metadata, or null when the vector has none. */
  metadata: string | null;
}

/** Validated query options, with Vectorize's defaults applied. */
export interface CheckedQuery {
  topK: number;
  returnValues: boolean;
  returnMetadata: "none" | "indexed" | "all";
  namespace?: string;
  filter?: VectorizeVectorMetadataFilter;
}

/** Checks an insert/upsert payload (everything but the dimension, which needs the index). */
export function checkVectors(op: "VECTOR_INSERT" | "VECTOR_UPSERT", vectors: unknown): CheckedVector[] {
  if (!Array.isArray(vectors)) throw vectorizeError(op, Code.invalidVectors, "vectors must be an array");
  if (vectors.length === 0) throw vectorizeError(op, Code.invalidVectors, "no vectors in payload");
  if (vectors.length > VECTORIZE_MAX_UPSERT_BATCH) {
    throw vectorizeError(
      op,
      Code.tooMany,
      `too many vectors in payload; max vector count is ${VECTORIZE_MAX_UPSERT_BATCH}, got ${vectors.length}`,
    );
  }
  return vectors.map((v, i) => checkVector(op, v, i));
}

function checkVector(op: VectorizeOperation, v: unknown, index: number): CheckedVector {
  if (!isPlainObject(v)) throw vectorizeError(op, Code.invalidVectors, `vectors[${index}] must be an object`);
  const id = checkId(op, v.id, `vectors[${index}].id`);
  const values = toFloat32(v.values);
  if (!values) {
    throw vectorizeError(
      op,
      Code.invalidVectors,
      `invalid vector for id="${id}", values must be a number[], Float32Array or Float64Array`,
    );
  }
  if (!allFinite(values)) {
    throw vectorizeError(
      op,
      Code.invalidVectors,
      `invalid vector for id="${id}", values must be finite numbers`,
    );
  }
  return {
    id,
    values,
    namespace: checkNamespace(op, v.namespace, Code.invalidVectors),
    metadata: checkMetadata(op, v.metadata, id),
  };
}

/** Checks that every vector has the index's dimension. */
export function checkDimensions(
  op: VectorizeOperation,
  vectors: readonly CheckedVector[],
  dimensions: number,
): void {
  for (const v of vectors) {
    if (v.values.length !== dimensions) {
      throw vectorizeError(
        op,
        Code.vectorDimensions,
        `invalid vector for id="${v.id}", expected ${dimensions} dimensions, and got ${v.values.length} dimensions`,
      );
    }
  }
}

/** Checks a list of ids for getByIds/deleteByIds and returns them without duplicates. */
export function checkIds(op: "VECTOR_GET" | "VECTOR_DELETE", ids: unknown, max: number): string[] {
  if (!Array.isArray(ids)) throw vectorizeError(op, Code.invalidQuery, "ids must be an array of strings");
  if (ids.length > max) {
    throw vectorizeError(
      op,
      Code.tooMany,
      `too many ids in payload; max id count is ${max}, got ${ids.length}`,
    );
  }
  return [...new Set(ids.map((id, i) => checkId(op, id, `ids[${i}]`)))];
}

function checkId(op: VectorizeOperation, id: unknown, where: string): string {
  if (typeof id !== "string" || id.length === 0) {
    throw vectorizeError(
      op,
      op === "VECTOR_GET" || op === "VECTOR_DELETE" ? Code.invalidQuery : Code.invalidVectors,
      `${where} must be a non-empty string`,
    );
  }
  // A lone surrogate has no UTF-8 form, so the id would not read back as written.
  if (!id.isWellFormed()) {
    throw vectorizeError(
      op,
      op === "VECTOR_GET" || op === "VECTOR_DELETE" ? Code.invalidQuery : Code.invalidVectors,
      `${where} must be well-formed Unicode (it contains a lone surrogate)`,
    );
  }
  const bytes = byteLength(id);
  if (bytes > VECTORIZE_MAX_ID_BYTES) {
    throw vectorizeError(
      op,
      Code.idTooLong,
      `id too long; max is ${VECTORIZE_MAX_ID_BYTES} bytes, got ${bytes} bytes`,
    );
  }
  return id;
}

function checkNamespace(op: VectorizeOperation, namespace: unknown, code: number): string | null {
  if (namespace === undefined || namespace === null) return null;
  if (typeof namespace !== "string" || namespace.length === 0) {
    throw vectorizeError(op, code, "namespace must be a non-empty string");
  }
  if (!namespace.isWellFormed()) {
    throw vectorizeError(op, code, "namespace must be well-formed Unicode (it contains a lone surrogate)");
  }
  const bytes = byteLength(namespace);
  if (bytes > VECTORIZE_MAX_NAMESPACE_BYTES) {
    throw vectorizeError(
      op,
      code,
      `namespace too long; max is ${VECTORIZE_MAX_NAMESPACE_BYTES} bytes, got ${bytes} bytes`,
    );
  }
  return namespace;
}

function checkMetadata(op: VectorizeOperation, metadata: unknown, id: string): string | null {
  if (metadata === undefined || metadata === null) return null;
  if (!isPlainObject(metadata)) {
    throw vectorizeError(
      op,
      Code.invalidVectors,
      `invalid metadata for id="${id}", it must be a JSON object`,
    );
  }
  const problem = metadataProblem(metadata, "metadata");
  if (problem) throw vectorizeError(op, Code.invalidVectors, `invalid metadata for id="${id}", ${problem}`);
  const json = JSON.stringify(metadata);
  const bytes = byteLength(json);
  if (bytes > VECTORIZE_MAX_METADATA_BYTES) {
    throw vectorizeError(
      op,
      Code.invalidVectors,
      `metadata too large for id="${id}"; max is ${VECTORIZE_MAX_METADATA_BYTES} bytes, got ${bytes} bytes`,
    );
  }
  return json;
}

/** Vectorize: metadata keys cannot be empty, contain `.` or `"`, or start with `$`. */
function metadataProblem(value: unknown, where: string): string | null {
  if (value === null || typeof value === "string" || typeof value === "boolean") return null;
  if (typeof value === "number") return Number.isFinite(value) ? null : `${where} must be a finite number`;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const p = metadataProblem(value[i], `${where}[${i}]`);
      if (p) return p;
    }
    return null;
  }
  if (isPlainObject(value)) {
    for (const [key, v] of Object.entries(value)) {
      if (key.length === 0 || key.includes(".") || key.includes('"') || key.startsWith("$")) {
        return `key ${JSON.stringify(key)} in ${where} is not allowed (keys cannot be empty, contain . or ", or start with $)`;
      }
      const p = metadataProblem(v, `${where}.${key}`);
      if (p) return p;
    }
    return null;
  }
  return `${where} must be JSON (string, number, boolean, null, array or object)`;
}

/** Checks a query vector against the index dimension. */
export function checkQueryVector(vector: unknown, dimensions: number): Float32Array {
  const values = toFloat32(vector);
  if (!values) {
    throw vectorizeError(
      "VECTOR_QUERY",
      Code.invalidQuery,
      "invalid query vector, it must be a number[], Float32Array or Float64Array",
    );
  }
  if (values.length !== dimensions) {
    throw vectorizeError(
      "VECTOR_QUERY",
      Code.queryDimensions,
      `invalid query vector, expected ${dimensions} dimensions, and got ${values.length} dimensions`,
    );
  }
  if (!allFinite(values)) {
    throw vectorizeError(
      "VECTOR_QUERY",
      Code.invalidQuery,
      "invalid query vector, values must be finite numbers",
    );
  }
  return values;
}

/** Checks query options and applies Vectorize's defaults (topK 5, no values, no metadata). */
export function checkQueryOptions(options: unknown): CheckedQuery {
  const op = "VECTOR_QUERY";
  if (options === undefined || options === null) options = {};
  if (!isPlainObject(options)) throw vectorizeError(op, Code.invalidQuery, "query options must be an object");
  const topK = options.topK ?? VECTORIZE_DEFAULT_TOP_K;
  if (typeof topK !== "number" || !Number.isInteger(topK) || topK < 1) {
    throw vectorizeError(
      op,
      Code.invalidQuery,
      `topK must be a positive integer, got ${JSON.stringify(topK)}`,
    );
  }
  const returnValues = options.returnValues ?? false;
  if (typeof returnValues !== "boolean") {
    throw vectorizeError(op, Code.invalidQuery, "returnValues must be a boolean");
  }
  const returnMetadata = metadataLevel(options.returnMetadata);
  if ((returnValues || returnMetadata === "all") && topK > VECTORIZE_MAX_TOP_K_WITH_VALUES) {
    throw vectorizeError(
      op,
      Code.topKTooLarge,
      `with returnValues=true or returnMetadata=all, max top K is ${VECTORIZE_MAX_TOP_K_WITH_VALUES}, but got ${topK}; for a top K up to ${VECTORIZE_MAX_TOP_K}, use returnValues=false and returnMetadata=indexed or none`,
    );
  }
  if (topK > VECTORIZE_MAX_TOP_K) {
    throw vectorizeError(op, Code.topKTooLarge, `max top K is ${VECTORIZE_MAX_TOP_K}, but got ${topK}`);
  }
  const checked: CheckedQuery = { topK, returnValues, returnMetadata };
  const namespace = checkNamespace(op, options.namespace, Code.invalidQuery);
  if (namespace !== null) checked.namespace = namespace;
  if (options.filter !== undefined) {
    try {
      compileFilter(options.filter);
    } catch (err) {
      if (err instanceof FilterError)
        throw vectorizeError(op, Code.invalidQuery, `invalid filter: ${err.message}`);
      throw err;
    }
    checked.filter = options.filter as VectorizeVectorMetadataFilter;
  }
  return checked;
}

function metadataLevel(value: unknown): "none" | "indexed" | "all" {
  if (value === undefined || value === false) return "none";
  if (value === true) return "all";
  if (value === "none" || value === "indexed" || value === "all") return value;
  throw vectorizeError(
    "VECTOR_QUERY",
    Code.invalidQuery,
    `Invalid returnMetadata option. Expected: true, false, "none", "indexed" or "all"; got: ${String(value)}`,
  );
}

/** True when no value is NaN or ±Infinity (a plain loop: `every(Number.isFinite)` was 15% of an upsert's CPU). */
function allFinite(values: Float32Array): boolean {
  for (let i = 0; i < values.length; i++) {
    const x = values[i] as number;
    if (x - x !== 0) return false;
  }
  return true;
}

/** Copies number[], Float32Array or Float64Array into a Float32Array (Vectorize stores float32). */
function toFloat32(values: unknown): Float32Array | null {
  if (values instanceof Float32Array) return new Float32Array(values);
  if (values instanceof Float64Array) return Float32Array.from(values);
  if (Array.isArray(values) && values.every((x) => typeof x === "number")) return Float32Array.from(values);
  return null;
}

/** The largest dimension Vectorize accepts; the local index refuses to create wider ones. */
export function checkIndexDimensions(dimensions: number): void {
  if (!Number.isInteger(dimensions) || dimensions < 1 || dimensions > VECTORIZE_MAX_DIMENSIONS) {
    throw new RangeError(
      `vector dimensions must be an integer from 1 to ${VECTORIZE_MAX_DIMENSIONS}, got ${dimensions}`,
    );
  }
}
