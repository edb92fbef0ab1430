import { vectorizeContract } from "./contract";
import { FakeVectorize } from "./fake-vectorize";

vectorizeContract("Vectorize fake (eventual visibility)", async (config) => {
  const index = new FakeVectorize(config);
  return { index, settle: async () => index.settle() };
});
