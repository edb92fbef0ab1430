/**
 * Row encodings for the in-memory scan structure. Pure.
 *
 * - `f32`: the vector itself, padded with zeros to a multiple of 4 floats (one SIMD lane
 *   group), which changes no dot product or distance.
 * - `i8`: symmetric per-vector scalar quantization, `code = round(x / scale)` with
 *   `scale = max|x| / 127`; needs no training, so any embedding distribution works and
 *   rows can be encoded one at a time as they arrive. Padded to 16 bytes.
 * - `i4`: the same with 4-bit codes in ±7 (scale `max|x| / 7`), stored as code + 8 in
 *   nibbles: in each 16-byte chunk the low nibbles hold 16 dimensions and the high nibbles
 *   the next 16, so a SIMD kernel unpacks a chunk with one mask and one shift. Half the
 *   bytes of `i8`, for scans that are limited by memory bandwidth.
 * - `bits`: the sign of each dimension, packed little-endian, padded to 16 bytes.
 */

/** Storage format of a row in a scan matrix. */
export type RowFormat = "f32" | "i8" | "i4" | "bits";

/** Elements stored per row: floats for `f32`, bytes for the others. */
export function rowElements(format: RowFormat, dimensions: number): number {
  switch (format) {
    case "f32":
      return Math.ceil(dimensions / 4) * 4;
    case "i8":
      return Math.ceil(dimensions / 16) * 16;
    case "i4":
      return Math.ceil(dimensions / 32) * 16;
    case "bits":
      return Math.ceil(dimensions / 128) * 16;
  }
}

/** Bytes per stored row. */
export function rowBytes(format: RowFormat, dimensions: number): number {
  return format === "f32" ? rowElements(format, dimensions) * 4 : rowElements(format, dimensions);
}

/** Largest magnitude of the components, branch-free (data-dependent branches mispredict on embeddings). */
function maxAbs(values: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) m = Math.max(m, Math.abs(values[i] as number));
  return m;
}

/**
 * Writes `round(values · max / maxAbs)` into `out` (zero-filled first) and returns the
 * scale `maxAbs / max`, or 0 for an all-zero vector. Rounds half up with `floor(x + 0.5)`,
 * which V8 compiles to one instruction where `Math.round` costs ~5x more (measured:
 * encoding dominated a shard's cold start).
 */
function encodeScaled(values: ArrayLike<number>, out: Int8Array, max: number): number {
  const m = maxAbs(values);
  out.fill(0);
  if (m === 0) return 0;
  const inv = max / m;
  for (let i = 0; i < values.length; i++) out[i] = Math.floor((values[i] as number) * inv + 0.5);
  return m / max;
}

/** Writes the int8 code of `values` into `out` and returns the scale (0 for an all-zero vector). */
export function encodeInt8(values: ArrayLike<number>, out: Int8Array): number {
  return encodeScaled(values, out, 127);
}

/**
 * Writes the query's int8 code, in ±`max`, into `out` and returns its scale (0 for an
 * all-zero vector). The scan kernels take a 7-bit query (`max` 63, see QUERY_I8_MAX).
 */
export function encodeQueryInt8(values: ArrayLike<number>, out: Int8Array, max: number): number {
  return encodeScaled(values, out, max);
}

/** Largest magnitude of an int4 code. */
export const INT4_MAX = 7;

/** Writes the int4 row of `values` into `out` (a whole row) and returns the scale (0 for an all-zero vector). */
export function encodeInt4(values: ArrayLike<number>, out: Uint8Array): number {
  const m = maxAbs(values);
  out.fill(0x88); // code 0 in both nibbles, padding included
  if (m === 0) return 0;
  const inv = INT4_MAX / m;
  for (let i = 0; i < values.length; i++) {
    const code = Math.floor((values[i] as number) * inv + 0.5) + 8;
    // Dimension i of its 32-dimension chunk: byte (i mod 16), low nibble for the first 16.
    const byte = ((i >> 5) << 4) + (i & 15);
    out[byte] = i & 16 ? ((out[byte] as number) & 0x0f) | (code << 4) : ((out[byte] as number) & 0xf0) | code;
  }
  return m / INT4_MAX;
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
