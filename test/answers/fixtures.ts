import type { Retriever } from "../../src/retrieval/types";

/** A retriever that always finds one chunk about a rate limiter (`c1` of document `d1`). */
export const oneChunkRetriever: Retriever = {
  async search() {
    return {
      results: [
        {
          chunkId: "c1",
          documentId: "d1",
          title: "Doc",
          text: "The limiter allows 100 requests per minute.",
          score: 1,
          metadata: {},
          scores: {},
        },
      ],
      timings: {},
    };
  },
};
