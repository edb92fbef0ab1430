import { describe, expect, it } from "vitest";
import { fieldValue, filterProblem } from "../../src/vectors/core/filter";
import { jsMatrices, QUERY_I8_MAX } from "../../src/vectors/core/matrix";
import { AUTO_INT8_THRESHOLD_BYTES, formatFor, shardCapacity } from "../../src/vectors/core/memory-budget";
import {
  encodeBits,
  encodeInt4,
  encodeInt8,
  encodeQueryInt8,
  rowBytes,
} from "../../src/vectors/core/quantize";
import { groupByShard, idHash, shardFor } from "../../src/vectors/core/shard-hash";
import { TopK } from "../../src/vectors/core/topk";
import { wasmMatrices } from "../../src/vectors/core/wasm-matrix";
import scanKernels from "../../src/vectors/wasm/scan-kernels.wasm";
import { matrixConformance } from "./matrix-conformance";
import { randomVectors, seeded } from "./vector-helpers";

describe("TopK", () => {
  it("keeps the best k of many, best first, and ignores NaN", () => {
    const random = seeded(1);
    const items = Array.from({ length: 5000 }, (_, i) => ({ key: i, goodness: random() }));
    const heap = new TopK(25);
    for (const it of items) heap.push(it.key, it.goodness);
    heap.push(99999, Number.NaN);
    const expected = [...items].sort((a, b) => b.goodness - a.goodness).slice(0, 25);
    expect(heap.sorted()).toEqual(expected);
    expect(heap.threshold).toBe(expected[24]?.goodness);
  });

  it("holds fewer than k items with a threshold of -Infinity", () => {
    const heap = new TopK(3);
    heap.push(1, -5);
    expect(heap.threshold).toBe(Number.NEGATIVE_INFINITY);
    expect(heap.sorted()).toEqual([{ key: 1, goodness: -5 }]);
    expect(() => new TopK(0)).toThrow(RangeError);
  });
});

describe("shard routing", () => {
  it("is stable: these values must never change, or stored vectors land on the wrong shard", () => {
    expect([idHash(""), idHash("a"), idHash("doc1:0:abc"), idHash("é")]).toEqual([
      2872998923, 444641715, 1115840636, 2387039943,
    ]);
  });

  it("spreads similar ids evenly, including ids differing only in high bits of one byte", () => {
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 10_000; i++)
      counts[shardFor(`doc-${i}:0`, 4)] = (counts[shardFor(`doc-${i}:0`, 4)] ?? 0) + 1;
    for (const c of counts) expect(Math.abs(c - 2500)).toBeLessThan(200);
    // 'a' (0x61) and 'e' (0x65) share their low bits; plain FNV-1a would always co-locate them.
    const letters = new Set([..."abcdefghijklmnop"].map((ch) => shardFor(`doc-${ch}`, 4)));
    expect(letters.size).toBe(4);
    expect(shardFor("anything", 1)).toBe(0);
  });

  it("groups items by shard, keeping their order", () => {
    const groups = groupByShard(["x1", "x2", "x3", "x4", "x5", "x6"], (id) => id, 2);
    const flat = [...groups.values()].flat().sort();
    expect(flat).toEqual(["x1", "x2", "x3", "x4", "x5", "x6"]);
    for (const [shard, ids] of groups) for (const id of ids) expect(shardFor(id, 2)).toBe(shard);
  });
});

describe("quantization", () => {
  it("encodes int8 with a per-vector scale and 7-bit queries", () => {
    const out = new Int8Array(4);
    expect(encodeInt8([0.5, -1, 0.25, 0], out)).toBeCloseTo(1 / 127, 10);
    expect(Array.from(out)).toEqual([64, -127, 32, 0]);
    expect(encodeInt8([0, 0, 0, 0], out)).toBe(0);
    const q = new Int8Array(4);
    expect(encodeQueryInt8([2, -1, 0.5, 0], q, QUERY_I8_MAX)).toBeCloseTo(2 / 63, 10);
    expect(Array.from(q)).toEqual([63, -31, 16, 0]);
    expect(encodeQueryInt8([0, 0, 0, 0], q, QUERY_I8_MAX)).toBe(0);
  });

  it("packs int4 codes plus 8 into nibbles: 16 dimensions low, the next 16 high, per 16 bytes", () => {
    expect([rowBytes("i4", 384), rowBytes("i4", 5), rowBytes("i4", 33)]).toEqual([192, 16, 32]);
    const values = Array.from({ length: 40 }, (_, i) => ({ 0: 7, 17: -7, 33: 3.4 })[i] ?? 0);
    const out = new Uint8Array(32);
    expect(encodeInt4(values, out)).toBe(1);
    expect(out[0]).toBe(0x8f); // dimension 0 (7 + 8) low, dimension 16 (0 + 8) high
    expect(out[1]).toBe(0x18); // dimension 1 low, dimension 17 (-7 + 8) high
    expect(out[17]).toBe(0x8b); // dimension 33 (round(3.4) + 8) low, padding high
    expect(out[31]).toBe(0x88); // padding is code 0
    expect(encodeInt4([0, 0], out)).toBe(0);
  });

  it("packs sign bits least significant first and pads rows for SIMD", () => {
    const bits = new Uint8Array(2);
    encodeBits([1, -1, 0, 2, 0, 0, 0, 0, 3], bits);
    expect(Array.from(bits)).toEqual([0b1001, 0b1]);
    expect([rowBytes("f32", 384), rowBytes("i8", 384), rowBytes("bits", 384)]).toEqual([1536, 384, 48]);
    expect([rowBytes("f32", 5), rowBytes("i8", 5), rowBytes("bits", 65)]).toEqual([32, 16, 16]);
  });

  it("picks formats and capacities from the memory budget", () => {
    expect(formatFor("none", 384, 1e6)).toBe("f32");
    expect(formatFor("binary", 384, 1)).toBe("bits");
    expect(formatFor("int4", 384, 1)).toBe("i4");
    expect(shardCapacity("int4", 384)).toBeGreaterThan(1.5 * shardCapacity("int8", 384));
    expect(formatFor("auto", 384, 1000)).toBe("f32");
    expect(formatFor("auto", 384, Math.ceil(AUTO_INT8_THRESHOLD_BYTES / 1536) + 1)).toBe("i8");
    expect(shardCapacity("int8", 384)).toBeGreaterThan(3 * shardCapacity("none", 384));
    expect(shardCapacity("none", 384)).toBeGreaterThan(50_000);
  });
});

describe("filters", () => {
  it("reports why a filter is invalid, or null when Vectorize accepts it", () => {
    expect(filterProblem({ a: 1, "b.c": { $gte: 1, $lt: 5 } })).toBeNull();
    expect(filterProblem({ a: { $in: [1, "x", true, null] } })).toBeNull();
    expect(filterProblem({ a: { $ne: null } })).toBeNull();
    expect(filterProblem({ a: { $lt: null } })).toMatch(/string or a finite number/);
    expect(filterProblem({ a: Number.NaN })).toMatch(/finite number/);
    expect(filterProblem(null)).toMatch(/JSON object/);
  });

  it("reads nested scalar values and treats everything else as absent", () => {
    const m = { a: { b: { c: 1 } }, s: "x", arr: [1], o: {}, z: null };
    expect(fieldValue(m, ["a", "b", "c"])).toBe(1);
    expect(fieldValue(m, ["s"])).toBe("x");
    expect(fieldValue(m, ["z"])).toBeNull();
    for (const path of [["arr"], ["o"], ["a", "b"], ["missing", "x"], ["s", "x"]]) {
      expect(fieldValue(m, path)).toBeUndefined();
    }
  });
});

matrixConformance(jsMatrices);
matrixConformance(wasmMatrices(scanKernels));

describe("WebAssembly SIMD kernels", () => {
  it("select like the JS kernels for every format and kind, contiguous and gathered, for odd sizes", () => {
    const wasm = wasmMatrices(scanKernels);
    const random = seeded(21);
    const everything = Number.NEGATIVE_INFINITY;
    for (const dims of [5, 100, 384, 1536]) {
      const rows = randomVectors(70, dims, random);
      const q = randomVectors(1, dims, random)[0] as Float32Array;
      const q32 = new Float32Array(Math.ceil(dims / 4) * 4);
      q32.set(q);
      const qi8 = new Int8Array(rowBytes("i8", dims));
      const qScale = encodeQueryInt8(q, qi8, QUERY_I8_MAX);
      const qBits = new Uint8Array(rowBytes("bits", dims));
      encodeBits(q, qBits);
      const qi4 = new Int8Array(2 * rowBytes("i4", dims));
      const qScale4 = encodeQueryInt8(q, qi4, 127);
      for (const [format, kinds] of [
        ["f32", ["dot", "l2"]],
        ["i8", ["dot"]],
        ["i4", ["dot"]],
        ["bits", ["hamming"]],
      ] as const) {
        const [a, b] = [jsMatrices.create(format, dims), wasm.create(format, dims)];
        for (const m of [a, b]) {
          const code = new Uint8Array(m.stride);
          rows.forEach((r, i) => {
            m.reserve(i + 1);
            code.fill(0);
            if (format === "f32") new Float32Array(code.buffer).set(r);
            else if (format === "i8") encodeInt8(r, new Int8Array(code.buffer));
            else if (format === "i4") encodeInt4(r, code);
            else encodeBits(r, code);
            m.setRow(i, code, i % 2 ? 0.5 : -2, i % 3);
          });
          m.setQuery(format === "f32" ? q32 : format === "i8" ? qi8 : format === "i4" ? qi4 : qBits);
        }
        const scale = format === "i8" ? qScale : format === "i4" ? qScale4 : 1;
        const picks = Int32Array.from([69, 3, 3, 0, 41, 68, 2]);
        for (const kind of kinds) {
          const [ja, wa] = [
            a.select(kind, 0, 70, scale, everything),
            b.select(kind, 0, 70, scale, everything),
          ];
          const [jg, wg] = [Array.from(ja.goodness.subarray(0, 70)), Array.from(wa.goodness.subarray(0, 70))];
          // Integer kernels and the float32 coefficient steps agree bit for bit; float sums only closely.
          if (format !== "f32") expect(wg).toEqual(jg);
          else {
            for (const [i, w] of wg.entries()) {
              const j = jg[i] as number;
              expect(Math.abs(w - j)).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(j)));
            }
          }
          const sorted = [...wg].sort((x, y) => x - y);
          const threshold = sorted[40] as number;
          const [jt, wt] = [a.select(kind, 0, 70, scale, threshold), b.select(kind, 0, 70, scale, threshold)];
          expect(wt.count).toBe(wg.filter((g) => g > threshold).length);
          expect(wt.count).toBeGreaterThan(20);
          if (format !== "f32")
            expect(Array.from(wt.positions.subarray(0, wt.count))).toEqual(
              Array.from(jt.positions.subarray(0, jt.count)),
            );
          const gathered = b.selectRows(kind, picks, 1, 5, scale, everything);
          expect(Array.from(gathered.goodness.subarray(0, gathered.count))).toEqual([
            wg[3],
            wg[3],
            wg[0],
            wg[41],
            wg[68],
          ]);
        }
      }
    }
  });

  it("refuses binary rows too wide for the per-byte Hamming counters", () => {
    expect(() => wasmMatrices(scanKernels).create("bits", 31 * 128 + 1)).toThrow(/Hamming/);
  });
});
