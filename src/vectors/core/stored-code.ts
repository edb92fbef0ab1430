/**
 * A vector's int8 code as a shard stores it in SQLite next to the float32 vector, so that
 * loading an int8 scan structure after a restart copies codes instead of re-reading and
 * re-quantizing every float32 vector: float32 scale, float32 norm, then one signed byte
 * per dimension (little-endian). Pure.
 */

import { encodeInt8, norm } from "./quantize";

/**
 * Names the encoding above. A shard records it; if a later release encodes differently,
 * stored codes of another version are ignored and rebuilt from the float32 vectors.
 */
export const STORED_CODE_VERSION = "i8-maxabs-v1";

const HEADER_BYTES = 8;

/** Bytes of one stored code. */
export function storedCodeBytes(dimensions: number): number {
  return HEADER_BYTES + dimensions;
}

/** A decoded stored code: views into the stored bytes, no copy. */
export interface StoredCode {
  scale: number;
  norm: number;
  code: Int8Array;
}

/** Encodes `values` into `out`, which must be exactly {@link storedCodeBytes} long. */
export function writeStoredCode(values: ArrayLike<number>, out: Uint8Array): void {
  if (out.byteLength !== storedCodeBytes(values.length))
    throw new RangeError(`stored code needs ${storedCodeBytes(values.length)} bytes, got ${out.byteLength}`);
  const scale = encodeInt8(values, new Int8Array(out.buffer, out.byteOffset + HEADER_BYTES, values.length));
  const view = new DataView(out.buffer, out.byteOffset, HEADER_BYTES);
  view.setFloat32(0, scale, true);
  view.setFloat32(4, norm(values), true);
}

/** Decodes a stored code of `dimensions`, or returns null when its length does not match. */
export function readStoredCode(bytes: ArrayBuffer | Uint8Array, dimensions: number): StoredCode | null {
  const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  if (u8.byteLength !== storedCodeBytes(dimensions)) return null;
  const view = new DataView(u8.buffer, u8.byteOffset, HEADER_BYTES);
  return {
    scale: view.getFloat32(0, true),
    norm: view.getFloat32(4, true),
    code: new Int8Array(u8.buffer, u8.byteOffset + HEADER_BYTES, dimensions),
  };
}
