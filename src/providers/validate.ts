import { VECTORIZE_MAX_DIMENSIONS } from "../config/limits";
import { hashDimensions, invalidHashDimensions } from "./local/hash.embedder";
import { canonicalModelKey, embeddingModelInfo } from "./models";
import { type ProviderRole, type ProviderSpec, ProviderSpecError, parseProviderChain } from "./spec";

/** Local provider names by role (the `<name>` of `local:<name>`). */
export const LOCAL_NAMES: Record<ProviderRole, string> = {
  embeddings: "hash-<dims> (e.g. local:hash-384)",
  reranker: "lexical",
  generator: "extractive",
};

/**
 * Parses a chain and checks it can serve `role`: local names exist, rerankers have an endpoint
 * that can rerank, embedding sizes fit the vector index, and an embeddings chain uses a single
 * model, because vectors from different models are not comparable and an index mixing them
 * returns nonsense. Throws {@link ProviderSpecError} with the fix in the message.
 * @example parseRoleChain("openai:llama3.2@http://127.0.0.1:11434/v1,local:extractive", "generator")
 */
export function parseRoleChain(value: string, role: ProviderRole): ProviderSpec[] {
  const specs = parseProviderChain(value);
  for (const spec of specs) checkSpec(spec, role);
  if (role === "embeddings") checkSingleModel(specs);
  return specs;
}

function checkSpec(spec: ProviderSpec, role: ProviderRole): void {
  if (spec.kind === "local") {
    const ok =
      role === "embeddings" ? hashDimensions(spec.name) !== undefined : spec.name === LOCAL_NAMES[role];
    if (!ok) {
      throw new ProviderSpecError(
        `"${spec.id}" is not a local ${role} provider; use local:${LOCAL_NAMES[role]}.`,
      );
    }
    const dims = role === "embeddings" ? hashDimensions(spec.name) : undefined;
    const reason = dims === undefined ? undefined : invalidHashDimensions(dims);
    if (reason) throw new ProviderSpecError(`"${spec.id}": ${reason}`);
    return;
  }
  if (role === "reranker" && spec.kind === "hf" && !spec.endpointUrl) {
    throw new ProviderSpecError(
      `"${spec.id}": Hugging Face rerankers need a TEI endpoint serving a cross-encoder, hf:<model>@<url>.`,
    );
  }
  if (role === "embeddings") {
    const dims = embeddingModelInfo(spec.model)?.dimensions;
    if (dims !== undefined && dims > VECTORIZE_MAX_DIMENSIONS) {
      throw new ProviderSpecError(
        `"${spec.id}" makes ${dims}-dimensional vectors; the vector index holds at most ${VECTORIZE_MAX_DIMENSIONS}.`,
      );
    }
  }
}

/** The identity vectors are comparable under: the model (whoever serves it), or the local hash size. */
export function embeddingModelKey(spec: ProviderSpec): string {
  return spec.kind === "local" ? spec.id : canonicalModelKey(spec.model);
}

function checkSingleModel(specs: readonly ProviderSpec[]): void {
  const first = specs[0];
  if (!first) return;
  const key = embeddingModelKey(first);
  const other = specs.find((s) => embeddingModelKey(s) !== key);
  if (other) {
    throw new ProviderSpecError(
      `An embeddings fallback chain must use one model: vectors from ${first.id} and ${other.id} are not comparable. ` +
        "List only providers of the same model, e.g. workers-ai:@cf/baai/bge-base-en-v1.5,hf:BAAI/bge-base-en-v1.5@http://127.0.0.1:8080.",
    );
  }
}
