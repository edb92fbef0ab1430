import { describe, expect, it } from "vitest";
import { d1Source, replicaSource } from "../../src/retrieval/candidates";
import { KEYWORD_FILTER_POOL } from "../../src/retrieval/hybrid.config";
import type { KeywordIndex } from "../../src/retrieval/keyword/keyword-index";
import { TenantReplica } from "../../src/retrieval/replica/replica";
import type { ChunkRecord, SearchRepo } from "../../src/retrieval/search.repo";
import { compileFilter } from "../../src/vectors/core/filter";

const record = (i: number, team: string): ChunkRecord => ({
  id: `c${i}`,
  documentId: `d${i}`,
  ordinal: 0,
  version: 1,
  text: `topic number ${i}`,
  title: null,
  chunkMetadata: {},
  documentMetadata: { team },
});

/** 5,000 chunks ranked by FTS5 in id order; only the 4,500th is in team "needle". */
const rows = Array.from({ length: 5000 }, (_, i) => record(i, i === 4500 ? "needle" : "hay"));
const byId = new Map(rows.map((r) => [r.id, r]));
const reads: number[] = [];
const keyword = {
  async search(_t: string, _q: string, { limit = 20 } = {}) {
    reads.push(limit);
    return rows.slice(0, limit).map((r, i) => ({ chunkId: r.id, documentId: r.documentId, score: 5000 - i }));
  },
} as KeywordIndex;
const repo: SearchRepo = {
  async chunks(_t, ids) {
    return new Map(ids.flatMap((id) => (byId.has(id) ? [[id, byId.get(id) as ChunkRecord] as const] : [])));
  },
  neighbours: async () => new Map(),
};

describe("keyword candidates with a selective filter", () => {
  it("the D1 path widens its FTS5 page until enough chunks pass the filter", async () => {
    reads.length = 0;
    const hits = await d1Source("t", keyword, repo).keyword("topic", 10, compileFilter({ team: "needle" }));
    expect(hits.map((h) => h.id)).toEqual(["c4500"]);
    expect(reads[0]).toBe(KEYWORD_FILTER_POOL);
    expect(reads.length).toBeGreaterThan(1);
  });

  it("the D1 path reads one page without a filter, and keeps filtered rows for hydration", async () => {
    reads.length = 0;
    const source = d1Source("t", keyword, repo);
    expect(await source.keyword("topic", 200, null)).toHaveLength(200);
    expect(reads).toEqual([200]);
    await source.keyword("topic", 5, compileFilter({ team: "hay" }));
    expect((await source.records(["c1", "nope"])).size).toBe(1);
  });

  it("the memory path filters every chunk and never throws on hostile text", async () => {
    const replica = new TenantReplica();
    replica.append(rows.map((r, i) => ({ ...r, seq: i + 1 })));
    const source = replicaSource(replica);
    expect((await source.keyword("topic", 10, compileFilter({ team: "needle" }))).map((h) => h.id)).toEqual([
      "c4500",
    ]);
    for (const q of ['NOT AND "unbalanced', "🌋🔥", "\u0000", "x".repeat(10_000), "the of and", "?!"]) {
      await expect(source.keyword(q, 10, null)).resolves.toBeInstanceOf(Array);
    }
    expect(await source.keyword("the of and", 10, null)).toEqual([]);
  });
});
