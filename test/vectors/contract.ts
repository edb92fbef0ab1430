import { describe, expect, it } from "vitest";
import type { Metric } from "../../src/vectors/types";

/** An index under test plus the way to make its accepted mutations visible. */
export interface ContractSubject {
  index: Vectorize;
  /** Waits until every mutation so far is visible (a no-op where writes are immediate). */
  settle(): Promise<void>;
}

/** Creates a fresh, empty index for one test. */
export type SubjectFactory = (config: { dimensions: number; metric: Metric }) => Promise<ContractSubject>;

const DIMS = 4;

/** Asserts that a promise rejects with a Vectorize-shaped error for `operation` and `code`. */
export async function expectVectorizeError(
  promise: Promise<unknown>,
  operation: string,
  code: number,
  text?: RegExp,
) {
  const err = await promise.then(
    () => null,
    (e: unknown) => e as Error,
  );
  expect(err, `expected ${operation}_ERROR (code = ${code})`).toBeInstanceOf(Error);
  expect(err?.message).toMatch(new RegExp(`^${operation}_ERROR \\(code = ${code}\\): `));
  if (text) expect(err?.message).toMatch(text);
}

/**
 * The Vectorize v2 contract, written once against the `Vectorize` interface and run
 * against every implementation (the local Durable Object index and the cloud fake).
 */
export function vectorizeContract(label: string, make: SubjectFactory): void {
  const fresh = (metric: Metric = "cosine", dimensions = DIMS) => make({ dimensions, metric });

  describe(`Vectorize contract: ${label}`, () => {
    describe("writes and reads", () => {
      it("upserts, then queries nearest first with cosine similarity and Vectorize's defaults", async () => {
        const { index, settle } = await fresh();
        const res = await index.upsert([
          { id: "a", values: [1, 0, 0, 0] },
          { id: "b", values: [0.8, 0.6, 0, 0] },
          { id: "c", values: [0, 1, 0, 0] },
          { id: "d", values: [0, 0, 1, 0] },
          { id: "e", values: [-1, 0, 0, 0] },
          { id: "f", values: [0, 0, 0, 1] },
        ]);
        expect(typeof res.mutationId).toBe("string");
        await settle();
        const out = await index.query([1, 0, 0, 0]);
        expect(out.count).toBe(5);
        expect(out.matches.map((m) => m.id)).toEqual(["a", "b", "c", "d", "f"]);
        expect(out.matches[0]?.score).toBeCloseTo(1, 5);
        expect(out.matches[1]?.score).toBeCloseTo(0.8, 5);
        expect(out.matches[0]).not.toHaveProperty("values");
        expect(out.matches[0]).not.toHaveProperty("metadata");
        const all = await index.query(new Float32Array([1, 0, 0, 0]), { topK: 100 });
        expect(all.matches.at(-1)).toMatchObject({ id: "e" });
        expect(all.matches.at(-1)?.score).toBeCloseTo(-1, 5);
      });

      it("insert keeps an existing id's vector; upsert replaces values and metadata in full", async () => {
        const { index, settle } = await fresh();
        await index.insert([{ id: "x", values: [1, 0, 0, 0], metadata: { v: 1, keep: "no" } }]);
        await settle();
        await index.insert([{ id: "x", values: [0, 1, 0, 0], metadata: { v: 2 } }]);
        await settle();
        expect(await index.getByIds(["x"])).toEqual([
          { id: "x", values: [1, 0, 0, 0], metadata: { v: 1, keep: "no" } },
        ]);
        await index.upsert([{ id: "x", values: [0, 0, 1, 0], metadata: { v: 3 } }]);
        await settle();
        expect(await index.getByIds(["x"])).toEqual([{ id: "x", values: [0, 0, 1, 0], metadata: { v: 3 } }]);
        const top = await index.query([0, 0, 1, 0], { topK: 1 });
        expect(top.matches[0]?.id).toBe("x");
        expect(top.matches[0]?.score).toBeCloseTo(1, 5);
      });

      it("resolves duplicate ids within one batch: upsert keeps the last, insert the first", async () => {
        const { index, settle } = await fresh();
        await index.upsert([
          { id: "u", values: [1, 0, 0, 0] },
          { id: "u", values: [0, 1, 0, 0] },
        ]);
        await index.insert([
          { id: "i", values: [1, 0, 0, 0] },
          { id: "i", values: [0, 1, 0, 0] },
        ]);
        await settle();
        const got = await index.getByIds(["u", "i"]);
        expect(got.map((v) => [v.id, Array.from(v.values)])).toEqual([
          ["u", [0, 1, 0, 0]],
          ["i", [1, 0, 0, 0]],
        ]);
        expect((await index.describe()).vectorCount).toBe(2);
      });

      it("stores float32: values come back rounded, from number[], Float32Array or Float64Array", async () => {
        const { index, settle } = await fresh();
        await index.upsert([
          { id: "n", values: [0.1, 0.2, 0.3, 0.4] },
          { id: "f32", values: new Float32Array([1, 2, 3, 4]) },
          { id: "f64", values: new Float64Array([0.1, 0, 0, 0]) },
        ]);
        await settle();
        const got = await index.getByIds(["n", "f32", "f64", "missing"]);
        expect(got.map((v) => v.id)).toEqual(["n", "f32", "f64"]);
        expect(Array.from(got[0]?.values ?? [])).toEqual(Array.from(new Float32Array([0.1, 0.2, 0.3, 0.4])));
        expect(Array.from(got[2]?.values ?? [])[0]).toBe(Math.fround(0.1));
      });

      it("deletes by id, ignoring unknown ids", async () => {
        const { index, settle } = await fresh();
        await index.upsert([
          { id: "keep", values: [1, 0, 0, 0] },
          { id: "drop", values: [0.9, 0.1, 0, 0] },
        ]);
        await settle();
        const res = await index.deleteByIds(["drop", "never-existed"]);
        expect(typeof res.mutationId).toBe("string");
        await settle();
        expect((await index.query([1, 0, 0, 0])).matches.map((m) => m.id)).toEqual(["keep"]);
        expect(await index.getByIds(["drop"])).toEqual([]);
        expect((await index.describe()).vectorCount).toBe(1);
        // A deleted id can be written again.
        await index.insert([{ id: "drop", values: [0, 1, 0, 0] }]);
        await settle();
        expect((await index.getByIds(["drop"]))[0]?.values).toEqual([0, 1, 0, 0]);
      });

      it("describes the vector count, the dimension and the processed mutation", async () => {
        const { index, settle } = await fresh();
        await index.upsert([{ id: "a", values: [1, 0, 0, 0] }]);
        const second = await index.upsert([{ id: "b", values: [0, 1, 0, 0] }]);
        await settle();
        const info = await index.describe();
        expect(info).toMatchObject({ vectorCount: 2, dimensions: DIMS });
        expect(String(info.processedUpToMutation)).toBe(second.mutationId);
      });

      it("queries by the id of a stored vector", async () => {
        const { index, settle } = await fresh();
        await index.upsert([
          { id: "a", values: [1, 0, 0, 0] },
          { id: "b", values: [0.9, 0.1, 0, 0] },
          { id: "c", values: [0, 0, 0, 1] },
        ]);
        await settle();
        const out = await index.queryById("b", { topK: 2 });
        expect(out.matches.map((m) => m.id)).toEqual(["b", "a"]);
        expect(await index.queryById("nope")).toEqual({ count: 0, matches: [] });
      });
    });

    describe("return options", () => {
      it("returns values and metadata only as asked ('indexed', 'all', booleans)", async () => {
        const { index, settle } = await fresh();
        await index.upsert([{ id: "a", values: [1, 0, 0, 0], metadata: { document_id: "d1", n: 3 } }]);
        await settle();
        const q = [1, 0, 0, 0];
        const none = await index.query(q, { returnMetadata: "none" });
        expect(none.matches[0]).not.toHaveProperty("metadata");
        for (const level of ["all", "indexed", true] as const) {
          const out = await index.query(q, { returnMetadata: level });
          expect(out.matches[0]?.metadata).toMatchObject({ document_id: "d1" });
        }
        const noMeta = await index.query(q, { returnMetadata: false });
        expect(noMeta.matches[0]).not.toHaveProperty("metadata");
        const values = await index.query(q, { returnValues: true });
        expect(values.matches[0]?.values).toEqual([1, 0, 0, 0]);
      });
    });

    describe("namespaces", () => {
      it("searches only the given namespace, and every vector without one", async () => {
        const { index, settle } = await fresh();
        await index.upsert([
          { id: "t1", values: [1, 0, 0, 0], namespace: "tenant-1" },
          { id: "t2", values: [1, 0, 0, 0], namespace: "tenant-2" },
          { id: "t2b", values: [0.5, 0.5, 0, 0], namespace: "tenant-2" },
          { id: "none", values: [1, 0, 0, 0] },
        ]);
        await settle();
        const one = await index.query([1, 0, 0, 0], { namespace: "tenant-1", topK: 10 });
        expect(one.matches.map((m) => m.id)).toEqual(["t1"]);
        expect(one.matches[0]?.namespace).toBe("tenant-1");
        const two = await index.query([1, 0, 0, 0], { namespace: "tenant-2", topK: 10 });
        expect(two.matches.map((m) => m.id)).toEqual(["t2", "t2b"]);
        expect((await index.query([1, 0, 0, 0], { namespace: "nobody" })).count).toBe(0);
        const all = await index.query([1, 0, 0, 0], { topK: 10 });
        expect(all.matches.map((m) => m.id).sort()).toEqual(["none", "t1", "t2", "t2b"]);
        expect((await index.getByIds(["t2"]))[0]?.namespace).toBe("tenant-2");
      });

      it("applies the namespace before the filter and topK", async () => {
        const { index, settle } = await fresh();
        const close = Array.from({ length: 8 }, (_, i) => ({
          id: `other-${i}`,
          values: [1, 0, 0, 0],
          namespace: "other",
          metadata: { kind: "x" },
        }));
        await index.upsert([
          ...close,
          { id: "mine", values: [0, 1, 0, 0], namespace: "mine", metadata: { kind: "x" } },
        ]);
        await settle();
        const out = await index.query([1, 0, 0, 0], { namespace: "mine", filter: { kind: "x" }, topK: 1 });
        expect(out.matches.map((m) => m.id)).toEqual(["mine"]);
      });

      it("moves a vector to the namespace of its latest upsert", async () => {
        const { index, settle } = await fresh();
        await index.upsert([{ id: "v", values: [1, 0, 0, 0], namespace: "old" }]);
        await index.upsert([{ id: "v", values: [1, 0, 0, 0], namespace: "new" }]);
        await settle();
        expect((await index.query([1, 0, 0, 0], { namespace: "old" })).count).toBe(0);
        expect((await index.query([1, 0, 0, 0], { namespace: "new" })).matches[0]?.id).toBe("v");
      });
    });

    describe("metadata filters", () => {
      const seed = async () => {
        const subject = await fresh();
        const rows: [string, Record<string, VectorizeVectorMetadata>][] = [
          [
            "a",
            { document_id: "d1", year: 2020, lang: "en", public: true, author: { name: "ann", age: 30 } },
          ],
          [
            "b",
            { document_id: "d1", year: 2021, lang: "fr", public: false, author: { name: "bob", age: 40 } },
          ],
          [
            "c",
            { document_id: "d2", year: 2022, lang: "en", public: true, author: { name: "cat", age: 50 } },
          ],
          ["d", { document_id: "d3", year: "2023", lang: "de" }],
          ["e", { document_id: "d4", tags: ["x", "y"] }],
        ];
        // Decreasing similarity a > b > c > d > e, so filtered results stay ordered.
        await subject.index.upsert(
          rows.map(([id, metadata], i) => ({ id, values: [1, i * 0.3, 0, 0], metadata })),
        );
        await subject.settle();
        return async (filter: VectorizeVectorMetadataFilter) =>
          (await subject.index.query([1, 0, 0, 0], { topK: 10, filter })).matches.map((m) => m.id);
      };

      it("supports implicit $eq, $eq, $ne, $in and $nin on strings, numbers and booleans", async () => {
        const q = await seed();
        expect(await q({ document_id: "d1" })).toEqual(["a", "b"]);
        expect(await q({ document_id: { $eq: "d2" } })).toEqual(["c"]);
        expect(await q({ public: true })).toEqual(["a", "c"]);
        expect(await q({ public: { $ne: true } })).toEqual(["b", "d", "e"]);
        expect(await q({ lang: { $in: ["fr", "de"] } })).toEqual(["b", "d"]);
        expect(await q({ lang: { $nin: ["en", "fr"] } })).toEqual(["d", "e"]);
        expect(await q({ year: 2021 })).toEqual(["b"]);
      });

      it("matches types strictly: the string '2023' is not the number 2023", async () => {
        const q = await seed();
        expect(await q({ year: 2023 })).toEqual([]);
        expect(await q({ year: "2023" })).toEqual(["d"]);
        expect(await q({ year: { $gte: 2021 } })).toEqual(["b", "c"]);
      });

      it("supports ranges on numbers and strings, and one lower with one upper bound", async () => {
        const q = await seed();
        expect(await q({ year: { $lt: 2021 } })).toEqual(["a"]);
        expect(await q({ year: { $lte: 2021 } })).toEqual(["a", "b"]);
        expect(await q({ year: { $gt: 2020 } })).toEqual(["b", "c"]);
        expect(await q({ year: { $gte: 2020, $lt: 2022 } })).toEqual(["a", "b"]);
        // Lexicographic string ranges give prefix search: "d1" ≤ id < "d2".
        expect(await q({ document_id: { $gte: "d1", $lt: "d2" } })).toEqual(["a", "b"]);
      });

      it("addresses nested fields with dots and ANDs several keys", async () => {
        const q = await seed();
        expect(await q({ "author.name": "bob" })).toEqual(["b"]);
        expect(await q({ "author.age": { $gte: 40 }, lang: "en" })).toEqual(["c"]);
        expect(await q({ document_id: "d1", public: true })).toEqual(["a"]);
      });

      it("treats absent, array and object values as null", async () => {
        const q = await seed();
        expect(await q({ "author.name": null })).toEqual(["d", "e"]);
        expect(await q({ "author.name": { $ne: null } })).toEqual(["a", "b", "c"]);
        expect(await q({ tags: "x" })).toEqual([]);
        expect(await q({ author: { $eq: null } })).toEqual(["a", "b", "c", "d", "e"]);
        // Vectorize documents null inside $in; workers-types' filter type leaves it out.
        const inWithNull = { lang: { $in: ["de", null] } } as unknown as VectorizeVectorMetadataFilter;
        expect(await q(inWithNull)).toEqual(["d", "e"]);
      });

      it("filters before taking topK", async () => {
        const { index, settle } = await fresh();
        await index.upsert([
          ...Array.from({ length: 20 }, (_, i) => ({
            id: `near-${i}`,
            values: [1, 0, 0, 0],
            metadata: { g: "near" },
          })),
          { id: "far", values: [0, 1, 0, 0], metadata: { g: "far" } },
        ]);
        await settle();
        const out = await index.query([1, 0, 0, 0], { topK: 3, filter: { g: "far" } });
        expect(out.matches.map((m) => m.id)).toEqual(["far"]);
      });

      it("rejects invalid filters with a query error", async () => {
        const { index } = await fresh();
        const bad: unknown[] = [
          {},
          { "": 1 },
          { $and: [] },
          { 'a"b': 1 },
          { "a..b": 1 },
          { a: { $regex: "x" } },
          { a: { $in: "x" } },
          { a: { $lt: true } },
          { a: { $eq: 1, $ne: 2 } },
          { a: { $gt: 1, $gte: 2 } },
          { a: { b: 1 } },
          { a: [1] },
          { ["k".repeat(513)]: 1 },
          { big: "x".repeat(2100) },
          "document_id = 1",
        ];
        for (const filter of bad) {
          await expectVectorizeError(
            index.query([1, 0, 0, 0], { filter: filter as VectorizeVectorMetadataFilter }),
            "VECTOR_QUERY",
            40026,
            /invalid filter/,
          );
        }
      });
    });

    describe("metrics", () => {
      it("euclidean scores are L2 distances, nearest (smallest) first", async () => {
        const { index, settle } = await fresh("euclidean");
        await index.upsert([
          { id: "near", values: [1, 1, 0, 0] },
          { id: "far", values: [4, 6, 0, 0] },
          { id: "same", values: [1, 2, 0, 0] },
        ]);
        await settle();
        const out = await index.query([1, 2, 0, 0], { topK: 3 });
        expect(out.matches.map((m) => m.id)).toEqual(["same", "near", "far"]);
        expect(out.matches.map((m) => m.score)).toEqual([0, 1, 5]);
      });

      it("dot-product scores are negated dot products, most similar (smallest) first", async () => {
        const { index, settle } = await fresh("dot-product");
        await index.upsert([
          { id: "big", values: [10, 0, 0, 0] },
          { id: "small", values: [1, 0, 0, 0] },
          { id: "opposite", values: [-2, 0, 0, 0] },
        ]);
        await settle();
        const out = await index.query([2, 0, 0, 0], { topK: 3 });
        expect(out.matches.map((m) => m.id)).toEqual(["big", "small", "opposite"]);
        expect(out.matches.map((m) => m.score)).toEqual([-20, -2, 4]);
      });
    });

    describe("validation (Vectorize's limits and error shapes)", () => {
      it("rejects vectors of the wrong dimension on write and on query", async () => {
        const { index } = await fresh();
        await expectVectorizeError(
          index.upsert([{ id: "a", values: [1, 2, 3] }]),
          "VECTOR_UPSERT",
          40012,
          /expected 4 dimensions, and got 3 dimensions/,
        );
        await expectVectorizeError(
          index.insert([{ id: "a", values: [1, 2, 3, 4, 5] }]),
          "VECTOR_INSERT",
          40012,
        );
        await expectVectorizeError(
          index.query([1, 2]),
          "VECTOR_QUERY",
          40006,
          /expected 4 dimensions, and got 2 dimensions/,
        );
      });

      it("rejects ids over 64 bytes, counting UTF-8 bytes", async () => {
        const { index } = await fresh();
        await index.upsert([{ id: "é".repeat(32), values: [1, 0, 0, 0] }]);
        await expectVectorizeError(
          index.upsert([{ id: "é".repeat(33), values: [1, 0, 0, 0] }]),
          "VECTOR_UPSERT",
          40008,
          /id too long; max is 64 bytes, got 66 bytes/,
        );
        await expectVectorizeError(index.getByIds(["x".repeat(65)]), "VECTOR_GET", 40008);
      });

      it("rejects batches over 1000 vectors, getByIds over 20 ids and deleteByIds over 100", async () => {
        const { index } = await fresh();
        const many = Array.from({ length: 1001 }, (_, i) => ({ id: `v${i}`, values: [1, 0, 0, 0] }));
        await expectVectorizeError(
          index.upsert(many),
          "VECTOR_UPSERT",
          40007,
          /max vector count is 1000, got 1001/,
        );
        const ids = (n: number) => Array.from({ length: n }, (_, i) => `v${i}`);
        await expectVectorizeError(
          index.getByIds(ids(21)),
          "VECTOR_GET",
          40007,
          /max id count is 20, got 21/,
        );
        await expectVectorizeError(
          index.deleteByIds(ids(101)),
          "VECTOR_DELETE",
          40007,
          /max id count is 100/,
        );
        expect(await index.getByIds(ids(20))).toEqual([]);
        await index.deleteByIds(ids(100));
      });

      it("rejects malformed vectors and metadata", async () => {
        const { index } = await fresh();
        const cases: [unknown, RegExp][] = [
          [[], /no vectors/],
          [[{ values: [1, 0, 0, 0] }], /id must be a non-empty string/],
          [[{ id: "a", values: "1,0,0,0" }], /values must be/],
          [[{ id: "a", values: [1, Number.NaN, 0, 0] }], /finite/],
          [[{ id: "a", values: [1, 0, 0, 0], metadata: [1] }], /JSON object/],
          [[{ id: "a", values: [1, 0, 0, 0], metadata: { "a.b": 1 } }], /not allowed/],
          [[{ id: "a", values: [1, 0, 0, 0], metadata: { $x: 1 } }], /not allowed/],
          [
            [{ id: "a", values: [1, 0, 0, 0], metadata: { big: "x".repeat(10 * 1024) } }],
            /metadata too large/,
          ],
          [[{ id: "a", values: [1, 0, 0, 0], namespace: "n".repeat(65) }], /namespace too long/],
          [[{ id: "a\ud800", values: [1, 0, 0, 0] }], /well-formed Unicode/],
          [[{ id: "a", values: [1, 0, 0, 0], namespace: "\udc00" }], /well-formed Unicode/],
        ];
        for (const [vectors, text] of cases) {
          await expectVectorizeError(
            index.upsert(vectors as VectorizeVector[]),
            "VECTOR_UPSERT",
            40023,
            text,
          );
        }
        // Just under the metadata limit is fine.
        await index.upsert([
          { id: "ok", values: [1, 0, 0, 0], metadata: { big: "x".repeat(10 * 1024 - 20) } },
        ]);
      });

      it("enforces topK limits: 100, or 50 with values or all metadata", async () => {
        const { index } = await fresh();
        const q = [1, 0, 0, 0];
        await index.query(q, { topK: 100 });
        await index.query(q, { topK: 100, returnMetadata: "indexed" });
        await index.query(q, { topK: 50, returnValues: true, returnMetadata: "all" });
        await expectVectorizeError(index.query(q, { topK: 101 }), "VECTOR_QUERY", 40025, /max top K is 100/);
        await expectVectorizeError(
          index.query(q, { topK: 51, returnValues: true }),
          "VECTOR_QUERY",
          40025,
          /max top K is 50/,
        );
        await expectVectorizeError(
          index.query(q, { topK: 51, returnMetadata: "all" }),
          "VECTOR_QUERY",
          40025,
        );
        await expectVectorizeError(index.query(q, { topK: 0 }), "VECTOR_QUERY", 40026);
        await expectVectorizeError(index.query(q, { topK: 2.5 }), "VECTOR_QUERY", 40026);
        await expectVectorizeError(
          index.query(q, { returnMetadata: "some" as "all" }),
          "VECTOR_QUERY",
          40026,
          /returnMetadata/,
        );
        await expectVectorizeError(index.query([1, Number.POSITIVE_INFINITY, 0, 0]), "VECTOR_QUERY", 40026);
      });
    });
  });
}
