import { describe, expect, it } from "vitest";
import { compileFilter, type FieldValue } from "../../src/vectors/core/filter";
import { type MatrixFactory, SCAN_BLOCK } from "../../src/vectors/core/matrix";
import { ScanIndex } from "../../src/vectors/core/scan-index";
import type { Metric } from "../../src/vectors/types";
import { bruteForce, randomVectors, seeded } from "./vector-helpers";

/** Runs the kernel and scan-index checks against one matrix adapter. */
export function matrixConformance(factory: MatrixFactory): void {
  describe(`scan matrix kernels (${factory.name})`, () => {
    it("computes dot and squared L2 over float32 rows, contiguous and gathered, across growth", () => {
      const dims = 37;
      const m = factory.create("f32", dims);
      const rows = randomVectors(300, dims, seeded(2));
      rows.forEach((r, i) => {
        m.reserve(i + 1);
        new Float32Array(m.row(i).buffer, m.row(i).byteOffset, dims).set(r);
      });
      const q = new Float32Array(Math.ceil(dims / 4) * 4);
      q.set(randomVectors(1, dims, seeded(3))[0] ?? []);
      m.setQuery(q);
      const dot = Array.from(m.scan("dot", 0, 300));
      const l2 = Array.from(m.scan("l2", 0, 300));
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
      expect(Array.from(m.scanRows("dot", picks, 1, 3))).toEqual([dot[0], dot[150], dot[7]]);
      m.copyRow(299, 0);
      expect(m.scan("dot", 0, 1)[0]).toBe(dot[299]);
    });

    it("computes int8 dot products and Hamming distances", () => {
      const i8 = factory.create("i8", 20);
      i8.reserve(2);
      new Int8Array(i8.row(0).buffer, i8.row(0).byteOffset, 20).set(
        Array.from({ length: 20 }, (_, j) => j - 10),
      );
      new Int8Array(i8.row(1).buffer, i8.row(1).byteOffset, 20).fill(-127);
      const q = new Int16Array(32);
      q.fill(3, 0, 20);
      i8.setQuery(q);
      expect(Array.from(i8.scan("dot", 0, 2))).toEqual([3 * -10, 3 * -127 * 20]);
      const bits = factory.create("bits", 70);
      bits.reserve(1);
      bits.row(0).set([0xff, 0, 0, 0, 0, 0, 0, 0, 0b101]);
      bits.setQuery(new Uint8Array(16));
      expect(Array.from(bits.scan("hamming", 0, 1))).toEqual([10]);
      expect(() => bits.scan("dot", 0, 1)).toThrow(/does not apply/);
    });

    it("scores a full block", () => {
      const m = factory.create("f32", 4);
      m.reserve(SCAN_BLOCK);
      for (let i = 0; i < SCAN_BLOCK; i++)
        new Float32Array(m.row(i).buffer, m.row(i).byteOffset, 4).set([i, 1, 0, 0]);
      m.setQuery(Float32Array.from([1, 0, 0, 0]));
      const out = m.scan("dot", 0, SCAN_BLOCK);
      expect(out.length).toBe(SCAN_BLOCK);
      expect(out[SCAN_BLOCK - 1]).toBe(SCAN_BLOCK - 1);
    });
  });

  describe(`scan index (${factory.name})`, () => {
    const build = (
      metric: Metric,
      format: "f32" | "i8" | "bits",
      metadata: Map<number, Record<string, FieldValue>>,
    ) =>
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

    it("re-scores quantized candidates with the exact vectors it is given", () => {
      const meta = new Map<number, Record<string, FieldValue>>();
      const vectors = randomVectors(800, 24, seeded(9));
      for (const format of ["i8", "bits"] as const) {
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
