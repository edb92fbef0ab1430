import { describe, expect, it } from "vitest";
import { compileFilter, type FieldValue } from "../../src/vectors/core/filter";
import {
  type MatrixFactory,
  QUERY_I8_MAX,
  type RowMatrix,
  SCAN_BLOCK,
  type ScanKind,
} from "../../src/vectors/core/matrix";
import { encodeInt4, type RowFormat } from "../../src/vectors/core/quantize";
import { ScanIndex } from "../../src/vectors/core/scan-index";
import {
  readStoredCode,
  type StoredCode,
  storedCodeBytes,
  writeStoredCode,
} from "../../src/vectors/core/stored-code";
import type { Metric } from "../../src/vectors/types";
import { bruteForce, randomVectors, seeded } from "./vector-helpers";

/** Runs the kernel and scan-index checks against one matrix adapter. */
export function matrixConformance(factory: MatrixFactory): void {
  describe(`scan matrix kernels (${factory.name})`, () => {
    /** Every row's goodness, in position order (threshold −∞ keeps them all). */
    const all = (m: RowMatrix, kind: ScanKind, count: number, qScale = 1) => {
      const s = m.select(kind, 0, count, qScale, Number.NEGATIVE_INFINITY);
      expect(Array.from(s.positions.subarray(0, s.count))).toEqual(
        Array.from({ length: count }, (_, i) => i),
      );
      return Array.from(s.goodness.subarray(0, s.count));
    };
    const bytes = (v: Float32Array | Int8Array) => new Uint8Array(v.buffer, v.byteOffset, v.byteLength);

    it("computes dot and squared L2 over float32 rows, contiguous and gathered, across growth", () => {
      const dims = 37;
      const m = factory.create("f32", dims);
      const rows = randomVectors(300, dims, seeded(2));
      rows.forEach((r, i) => {
        m.reserve(i + 1);
        m.setRow(i, bytes(r), 1, 0);
      });
      const q = new Float32Array(Math.ceil(dims / 4) * 4);
      q.set(randomVectors(1, dims, seeded(3))[0] ?? []);
      m.setQuery(q);
      const dot = all(m, "dot", 300);
      const l2 = all(m, "l2", 300);
      rows.forEach((r, i) => {
        let d = 0;
        let e = 0;
        for (let j = 0; j < dims; j++) {
          d += (q[j] as number) * (r[j] as number);
          e += ((q[j] as number) - (r[j] as number)) ** 2;
        }
        expect(dot[i]).toBeCloseTo(d, 4);
        expect(l2[i]).toBeCloseTo(e, 4);
      });
      const picks = Int32Array.from([299, 0, 150, 7]);
      const gathered = m.selectRows("dot", picks, 1, 3, 1, Number.NEGATIVE_INFINITY);
      expect(Array.from(gathered.positions.subarray(0, gathered.count))).toEqual([0, 150, 7]);
      expect(Array.from(gathered.goodness.subarray(0, 3))).toEqual([dot[0], dot[150], dot[7]]);
      m.copyRow(299, 0);
      expect(all(m, "dot", 300)[0]).toBe(dot[299]);
    });

    it("turns raw scores into goodness with the row's coefficients and the query scale", () => {
      const m = factory.create("f32", 4);
      m.reserve(3);
      m.setRow(0, bytes(Float32Array.from([1, 2, 0, 0])), 2, 1);
      m.setRow(1, bytes(Float32Array.from([3])), -1, 0.5);
      m.setRow(2, bytes(Float32Array.from([0, 0, 0, 1])), 1, 0);
      m.setQuery(Float32Array.from([1, 1, 1, 1]));
      // goodness = raw · mul · qScale + add
      expect(all(m, "dot", 3, 0.5)).toEqual([3 * 2 * 0.5 + 1, 3 * -1 * 0.5 + 0.5, 0.5]);
      m.copyRow(0, 2);
      expect(all(m, "dot", 3, 0.5)[2]).toBe(4);
    });

    it("keeps only rows whose goodness beats the threshold, skipping the padding of the last group", () => {
      const m = factory.create("f32", 4);
      m.reserve(11);
      for (let i = 0; i < 11; i++) m.setRow(i, bytes(Float32Array.from([i % 5, 0, 0, 0])), 1, 0);
      m.setQuery(Float32Array.from([1, 0, 0, 0]));
      const s = m.select("dot", 0, 10, 1, 2);
      expect(Array.from(s.positions.subarray(0, s.count))).toEqual([3, 4, 8, 9]);
      expect(Array.from(s.goodness.subarray(0, s.count))).toEqual([3, 4, 3, 4]);
      // Ties do not beat the threshold; NaN never does.
      expect(m.select("dot", 0, 10, 1, 4).count).toBe(0);
      expect(m.select("dot", 0, 10, Number.NaN, Number.NEGATIVE_INFINITY).count).toBe(0);
      const g = m.selectRows("dot", Int32Array.from([10, 4, 9, 3, 1]), 0, 5, 1, 2.5);
      expect(Array.from(g.positions.subarray(0, g.count))).toEqual([4, 9, 3]);
    });

    it("computes int8 dot products against a 7-bit query, and Hamming distances", () => {
      const i8 = factory.create("i8", 20);
      i8.reserve(3);
      i8.setRow(0, bytes(Int8Array.from({ length: 20 }, (_, j) => j - 10)), 1, 0);
      i8.setRow(1, bytes(new Int8Array(20).fill(-127)), 1, 0);
      i8.setRow(2, bytes(new Int8Array(20).fill(127)), 1, 0);
      const q = new Int8Array(32);
      q.fill(3, 0, 20);
      i8.setQuery(q);
      expect(all(i8, "dot", 3)).toEqual([3 * -10, 3 * -127 * 20, 3 * 127 * 20]);
      q.fill(-QUERY_I8_MAX, 0, 20);
      i8.setQuery(q);
      expect(all(i8, "dot", 3)).toEqual([
        -QUERY_I8_MAX * -10,
        QUERY_I8_MAX * 127 * 20,
        -QUERY_I8_MAX * 127 * 20,
      ]);
      expect(() => i8.setQuery(Int8Array.from([QUERY_I8_MAX + 1]))).toThrow(RangeError);
      const bits = factory.create("bits", 70);
      bits.reserve(1);
      bits.setRow(0, Uint8Array.from([0xff, 0, 0, 0, 0, 0, 0, 0, 0b101]), -1, 0);
      bits.setQuery(new Uint8Array(16));
      expect(all(bits, "hamming", 1)).toEqual([-10]);
      expect(() => bits.select("dot", 0, 1, 1, 0)).toThrow(/does not apply/);
    });

    it("computes int4 dot products against a full int8 query", () => {
      const dims = 40;
      const m = factory.create("i4", dims);
      m.reserve(2);
      const rows = [
        Array.from({ length: dims }, (_, i) => (i % 15) - 7),
        Array.from({ length: dims }, (_, i) => (i === 3 ? -7 : i === 39 ? 7 : 0)),
      ];
      const code = new Uint8Array(m.stride);
      for (const [i, r] of rows.entries()) {
        expect(encodeInt4(r, code)).toBe(1); // max |x| is 7, so the codes are the values
        m.setRow(i, code, 1, 0);
      }
      const q = new Int8Array(2 * m.stride);
      for (let i = 0; i < dims; i++) q[i] = ((i * 37) % 255) - 127;
      m.setQuery(q);
      const expected = rows.map((r) => r.reduce((sum, x, i) => sum + x * (q[i] as number), 0));
      expect(all(m, "dot", 2)).toEqual(expected);
    });

    it("scores a full block", () => {
      const m = factory.create("f32", 4);
      m.reserve(SCAN_BLOCK);
      for (let i = 0; i < SCAN_BLOCK; i++) m.setRow(i, bytes(Float32Array.from([i, 1, 0, 0])), 1, 0);
      m.setQuery(Float32Array.from([1, 0, 0, 0]));
      expect(all(m, "dot", SCAN_BLOCK).length).toBe(SCAN_BLOCK);
      const top = m.select("dot", 0, SCAN_BLOCK, 1, SCAN_BLOCK - 2);
      expect([top.count, top.positions[0], top.goodness[0]]).toEqual([1, SCAN_BLOCK - 1, SCAN_BLOCK - 1]);
    });

    it("rejects rows outside its capacity and codes wider than a row", () => {
      const m = factory.create("i8", 16);
      m.reserve(4);
      expect(() => m.setRow(m.capacity, new Uint8Array(16), 1, 0)).toThrow(RangeError);
      expect(() => m.setRow(0, new Uint8Array(17), 1, 0)).toThrow(RangeError);
    });
  });

  describe(`scan index (${factory.name})`, () => {
    const build = (metric: Metric, format: RowFormat, metadata: Map<number, Record<string, FieldValue>>) =>
      new ScanIndex({
        dimensions: 24,
        metric,
        format,
        matrices: factory,
        columns: function* (path) {
          for (const [rowid, m] of metadata) yield [rowid, m[path.join(".")]] as const;
        },
      });

    it("matches brute force through inserts, replacements and swap-removes", () => {
      const meta = new Map<number, Record<string, FieldValue>>();
      const index = build("euclidean", "f32", meta);
      const vectors = randomVectors(500, 24, seeded(4));
      const live = new Map<number, Float32Array>();
      vectors.forEach((v, i) => {
        index.put(i + 1, i % 3 === 0 ? "ns" : null, v);
        meta.set(i + 1, { g: i % 5 });
        live.set(i + 1, v);
      });
      for (let rowid = 1; rowid <= 500; rowid += 7) {
        expect(index.delete(rowid)).toBe(true);
        live.delete(rowid);
        meta.delete(rowid);
      }
      expect(index.delete(1)).toBe(false);
      const replacement = randomVectors(1, 24, seeded(5))[0] as Float32Array;
      index.put(3, null, replacement);
      live.set(3, replacement);
      expect(index.size).toBe(live.size);
      const q = randomVectors(1, 24, seeded(6))[0] as Float32Array;
      const rows = [...live].map(([rowid, values]) => ({ id: String(rowid), values }));
      const hits = index.search(q, { topK: 15 });
      expect(hits.map((h) => String(h.rowid))).toEqual(bruteForce("euclidean", q, rows, 15));
      const ns = index.search(q, { topK: 5, namespace: "ns" });
      for (const h of ns) expect((h.rowid - 1) % 3).toBe(0);
      expect(index.search(q, { topK: 5, namespace: "missing" })).toEqual([]);
      const filtered = index.search(q, { topK: 500, filter: compileFilter({ g: 2 }) });
      expect(filtered.length).toBe([...meta.values()].filter((m) => m.g === 2).length);
    });

    it("loads an int8 row from its stored code with exactly the scores of the original vector", () => {
      const vectors = randomVectors(300, 24, seeded(10));
      for (const metric of ["cosine", "euclidean", "dot-product"] as const) {
        const fresh = build(metric, "i8", new Map());
        const reloaded = build(metric, "i8", new Map());
        const bytes = new Uint8Array(storedCodeBytes(24));
        for (const [i, v] of vectors.entries()) {
          fresh.put(i, null, v);
          writeStoredCode(v, bytes);
          reloaded.putCode(i, null, readStoredCode(bytes.slice(), 24) as StoredCode);
        }
        // No exact vectors: the scores are the quantized ones, which must match bit for bit.
        for (const q of randomVectors(3, 24, seeded(11)))
          expect(reloaded.search(q, { topK: 20 })).toEqual(fresh.search(q, { topK: 20 }));
      }
      expect(() =>
        build("cosine", "f32", new Map()).putCode(1, null, { scale: 1, norm: 1, code: new Int8Array(24) }),
      ).toThrow(/i8/);
    });

    it("re-scores quantized candidates with the exact vectors it is given", () => {
      const meta = new Map<number, Record<string, FieldValue>>();
      const vectors = randomVectors(800, 24, seeded(9));
      for (const format of ["i8", "i4", "bits"] as const) {
        const index = build("cosine", format, meta);
        for (const [i, v] of vectors.entries()) index.put(i, null, v);
        const q = vectors[123] as Float32Array;
        const exact = (rowids: number[]) => new Map(rowids.map((r) => [r, vectors[r] as Float32Array]));
        const [best] = index.search(q, { topK: 3, exactVectors: exact });
        expect(best?.rowid).toBe(123);
        expect(best?.score).toBeCloseTo(1, 6);
      }
    });
  });
}
