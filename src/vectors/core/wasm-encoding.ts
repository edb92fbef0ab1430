/**
 * Just enough of the WebAssembly binary format to write the scan kernels by hand
 * (wasm-assembler.ts): LEB128 numbers, sections, and the instructions the kernels use,
 * each a function returning its bytes. Opcodes follow the WebAssembly 2.0 core spec plus
 * the relaxed-SIMD proposal (standardised in WebAssembly 3.0). Pure.
 */

/** Unsigned LEB128. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

/** Signed LEB128 (32-bit). */
export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

/** A length-prefixed vector of encoded items. */
export const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
/** A length-prefixed UTF-8 name. */
export const name = (s: string): number[] => [...uleb(s.length), ...new TextEncoder().encode(s)];
/** A section with its id and byte length. */
export const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];

/** Value types. */
export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;

// Control and locals.
export const block = (...body: number[][]): number[] => [0x02, 0x40, ...body.flat(), 0x0b];
export const loop = (...body: number[][]): number[] => [0x03, 0x40, ...body.flat(), 0x0b];
export const when = (...body: number[][]): number[] => [0x04, 0x40, ...body.flat(), 0x0b];
export const br = (depth: number): number[] => [0x0c, ...uleb(depth)];
export const brIf = (depth: number): number[] => [0x0d, ...uleb(depth)];
export const get = (local: number): number[] => [0x20, ...uleb(local)];
export const set = (local: number): number[] => [0x21, ...uleb(local)];
export const tee = (local: number): number[] => [0x22, ...uleb(local)];

// Scalar i32 (memory arguments: alignment exponent, then offset).
export const i32c = (v: number): number[] => [0x41, ...sleb(v)];
export const i32load = (offset = 0): number[] => [0x28, 2, ...uleb(offset)];
export const i32store = (offset = 0): number[] => [0x36, 2, ...uleb(offset)];
export const f32load = (offset = 0): number[] => [0x2a, 2, ...uleb(offset)];
export const f32store = (offset = 0): number[] => [0x38, 2, ...uleb(offset)];
export const add = [0x6a];
export const mul = [0x6c];
export const and = [0x71];
export const shl = [0x74];
export const shrU = [0x76];
export const ltU = [0x49];
export const geU = [0x4f];

// SIMD (prefix 0xfd, LEB128 opcode).
const simd = (op: number, ...imm: number[]): number[] => [0xfd, ...uleb(op), ...imm];
export const v128load = (offset = 0): number[] => simd(0x00, 0, ...uleb(offset));
export const v128const = (bytes: number[]): number[] => simd(0x0c, ...bytes);
export const v128zero = v128const(new Array(16).fill(0));
/** i8x16.shuffle picking whole 32-bit lanes: 0–3 from the first operand, 4–7 from the second. */
export const shuffle32 = (lanes: [number, number, number, number]): number[] =>
  simd(0x0d, ...lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]));
export const i32x4splat = simd(0x11);
export const f32x4splat = simd(0x13);
export const i32x4replace = (lane: number): number[] => simd(0x1c, lane);
export const f32x4replace = (lane: number): number[] => simd(0x20, lane);
export const f32x4lane = (lane: number): number[] => simd(0x1f, lane);
export const f32x4gt = simd(0x44);
export const v128and = simd(0x4e);
export const v128xor = simd(0x51);
export const i8x16popcnt = simd(0x62);
export const i8x16shrU = simd(0x6d);
export const i8x16add = simd(0x6e);
export const i16x8extaddU8 = simd(0x7d);
export const i16x8add = simd(0x8e);
export const i32x4extaddU16 = simd(0x7f);
export const i32x4bitmask = simd(0xa4);
export const i32x4add = simd(0xae);
export const i32x4sub = simd(0xb1);
export const i32x4dotI16 = simd(0xba);
export const f32x4add = simd(0xe4);
export const f32x4sub = simd(0xe5);
export const f32x4mul = simd(0xe6);
export const f32x4fromI32 = simd(0xfa);
/**
 * Relaxed SIMD `i16x8.relaxed_dot_i8x16_i7x16_s`: pairwise products of signed bytes (first
 * operand) and 7-bit bytes (second, 0…127), summed per 16-bit lane. With the second
 * operand in 0…127 every implementation returns the same result (x64 pmaddubsw cannot
 * saturate: 2·127·127 < 32767).
 */
export const i16x8relaxedDotI8 = simd(0x112);
/** Relaxed SIMD `f32x4.relaxed_madd`: a·b + c, fused (one rounding) where the CPU has FMA. */
export const f32x4relaxedMadd = simd(0x105);
