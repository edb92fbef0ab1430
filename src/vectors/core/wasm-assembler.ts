/**
 * Assembles the WebAssembly SIMD scan kernels byte by byte (no toolchain needed), so the
 * committed src/vectors/wasm/scan-kernels.wasm is reproducible: `npm run build:kernels`
 * writes it and a test checks the file matches this function's output. Pure.
 *
 * Exports `memory` and, per kernel K ∈ {dot_f32, l2_f32, dot_i8, hamming}:
 *   scan_K(q, x, n, stride, rows, out)          rows x, x+stride, … (contiguous)
 *   gather_K(q, base, n, stride, pos, count, out) rows base + pos[j]·stride
 * with byte addresses, `n` the bytes of one row, one f32 score per row written to `out`.
 * f32 rows are multiples of 16 bytes, i8 rows of 16 (the query is int16, 2n bytes), bit
 * rows of 8 (Hamming over 64-bit words).
 */

/** Kernel names in export order. */
export const WASM_KERNELS = ["dot_f32", "l2_f32", "dot_i8", "hamming"] as const;

/** One kernel of the module. */
export type WasmKernel = (typeof WASM_KERNELS)[number];

const I32 = 0x7f;
const I64 = 0x7e;
const F32 = 0x7d;
const V128 = 0x7b;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

function sleb(n: number): number[] {
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

const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const name = (s: string): number[] => [...uleb(s.length), ...new TextEncoder().encode(s)];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];

// Instructions.
const get = (i: number) => [0x20, ...uleb(i)];
const set = (i: number) => [0x21, ...uleb(i)];
const i32c = (v: number) => [0x41, ...sleb(v)];
const add = [0x6a];
const mul = [0x6c];
const geU = [0x4f];
const gtU = [0x4b];
const simd = (op: number, ...imm: number[]) => [0xfd, ...uleb(op), ...imm];
const v128load = (offset: number) => simd(0x00, 0, ...uleb(offset));
const f32x4add = simd(0xe4);
const f32x4sub = simd(0xe5);
const f32x4mul = simd(0xe6);
const i32x4add = simd(0xae);
const i32x4dot = simd(0xba);
const extLow = simd(0x87);
const extHigh = simd(0x88);
const f32lane = (l: number) => simd(0x1f, l);
const i32lane = (l: number) => simd(0x1b, l);
const f32add = [0x92];
const block = (...body: number[][]) => [0x02, 0x40, ...body.flat(), 0x0b];
const loop = (...body: number[][]) => [0x03, 0x40, ...body.flat(), 0x0b];
const brIf = (d: number) => [0x0d, ...uleb(d)];
const br = (d: number) => [0x0c, ...uleb(d)];

/** `addr(a) + addr(b)` for a v128 load at local a + local b. */
const at = (base: number, offset: number, off: number) => [
  ...get(base),
  ...get(offset),
  ...add,
  ...v128load(off),
];

// Row kernels: params (q=0, x=1, n=2) -> f32.
function rowF32(kind: "dot" | "l2"): { locals: number[][]; body: number[] } {
  const i = 3;
  const acc = [4, 5, 6, 7];
  const d = 8;
  const term = (k: number, off: number) =>
    kind === "dot"
      ? [
          ...get(acc[k] as number),
          ...at(0, i, off),
          ...at(1, i, off),
          ...f32x4mul,
          ...f32x4add,
          ...set(acc[k] as number),
        ]
      : [
          ...at(0, i, off),
          ...at(1, i, off),
          ...f32x4sub,
          ...set(d),
          ...get(acc[k] as number),
          ...get(d),
          ...get(d),
          ...f32x4mul,
          ...f32x4add,
          ...set(acc[k] as number),
        ];
  const body = [
    ...block(
      loop(
        [...get(i), ...i32c(64), ...add, ...get(2), ...gtU, ...brIf(1)],
        term(0, 0),
        term(1, 16),
        term(2, 32),
        term(3, 48),
        [...get(i), ...i32c(64), ...add, ...set(i), ...br(0)],
      ),
    ),
    ...block(
      loop([...get(i), ...get(2), ...geU, ...brIf(1)], term(0, 0), [
        ...get(i),
        ...i32c(16),
        ...add,
        ...set(i),
        ...br(0),
      ]),
    ),
    ...get(4),
    ...get(5),
    ...f32x4add,
    ...get(6),
    ...get(7),
    ...f32x4add,
    ...f32x4add,
    ...set(4),
    ...get(4),
    ...f32lane(0),
    ...get(4),
    ...f32lane(1),
    ...f32add,
    ...get(4),
    ...f32lane(2),
    ...get(4),
    ...f32lane(3),
    ...f32add,
    ...f32add,
  ];
  return {
    locals: [
      [1, I32],
      [5, V128],
    ].map(([c, t]) => [...uleb(c as number), t as number]),
    body,
  };
}

function rowI8(): { locals: number[][]; body: number[] } {
  const i = 3;
  const qi = 4;
  const v = 5;
  const a0 = 6;
  const a1 = 7;
  const body = [
    ...block(
      loop(
        [...get(i), ...get(2), ...geU, ...brIf(1)],
        [...get(0), ...get(i), ...get(i), ...add, ...add, ...set(qi)],
        [...get(1), ...get(i), ...add, ...v128load(0), ...set(v)],
        [...get(a0), ...get(v), ...extLow, ...get(qi), ...v128load(0), ...i32x4dot, ...i32x4add, ...set(a0)],
        [
          ...get(a1),
          ...get(v),
          ...extHigh,
          ...get(qi),
          ...v128load(16),
          ...i32x4dot,
          ...i32x4add,
          ...set(a1),
        ],
        [...get(i), ...i32c(16), ...add, ...set(i), ...br(0)],
      ),
    ),
    ...get(a0),
    ...get(a1),
    ...i32x4add,
    ...set(a0),
    ...get(a0),
    ...i32lane(0),
    ...get(a0),
    ...i32lane(1),
    ...add,
    ...get(a0),
    ...i32lane(2),
    ...get(a0),
    ...i32lane(3),
    ...add,
    ...add,
    0xb2, // f32.convert_i32_s
  ];
  return {
    locals: [
      [...uleb(2), I32],
      [...uleb(3), V128],
    ],
    body,
  };
}

function rowHamming(): { locals: number[][]; body: number[] } {
  const i = 3;
  const h = 4;
  const load64 = (base: number) => [...get(base), ...get(i), ...add, 0x29, 0, 0];
  const body = [
    ...block(
      loop(
        [...get(i), ...get(2), ...geU, ...brIf(1)],
        [...get(h), ...load64(0), ...load64(1), 0x85, 0x7b, 0x7c, ...set(h)], // xor, popcnt, add
        [...get(i), ...i32c(8), ...add, ...set(i), ...br(0)],
      ),
    ),
    ...get(h),
    0xb4, // f32.convert_i64_s
  ];
  return {
    locals: [
      [...uleb(1), I32],
      [...uleb(1), I64],
    ],
    body,
  };
}

// Drivers. scan: (q=0, x=1, n=2, stride=3, rows=4, out=5), local j=6.
function scanDriver(row: number): { locals: number[][]; body: number[] } {
  const j = 6;
  const body = block(
    loop(
      [...get(j), ...get(4), ...geU, ...brIf(1)],
      [...get(5), ...get(j), ...i32c(2), 0x74, ...add], // out + 4j
      [...get(0), ...get(1), ...get(j), ...get(3), ...mul, ...add, ...get(2), 0x10, ...uleb(row)],
      [0x38, 2, 0], // f32.store
      [...get(j), ...i32c(1), ...add, ...set(j), ...br(0)],
    ),
  );
  return { locals: [[...uleb(1), I32]], body };
}

// gather: (q=0, base=1, n=2, stride=3, pos=4, count=5, out=6), local j=7.
function gatherDriver(row: number): { locals: number[][]; body: number[] } {
  const j = 7;
  const body = block(
    loop(
      [...get(j), ...get(5), ...geU, ...brIf(1)],
      [...get(6), ...get(j), ...i32c(2), 0x74, ...add],
      [...get(0), ...get(1)],
      [...get(4), ...get(j), ...i32c(2), 0x74, ...add, 0x28, 2, 0, ...get(3), ...mul, ...add], // base + pos[j]*stride
      [...get(2), 0x10, ...uleb(row)],
      [0x38, 2, 0],
      [...get(j), ...i32c(1), ...add, ...set(j), ...br(0)],
    ),
  );
  return { locals: [[...uleb(1), I32]], body };
}

/** The module's bytes. */
export function assembleScanKernels(): Uint8Array<ArrayBuffer> {
  const types = [
    [0x60, ...vec([[I32], [I32], [I32]]), ...vec([[F32]])],
    [0x60, ...vec([[I32], [I32], [I32], [I32], [I32], [I32]]), ...vec([])],
    [0x60, ...vec([[I32], [I32], [I32], [I32], [I32], [I32], [I32]]), ...vec([])],
  ];
  const rows = [rowF32("dot"), rowF32("l2"), rowI8(), rowHamming()];
  const scans = rows.map((_, k) => scanDriver(k));
  const gathers = rows.map((_, k) => gatherDriver(k));
  const funcs = [...rows, ...scans, ...gathers];
  const typeOf = [...rows.map(() => 0), ...scans.map(() => 1), ...gathers.map(() => 2)];
  const exports: number[][] = [[...name("memory"), 0x02, 0]];
  WASM_KERNELS.forEach((k, i) => {
    exports.push([...name(`scan_${k}`), 0x00, ...uleb(rows.length + i)]);
    exports.push([...name(`gather_${k}`), 0x00, ...uleb(2 * rows.length + i)]);
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
    ...section(1, vec(types)),
    ...section(3, vec(typeOf.map((t) => [t]))),
    ...section(5, vec([[0x00, 1]])),
    ...section(7, vec(exports)),
    ...section(10, vec(code)),
  ]);
}
