import { describe, expect, it } from "vitest";
import { createHashEmbedder } from "../../src/providers/local/hash.embedder";
import { createLexicalReranker } from "../../src/providers/local/lexical.reranker";
import { createHybridRetriever } from "../../src/retrieval/hybrid.retriever";
import type { KeywordIndex } from "../../src/retrieval/keyword/keyword-index";
import { TenantReplica } from "../../src/retrieval/replica/replica";
import { ReplicaVectors } from "../../src/retrieval/replica/replica-vectors";
import type { SearchRepo } from "../../src/retrieval/search.repo";
import { jsMatrices } from "../../src/vectors/core/matrix";

function replicaOf(texts: string[]): TenantReplica {
  const replica = new TenantReplica(undefined, new ReplicaVectors(64, jsMatrices));
  replica.append(
    texts.map((text, i) => ({
      seq: i + 1,
      id: `c${i}`,
      documentId: `d${i}`,
      ordinal: 0,
      version: 1,
      text,
      title: null,
      chunkMetadata: {},
      documentMetadata: { n: i },
    })),
  );
  return replica;
}

describe("hybrid search with the replica's held hash vectors", () => {
  const replica = replicaOf(["volcano magma crust", "glacier ice valley", "kiwi vitamin fruit"]);
  let indexQueries = 0;
  const deps = {
    repo: { chunks: async () => new Map(), neighbours: async () => new Map() } as SearchRepo,
    keyword: {} as KeywordIndex,
    embedder: createHashEmbedder(64),
    reranker: createLexicalReranker(),
    replica: async () => replica,
    vectors: () => ({
      async query() {
        indexQueries++;
        return { count: 0, matches: [] };
      },
    }),
  };

  it("answers from memory when they match the vector index, and asks the index otherwise", async () => {
    const inMemory = createHybridRetriever({ ...deps, heldVectorsMatchIndex: async () => true });
    indexQueries = 0;
    const { results } = await inMemory.search("t", { query: "volcano", topK: 3, mode: "hybrid" });
    expect(indexQueries).toBe(0);
    expect(results[0]?.documentId).toBe("d0");
    expect(results[0]?.scores.vector).toBeGreaterThan(0);

    const mismatched = createHybridRetriever({ ...deps, heldVectorsMatchIndex: async () => false });
    await mismatched.search("t", { query: "volcano", topK: 3, mode: "hybrid" });
    expect(indexQueries).toBe(1);

    // Filters, vector-only mode and an unknown match always go to the index.
    await inMemory.search("t", { query: "volcano", topK: 3, mode: "hybrid", filter: { n: 0 } });
    await inMemory.search("t", { query: "volcano", topK: 3, mode: "vector" });
    await createHybridRetriever(deps).search("t", { query: "volcano", topK: 3, mode: "hybrid" });
    expect(indexQueries).toBe(4);
  });
});
