import type { BatchEmbedder } from "./embedding/batch-embedder";
import { ProviderError } from "./errors";
import { createHfEmbedder } from "./hf/hf.embedder";
import { createHfGenerator } from "./hf/hf.generator";
import { createHfReranker } from "./hf/hf.reranker";
import type { FetchLike } from "./http/client";
import { createExtractiveGenerator } from "./local/extractive.generator";
import { createHashEmbedder, hashDimensions } from "./local/hash.embedder";
import { createLexicalReranker } from "./local/lexical.reranker";
import { createOpenAiEmbedder } from "./openai/openai.embedder";
import { createOpenAiGenerator } from "./openai/openai.generator";
import { createOpenAiReranker } from "./openai/openai.reranker";
import type { ProviderKind, ProviderSpec } from "./spec";
import type { Generator, Reranker } from "./types";
import type { AiBinding } from "./workers-ai/workers-ai.binding";
import { createWorkersAiEmbedder } from "./workers-ai/workers-ai.embedder";
import { createWorkersAiGenerator } from "./workers-ai/workers-ai.generator";
import { createWorkersAiReranker } from "./workers-ai/workers-ai.reranker";

/** What an adapter factory gets besides its spec. */
export interface AdapterContext {
  ai?: AiBinding;
  /** OPENAI_API_KEY or HF_TOKEN, only when the spec's endpoint is trusted. */
  credential?: string;
  fetch?: FetchLike;
  now: () => number;
}

/** Factories of one provider kind; a kind may not offer every role. */
export interface AdapterFactories<S extends ProviderSpec> {
  embedder?: (spec: S, ctx: AdapterContext) => BatchEmbedder;
  reranker?: (spec: S, ctx: AdapterContext) => Reranker;
  generator?: (spec: S, ctx: AdapterContext) => Generator;
}

type Spec<K extends ProviderKind> = Extract<ProviderSpec, { kind: K }>;

/** In-process providers by role and name. Adding one: its file plus one line here. */
const LOCAL = {
  embedder: (name: string) => {
    const dims = hashDimensions(name);
    return dims === undefined ? undefined : createHashEmbedder(dims);
  },
  reranker: { lexical: () => createLexicalReranker() } as Record<string, () => Reranker>,
  generator: { extractive: () => createExtractiveGenerator() } as Record<string, () => Generator>,
};

const unknownLocal = (spec: Spec<"local">) =>
  new ProviderError("misconfigured", `no local provider "${spec.name}"`);

/**
 * Every provider kind and the adapters it offers. A new adapter is one file plus one line
 * here (and, for a new kind, its prefix in spec.ts).
 */
export const ADAPTERS: { [K in ProviderKind]: AdapterFactories<Spec<K>> } = {
  local: {
    embedder: (s) => {
      const e = LOCAL.embedder(s.name);
      if (!e) throw unknownLocal(s);
      return e;
    },
    reranker: (s) =>
      (
        LOCAL.reranker[s.name] ??
        (() => {
          throw unknownLocal(s);
        })
      )(),
    generator: (s) =>
      (
        LOCAL.generator[s.name] ??
        (() => {
          throw unknownLocal(s);
        })
      )(),
  },
  "workers-ai": {
    embedder: (s, c) => createWorkersAiEmbedder(c.ai, s.model),
    reranker: (s, c) => createWorkersAiReranker(c.ai, s.model),
    generator: (s, c) => createWorkersAiGenerator(c.ai, s.model),
  },
  openai: {
    embedder: (s, c) => createOpenAiEmbedder(openAiConfig(s, c)),
    reranker: (s, c) => createOpenAiReranker(openAiConfig(s, c)),
    generator: (s, c) => createOpenAiGenerator(openAiConfig(s, c)),
  },
  hf: {
    embedder: (s, c) => createHfEmbedder(hfConfig(s, c)),
    reranker: (s, c) => createHfReranker(hfConfig(s, c)),
    generator: (s, c) => createHfGenerator(hfConfig(s, c)),
  },
};

function openAiConfig(s: Spec<"openai">, c: AdapterContext) {
  return { model: s.model, baseUrl: s.baseUrl, apiKey: c.credential, fetch: c.fetch, now: c.now };
}

function hfConfig(s: Spec<"hf">, c: AdapterContext) {
  return { model: s.model, endpointUrl: s.endpointUrl, token: c.credential, fetch: c.fetch, now: c.now };
}

function factories(spec: ProviderSpec): AdapterFactories<ProviderSpec> {
  return ADAPTERS[spec.kind] as AdapterFactories<ProviderSpec>;
}

function cannot(spec: ProviderSpec, role: string): never {
  throw new ProviderError("misconfigured", `${spec.kind} providers cannot act as ${role}`);
}

/** The embedding adapter for `spec`. */
export function buildEmbedder(spec: ProviderSpec, ctx: AdapterContext): BatchEmbedder {
  return (factories(spec).embedder ?? (() => cannot(spec, "embedder")))(spec, ctx);
}

/** The reranking adapter for `spec`. */
export function buildReranker(spec: ProviderSpec, ctx: AdapterContext): Reranker {
  return (factories(spec).reranker ?? (() => cannot(spec, "reranker")))(spec, ctx);
}

/** The generation adapter for `spec`. */
export function buildGenerator(spec: ProviderSpec, ctx: AdapterContext): Generator {
  return (factories(spec).generator ?? (() => cannot(spec, "generator")))(spec, ctx);
}
