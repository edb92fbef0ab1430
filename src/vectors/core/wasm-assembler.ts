/**
 * Assembles the WebAssembly SIMD scan kernels byte by byte (no toolchain needed), so the
 * committed src/vectors/wasm/scan-kernels.wasm is reproducible: `npm run build:kernels`
 * writes it and a test checks the file matches this function's output. Pure.
 *
 * Rows are stored in groups of {@link GROUP_ROWS}: the rows' bytes (`stride` each, a
 * multiple of 16), then {@link GROUP_COEF_BYTES} of per-row coefficients, 4 lanes each:
 * `offset` (i32), `mul` and `add` (f32). A kernel scores four rows per pass over the query,
 * so each query vector load serves four rows, and turns raw scores into goodness
 *
 *     goodness = (raw − offset) · mul · qScale + add        (higher is better)
 *
 * keeping only rows whose goodness beats a threshold: the top-k selection's first test
 * happens inside the kernel, and JS sees a few candidates per block instead of every score.
 *
 * Exports `memory` and, per kernel K ∈ {@link WASM_KERNELS}, two functions returning the
 * number of candidates written (positions as i32 to `outPos`, goodness as f32 to `outG`):
 *   select_K(q, rows, stride, first, count, qScale, threshold, outPos, outG)
 *       rows first … first+count−1 (first a multiple of 4)
 *   gather_K(q, rows, stride, positions, count, qScale, threshold, outPos, outG)
 *       the rows at the i32 positions (the list padded with valid positions to a multiple of 4)
 * Raw scores: `dot_f32` Σ q·x, `l2_f32` Σ (q−x)², `dot_i8` Σ q·x over signed int8 rows and a
 * 7-bit query stored as q+64 (0…127; the offset 64·Σx removes the bias), `hamming` the
 * number of differing bits.
 */

import {
  add,
  and,
  block,
  br,
  brIf,
  F32,
  f32load,
  f32store,
  f32x4add,
  f32x4fromI32,
  f32x4gt,
  f32x4lane,
  f32x4mul,
  f32x4relaxedMadd,
  f32x4replace,
  f32x4splat,
  f32x4sub,
  get,
  geU,
  I32,
  i8x16add,
  i8x16popcnt,
  i8x16shrU,
  i16x8add,
  i16x8extaddU8,
  i16x8relaxedDotI8,
  i32c,
  i32load,
  i32store,
  i32x4add,
  i32x4bitmask,
  i32x4dotI16,
  i32x4extaddU16,
  i32x4replace,
  i32x4splat,
  i32x4sub,
  loop,
  ltU,
  mul,
  name,
  section,
  set,
  shl,
  shrU,
  shuffle32,
  tee,
  uleb,
  V128,
  v128and,
  v128const,
  v128load,
  v128xor,
  v128zero,
  vec,
  when,
} from "./wasm-encoding";

/** Kernel names in export order. */
export const WASM_KERNELS = ["dot_f32", "l2_f32", "dot_i8", "dot_i4", "hamming"] as const;

/** One kernel of the module. */
export type WasmKernel = (typeof WASM_KERNELS)[number];

/** Rows per group: the kernels score this many rows per pass over the query. */
export const GROUP_ROWS = 4;

/** Coefficient bytes after each group's rows: offset, mul and add, one lane per row. */
export const GROUP_COEF_BYTES = 48;

/** The i8 query is stored with this added, so it is 7-bit unsigned for the relaxed dot. */
export const I8_QUERY_BIAS = 64;

// Parameters.
const Q = 0;
const ROWS = 1;
const STRIDE = 2;
const SRC = 3;
const COUNT = 4;
const QSCALE = 5;
const THRESHOLD = 6;
const OUT_POS = 7;
const OUT_G = 8;
const BIAS = 9;
// i32 locals.
const J = 10;
const I = 11;
const GROUP = 12;
const HITS = 13;
const MASK = 14;
const P = (k: number) => 15 + k; // row addresses
const C = (k: number) => 19 + k; // coefficient addresses (lane k of its group)
const POS = (k: number) => 23 + k; // row positions
const QADDR = 27; // query chunk address (int4)
const I32_LOCALS = 18;
// v128 locals.
const A = (k: number) => 28 + k; // accumulators
const LANES = [0, 1, 2, 3];
const QV = 32;
const ONES = 33;
const G = 34;
const T = 35;
const QV2 = 36; // second query chunk (int4 rows hold 32 dimensions per 16 bytes)
const NIBBLE = 37; // 0x0f in every byte
const V128_LOCALS = 10;

interface KernelSpec {
  /** Accumulates integers (subtract the offsets, convert) rather than floats. */
  int: boolean;
  /** Query bytes per row byte: 2 for int4 rows (two dimensions per byte), else 1. */
  queryPerRowByte?: 2;
  /** Adds one 16-byte chunk of a row (the v128 on the stack after `x`) into accumulator `a`. */
  step(a: number, x: number[]): number[];
  /** Turns an accumulator into four 32-bit partial sums before the reduction. */
  finish?(a: number): number[];
}

const SPECS: Record<WasmKernel, KernelSpec> = {
  dot_f32: { int: false, step: (a, x) => [...x, ...get(QV), ...get(a), ...f32x4relaxedMadd, ...set(a)] },
  l2_f32: {
    int: false,
    step: (a, x) => [
      ...get(QV),
      ...x,
      ...f32x4sub,
      ...tee(T),
      ...get(T),
      ...f32x4mul,
      ...get(a),
      ...f32x4add,
      ...set(a),
    ],
  },
  dot_i8: {
    int: true,
    // Byte pairs summed to i16 (cannot overflow with a 7-bit query), then pairs of i16 to i32.
    step: (a, x) => [
      ...get(a),
      ...x,
      ...get(QV),
      ...i16x8relaxedDotI8,
      ...get(ONES),
      ...i32x4dotI16,
      ...i32x4add,
      ...set(a),
    ],
  },
  dot_i4: {
    int: true,
    queryPerRowByte: 2,
    // Low nibbles hold dimensions 0–15 of the 32 in a chunk, high nibbles 16–31, each the
    // code plus 8 (0…15, a valid 7-bit operand). Per-pair sums reach 2·127·15, so the two
    // halves add in i16 before widening.
    step: (a, x) => [
      ...get(a),
      ...get(QV),
      ...x,
      ...tee(T),
      ...get(NIBBLE),
      ...v128and,
      ...i16x8relaxedDotI8,
      ...get(QV2),
      ...get(T),
      ...i32c(4),
      ...i8x16shrU,
      ...i16x8relaxedDotI8,
      ...i16x8add,
      ...get(ONES),
      ...i32x4dotI16,
      ...i32x4add,
      ...set(a),
    ],
  },
  hamming: {
    int: true,
    // Per-byte counts add up to at most 8 per 16-byte chunk; the matrix caps rows at 31 chunks.
    step: (a, x) => [...get(a), ...x, ...get(QV), ...v128xor, ...i8x16popcnt, ...i8x16add, ...set(a)],
    finish: (a) => [...get(a), ...i16x8extaddU8, ...i32x4extaddU16, ...set(a)],
  },
};

/** `rows + (pos >> 2) · groupBytes`: the address of a row's group. */
const groupOf = (pos: number[]) => [...get(ROWS), ...pos, ...i32c(2), ...shrU, ...get(GROUP), ...mul, ...add];

/** Contiguous rows: four consecutive positions share one group. */
function contiguousSetup(): number[] {
  const out = [...get(SRC), ...get(J), ...add, ...set(POS(0)), ...groupOf(get(POS(0))), ...set(P(0))];
  for (let k = 1; k < 4; k++) {
    out.push(...get(POS(k - 1)), ...i32c(1), ...add, ...set(POS(k)));
    out.push(...get(P(k - 1)), ...get(STRIDE), ...add, ...set(P(k)));
  }
  out.push(...get(P(3)), ...get(STRIDE), ...add, ...set(C(0)));
  return out;
}

/** Gathered rows: each lane's position is read from the list and addressed on its own. */
function gatherSetup(): number[] {
  const out: number[] = [];
  for (let k = 0; k < 4; k++) {
    out.push(...get(SRC), ...get(J), ...i32c(2), ...shl, ...add, ...i32load(4 * k), ...set(POS(k)));
    out.push(...groupOf(get(POS(k))), ...tee(P(k)));
    // coefficient lane: group + 4·stride + (pos & 3)·4
    out.push(...get(STRIDE), ...i32c(2), ...shl, ...add);
    out.push(...get(POS(k)), ...i32c(3), ...and, ...i32c(2), ...shl, ...add, ...set(C(k)));
    // row: group + (pos & 3)·stride
    out.push(...get(P(k)), ...get(POS(k)), ...i32c(3), ...and, ...get(STRIDE), ...mul, ...add, ...set(P(k)));
  }
  return out;
}

/** A coefficient vector (byte offset 0, 16 or 32 within the group's coefficients). */
function coefficients(gather: boolean, offset: number, float: boolean): number[] {
  if (!gather) return [...get(C(0)), ...v128load(offset)];
  const load = (k: number) => [...get(C(k)), ...(float ? f32load(offset) : i32load(offset))];
  const out = [...load(0), ...(float ? f32x4splat : i32x4splat)];
  for (let k = 1; k < 4; k++) out.push(...load(k), ...(float ? f32x4replace(k) : i32x4replace(k)));
  return out;
}

/** Sums each accumulator's four lanes into one lane of the result: [Σa0, Σa1, Σa2, Σa3]. */
function reduce(int: boolean): number[] {
  const plus = int ? i32x4add : f32x4add;
  const pairs = (x: number, y: number) => [
    ...get(x),
    ...get(y),
    ...shuffle32([0, 4, 1, 5]),
    ...get(x),
    ...get(y),
    ...shuffle32([2, 6, 3, 7]),
    ...plus,
    ...set(x),
  ];
  return [
    ...pairs(A(0), A(1)),
    ...pairs(A(2), A(3)),
    ...get(A(0)),
    ...get(A(2)),
    ...shuffle32([0, 1, 4, 5]),
    ...get(A(0)),
    ...get(A(2)),
    ...shuffle32([2, 3, 6, 7]),
    ...plus,
  ];
}

/** Writes lane `l` as a candidate when its mask bit is set and it is within `count`. */
function emit(l: number): number[] {
  return [
    ...get(MASK),
    ...i32c(l),
    ...shrU,
    ...get(J),
    ...i32c(l),
    ...add,
    ...get(COUNT),
    ...ltU,
    ...and,
    ...when(
      [...get(OUT_POS), ...get(HITS), ...i32c(2), ...shl, ...add, ...get(POS(l)), ...i32store()],
      [...get(OUT_G), ...get(HITS), ...i32c(2), ...shl, ...add, ...get(G), ...f32x4lane(l), ...f32store()],
      [...get(HITS), ...i32c(1), ...add, ...set(HITS)],
    ),
  ];
}

function kernel(spec: KernelSpec, gather: boolean): { locals: number[][]; body: number[] } {
  const chunk = (k: number) => [...get(P(k)), ...get(I), ...add, ...v128load()];
  const score = [
    ...reduce(spec.int),
    ...(spec.int
      ? [
          ...coefficients(gather, 0, false),
          ...i32x4sub,
          ...get(BIAS),
          ...i32x4splat,
          ...i32x4sub,
          ...f32x4fromI32,
        ]
      : []),
    ...coefficients(gather, 16, true),
    ...f32x4mul,
    ...get(QSCALE),
    ...f32x4splat,
    ...f32x4mul,
    ...coefficients(gather, 32, true),
    ...f32x4add,
    ...set(G),
  ];
  const body = [
    ...get(STRIDE),
    ...i32c(2),
    ...shl,
    ...i32c(GROUP_COEF_BYTES),
    ...add,
    ...set(GROUP),
    ...v128const(new Array(8).fill(0).flatMap(() => [1, 0])),
    ...set(ONES),
    ...v128const(new Array(16).fill(0x0f)),
    ...set(NIBBLE),
    ...block(
      loop(
        [...get(J), ...get(COUNT), ...geU, ...brIf(1)],
        gather ? gatherSetup() : contiguousSetup(),
        LANES.flatMap((k) => [...v128zero, ...set(A(k))]),
        [...i32c(0), ...set(I)],
        block(
          loop(
            [...get(I), ...get(STRIDE), ...geU, ...brIf(1)],
            spec.queryPerRowByte === 2
              ? [
                  ...get(Q),
                  ...get(I),
                  ...i32c(1),
                  ...shl,
                  ...add,
                  ...tee(QADDR),
                  ...v128load(),
                  ...set(QV),
                  ...get(QADDR),
                  ...v128load(16),
                  ...set(QV2),
                ]
              : [...get(Q), ...get(I), ...add, ...v128load(), ...set(QV)],
            ...LANES.map((k) => spec.step(A(k), chunk(k))),
            [...get(I), ...i32c(16), ...add, ...set(I), ...br(0)],
          ),
        ),
        spec.finish ? LANES.flatMap((k) => (spec.finish as (a: number) => number[])(A(k))) : [],
        score,
        [...get(G), ...get(THRESHOLD), ...f32x4splat, ...f32x4gt, ...i32x4bitmask, ...set(MASK)],
        [...get(MASK), ...when(emit(0), emit(1), emit(2), emit(3))],
        [...get(J), ...i32c(GROUP_ROWS), ...add, ...set(J), ...br(0)],
      ),
    ),
    ...get(HITS),
  ];
  return {
    locals: [
      [...uleb(I32_LOCALS), I32],
      [...uleb(V128_LOCALS), V128],
    ],
    body,
  };
}

/** The module's bytes. */
export function assembleScanKernels(): Uint8Array<ArrayBuffer> {
  const signature = [
    0x60,
    ...vec([[I32], [I32], [I32], [I32], [I32], [F32], [F32], [I32], [I32], [I32]]),
    ...vec([[I32]]),
  ];
  const funcs = WASM_KERNELS.flatMap((k) => [kernel(SPECS[k], false), kernel(SPECS[k], true)]);
  const exports: number[][] = [[...name("memory"), 0x02, 0]];
  WASM_KERNELS.forEach((k, i) => {
    exports.push([...name(`select_${k}`), 0x00, ...uleb(2 * i)]);
    exports.push([...name(`gather_${k}`), 0x00, ...uleb(2 * i + 1)]);
  });
  const code = funcs.map((f) => {
    const body = [...vec(f.locals), ...f.body, 0x0b];
    return [...uleb(body.length), ...body];
  });
  return Uint8Array.from([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vec([signature])),
    ...section(3, vec(funcs.map(() => [0]))),
    ...section(5, vec([[0x00, 1]])),
    ...section(7, vec(exports)),
    ...section(10, vec(code)),
  ]);
}
