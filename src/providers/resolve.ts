import type { Db } from "../db/client";
import { AppError } from "../http/errors";
import { log } from "../observability/log";
import { cachedSettings } from "../settings/settings.cache";
import { createUsageRecorder, type UsageRecorder } from "../usage/usage.recorder";
import { type ModelChoice, modelChoices } from "./choices";
import type { BatchEmbedder } from "./embedding/batch-embedder";
import { createD1EmbeddingCache } from "./embedding/cache.repo";
import { createEmbeddingPipeline } from "./embedding/pipeline";
import { ProviderError } from "./errors";
import type { FetchLike } from "./http/client";
import { type AdapterContext, buildEmbedder, buildGenerator, buildReranker } from "./registry";
import { isolateBreakers } from "./reliability/breaker";
import { type ChainDeps, callChain } from "./reliability/chain";
import { systemClock } from "./reliability/clock";
import { DEFAULT_POLICIES, type ProviderPolicies } from "./reliability/policy";
import { streamChain } from "./reliability/stream-chain";
import { type ProviderRole, type ProviderSpec, ProviderSpecError } from "./spec";
import { checkTenantSpecs, credentialFor, type TrustEnv, trustedOrigins } from "./trust";
import type { Embedder, GenerateResult, Generator, Reranker, RerankResult } from "./types";
import { parseRoleChain } from "./validate";
import type { AiBinding } from "./workers-ai/workers-ai.binding";

/** The environment the resolver reads: provider vars, secrets and the optional AI binding. */
export interface ProviderEnv extends TrustEnv {
  EMBEDDINGS: string;
  GENERATOR: string;
  RERANKER: string;
  AI?: AiBinding;
}

/** Inputs of {@link resolveProviders}. */
export interface ResolveOptions {
  env: ProviderEnv;
  db: Db;
  tenantId: string;
  /** `ctx.waitUntil`: usage and cache writes then happen after the response instead of before. */
  waitUntil?: (work: Promise<unknown>) => void;
  /** Test seams: clock, randomness, breakers, fetch. Defaults are the real ones. */
  deps?: Partial<ChainDeps> & { fetch?: FetchLike };
  policies?: Partial<ProviderPolicies>;
}

/** The three ports for one tenant, each wrapped with fallback, retries, breakers, accounting (and caching). */
export interface ResolvedProviders {
  embedder: Embedder;
  reranker: Reranker;
  generator: Generator;
  /** The chains in force for this tenant (tenant overrides applied), as spec strings. */
  specs: Record<ProviderRole, string>;
  /** Models a request may name (`generator`, OpenAI `model`): see choices.ts. */
  choices: Record<ModelChoice["role"], ModelChoice[]>;
  /**
   * The generator of a choice from `choices.generator`: one configured provider alone (no
   * fallback, since the caller asked for that model), or the whole chain for the default.
   */
  pickGenerator(choice: ModelChoice): Generator;
}

/** Instance vars by role; tenant settings use the role names themselves as keys. */
const VAR_OF = { embeddings: "EMBEDDINGS", reranker: "RERANKER", generator: "GENERATOR" } as const;

/**
 * Resolves the tenant's providers: the tenant's settings override the instance vars
 * (EMBEDDINGS, RERANKER, GENERATOR) role by role. A broken instance var is a 500
 * (`provider_config_invalid`, the operator must fix it); a stored tenant setting that is no
 * longer valid (e.g. its endpoint was removed from the trusted origins) is a 409
 * (`invalid_provider_setting`), never silently replaced: a different embedder would write
 * vectors the tenant's index cannot compare.
 * @example
 * const { embedder, generator } = await resolveProviders({ env: c.env, db: createDb(c.env.DB), tenantId, waitUntil: (p) => c.executionCtx.waitUntil(p) });
 */
export async function resolveProviders(opts: ResolveOptions): Promise<ResolvedProviders> {
  const settings = await cachedSettings(opts.db, opts.tenantId);
  const chains = {} as Record<ProviderRole, ProviderSpec[]>;
  const specs = {} as Record<ProviderRole, string>;
  for (const role of ["embeddings", "reranker", "generator"] as const) {
    const override = settings[role];
    const fromTenant = typeof override === "string" && override.trim() !== "";
    const value = fromTenant ? (override as string) : opts.env[VAR_OF[role]];
    chains[role] = parse(value, role, fromTenant, opts.env);
    specs[role] = chains[role].map((s) => s.id).join(",");
  }

  const deps: ChainDeps = {
    clock: opts.deps?.clock ?? systemClock,
    random: opts.deps?.random ?? Math.random,
    breakers: opts.deps?.breakers ?? isolateBreakers,
  };
  const recorder = createUsageRecorder({ db: opts.db, tenantId: opts.tenantId, now: () => deps.clock.now() });
  const accounted: ChainDeps = { ...deps, onAttempt: (e) => recorder.record(e) };
  const trusted = trustedOrigins(opts.env);
  const ctx = (spec: ProviderSpec): AdapterContext => ({
    ai: opts.env.AI,
    credential: credentialFor(spec, opts.env, trusted),
    fetch: opts.deps?.fetch,
    now: () => deps.clock.now(),
  });
  const policies: ProviderPolicies = { ...DEFAULT_POLICIES, ...opts.policies };
  const settle = async (work: Promise<unknown>) => {
    if (opts.waitUntil) opts.waitUntil(work);
    else await work;
  };
  const flush = () => settle(recorder.flush());
  const generator = generatorFor(chains.generator, ctx, accounted, policies, flush);

  return {
    specs,
    choices: {
      generator: modelChoices("generator", chains.generator, instanceChain(opts.env, "generator")),
      // Every embeddings choice is the tenant's own model (vectors must match its index).
      embeddings: modelChoices("embeddings", chains.embeddings, []),
    },
    pickGenerator: (choice) =>
      choice.isDefault ? generator : generatorFor(choice.specs, ctx, accounted, policies, flush),
    embedder: embedderFor(chains.embeddings, ctx, accounted, policies, opts, recorder, flush),
    reranker: rerankerFor(chains.reranker, ctx, accounted, policies, flush),
    generator,
  };
}

/** The instance's own chain for `role` (operator-configured, so every member is a valid choice). */
function instanceChain(env: ProviderEnv, role: ProviderRole): ProviderSpec[] {
  try {
    return parseRoleChain(env[VAR_OF[role]], role);
  } catch {
    return []; // Reported as provider_config_invalid where the instance chain is actually used.
  }
}

function parse(value: string, role: ProviderRole, fromTenant: boolean, env: ProviderEnv): ProviderSpec[] {
  try {
    const chain = parseRoleChain(value, role);
    if (fromTenant) checkTenantSpecs(chain, env);
    return chain;
  } catch (err) {
    if (!(err instanceof ProviderSpecError)) throw err;
    if (fromTenant) {
      throw new AppError(
        409,
        "invalid_provider_setting",
        `This tenant's "${role}" setting cannot be used: ${err.message} Change it with PATCH /v1/settings (null restores the default).`,
      );
    }
    log.error("invalid provider configuration", { var: VAR_OF[role], err });
    throw new AppError(
      500,
      "provider_config_invalid",
      `The instance's ${VAR_OF[role]} setting is invalid: ${err.message} The operator must fix wrangler.toml or .dev.vars.`,
    );
  }
}

function embedderFor(
  chain: ProviderSpec[],
  ctx: (s: ProviderSpec) => AdapterContext,
  deps: ChainDeps,
  policies: ProviderPolicies,
  opts: ResolveOptions,
  recorder: UsageRecorder,
  flush: () => Promise<unknown>,
): Embedder {
  const members = chain.map((s) => buildEmbedder(s, ctx(s)));
  const primary = members[0] as BatchEmbedder;
  // A built-in embedder computes a vector in microseconds; reading it back from D1 costs a
  // round trip and writing it costs a row, so only remote models get the D1 cache (queries
  // still hit the retriever's in-isolate LRU, see retrieval/query-cache.ts).
  const local = chain.every((s) => s.kind === "local");
  const pipeline = createEmbeddingPipeline({
    members,
    policy: policies.embed,
    deps,
    cache: local
      ? undefined
      : createD1EmbeddingCache({
          db: opts.db,
          tenantId: opts.tenantId,
          embedder: `${primary.id}#${primary.revision ?? ""}`,
          now: () => deps.clock.now(),
        }),
    defer: opts.waitUntil,
    onCacheHits: (n) => recorder.cacheHits(primary.id, n),
  });
  return {
    id: pipeline.id,
    get dimensions() {
      return pipeline.dimensions;
    },
    revision: pipeline.revision,
    async embed(texts, options) {
      try {
        return await pipeline.embed(texts, options);
      } finally {
        await flush();
      }
    },
  };
}

function rerankerFor(
  chain: ProviderSpec[],
  ctx: (s: ProviderSpec) => AdapterContext,
  deps: ChainDeps,
  policies: ProviderPolicies,
  flush: () => Promise<unknown>,
): Reranker {
  const members = chain.map((s) => ({ id: s.id, provider: buildReranker(s, ctx(s)) }));
  return {
    id: members[0]?.id ?? "",
    async rerank(query, documents, options) {
      try {
        const out = await callChain<Reranker, RerankResult>({
          role: "reranker",
          operation: "rerank",
          members,
          policy: policies.rerank,
          deps,
          signal: options?.signal,
          usage: (r) => r.usage,
          call: async (r, signal) => {
            const res = await r.rerank(query, documents, { signal });
            if (res.scores.length !== documents.length) {
              throw new ProviderError(
                "bad_response",
                `${r.id} scored ${res.scores.length} of ${documents.length} documents`,
              );
            }
            return res;
          },
        });
        return {
          ...out.value,
          provider: out.provider,
          ...(out.fallbacks.length ? { fallbacks: out.fallbacks } : {}),
        };
      } finally {
        await flush();
      }
    },
  };
}

function generatorFor(
  chain: ProviderSpec[],
  ctx: (s: ProviderSpec) => AdapterContext,
  deps: ChainDeps,
  policies: ProviderPolicies,
  flush: () => Promise<unknown>,
): Generator {
  const members = chain.map((s) => ({ id: s.id, provider: buildGenerator(s, ctx(s)) }));
  return {
    id: members[0]?.id ?? "",
    async generate(request) {
      try {
        const out = await callChain<Generator, GenerateResult>({
          role: "generator",
          operation: "generate",
          members,
          policy: policies.generate,
          deps,
          signal: request.signal,
          usage: (r) => r.usage,
          call: (g, signal) => g.generate({ ...request, signal }),
        });
        return {
          ...out.value,
          provider: out.provider,
          ...(out.fallbacks.length ? { fallbacks: out.fallbacks } : {}),
        };
      } finally {
        await flush();
      }
    },
    async *stream(request) {
      try {
        yield* streamChain({
          role: "generator",
          members,
          policy: policies.generate,
          deps,
          signal: request.signal,
          open: (g, signal) => g.stream({ ...request, signal }),
        });
      } finally {
        await flush();
      }
    },
  };
}
