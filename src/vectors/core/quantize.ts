/**
 * Row encodings for the in-memory scan structure. Pure.
 *
 * - `f32`: the vector itself, padded with zeros to a multiple of 4 floats (one SIMD lane
 *   group), which changes no dot product or distance.
 * - `i8`: symmetric per-vector scalar quantization, `code = round(x / scale)` with
 *   `scale = max|x| / 127`; needs no training, so any embedding distribution works and
 *   rows can be encoded one at a time as they arrive. Padded to 16 bytes.
 * - `bits`: the sign of each dimension, packed little-endian, padded to 16 bytes.
 */

/** Storage format of a row in a scan matrix. */
export type RowFormat = "f32" | "i8" | "bits";

/** Elements stored per row: floats for `f32`, bytes for `i8` and `bits`. */
export function rowElements(format: RowFormat, dimensions: number): number {
  switch (format) {
    case "f32":
      return Math.ceil(dimensions / 4) * 4;
    case "i8":
      return Math.ceil(dimensions / 16) * 16;
    case "bits":
      return Math.ceil(dimensions / 128) * 16;
  }
}

/** Bytes per stored row. */
export function rowBytes(format: RowFormat, dimensions: number): number {
  return format === "f32" ? rowElements(format, dimensions) * 4 : rowElements(format, dimensions);
}

/** Writes the int8 code of `values` into `out` and returns the scale (0 for an all-zero vector). */
export function encodeInt8(values: ArrayLike<number>, out: Int8Array): number {
  let maxAbs = 0;
  for (let i = 0; i < values.length; i++) maxAbs = Math.max(maxAbs, Math.abs(values[i] as number));
  out.fill(0);
  if (maxAbs === 0) return 0;
  const inv = 127 / maxAbs;
  for (let i = 0; i < values.length; i++) out[i] = Math.round((values[i] as number) * inv);
  return maxAbs / 127;
}

/**
 * Writes the query's int8 code, in ±`max`, into `out` and returns its scale (0 for an
 * all-zero vector). The scan kernels take a 7-bit query (`max` 63, see QUERY_I8_MAX).
 */
export function encodeQueryInt8(values: ArrayLike<number>, out: Int8Array, max: number): number {
  let maxAbs = 0;
  for (let i = 0; i < values.length; i++) maxAbs = Math.max(maxAbs, Math.abs(values[i] as number));
  out.fill(0);
  if (maxAbs === 0) return 0;
  const inv = max / maxAbs;
  for (let i = 0; i < values.length; i++) out[i] = Math.round((values[i] as number) * inv);
  return maxAbs / max;
}

/** Writes sign bits (1 = positive) into `out`, least significant bit first. */
export function encodeBits(values: ArrayLike<number>, out: Uint8Array): void {
  out.fill(0);
  for (let i = 0; i < values.length; i++) {
    if ((values[i] as number) > 0) out[i >> 3] = (out[i >> 3] as number) | (1 << (i & 7));
  }
}

/** Euclidean norm in double precision. */
export function norm(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += (values[i] as number) * (values[i] as number);
  return Math.sqrt(s);
}
