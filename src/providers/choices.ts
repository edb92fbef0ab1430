import type { ProviderRole, ProviderSpec } from "./spec";

/**
 * The models a request may pick by name (`generator` on /v1/answer, `model` on the
 * OpenAI-compatible endpoints). Only providers the operator configured (the instance vars) or
 * the tenant configured (its settings, already checked against the trusted origins) are
 * choices: a request never names a URL, so it cannot make the server call an address nobody
 * configured (SSRF) or send the operator's key somewhere else.
 *
 * Pure: no runtime imports.
 */

/** The name of a role's whole configured chain (with its fallbacks): the default choice. */
export const DEFAULT_MODEL_ALIAS = { generator: "edgerag", embeddings: "edgerag-embed" } as const;

/** A model a request may name. */
export interface ModelChoice {
  /** The public id (`local:extractive`, `openai:llama3.2`, `edgerag`); URLs are left out when unambiguous. */
  id: string;
  role: Extract<ProviderRole, "generator" | "embeddings">;
  /** The chain this choice runs: one provider, or the whole configured chain for the default. */
  specs: ProviderSpec[];
  /** Other names accepted for it: the full spec id and, when unambiguous, the bare model name. */
  aliases: string[];
  /** True for the chain used when a request names nothing. */
  isDefault: boolean;
}

/** `kind:model` without the endpoint URL, e.g. `openai:llama3.2`. */
export function shortId(spec: ProviderSpec): string {
  return spec.kind === "local" ? spec.id : `${spec.kind}:${spec.model}`;
}

function bareName(spec: ProviderSpec): string {
  return spec.kind === "local" ? spec.name : spec.model;
}

/**
 * The choices of one role: the default chain under its alias, then every provider of the
 * tenant's chain and of the instance's chain, once each.
 * @example modelChoices("generator", [openaiLlama, localExtractive], [localExtractive]).map((c) => c.id)
 *   // → ["edgerag", "openai:llama3.2", "local:extractive"]
 */
export function modelChoices(
  role: ModelChoice["role"],
  effective: readonly ProviderSpec[],
  instance: readonly ProviderSpec[],
): ModelChoice[] {
  const members: ProviderSpec[] = [];
  for (const s of [...effective, ...instance]) if (!members.some((m) => m.id === s.id)) members.push(s);
  const count = (f: (s: ProviderSpec) => string, v: string) => members.filter((m) => f(m) === v).length;
  const choices: ModelChoice[] = [
    { id: DEFAULT_MODEL_ALIAS[role], role, specs: [...effective], aliases: [], isDefault: true },
  ];
  for (const spec of members) {
    const short = shortId(spec);
    const id = count(shortId, short) === 1 ? short : spec.id;
    const aliases = [spec.id, bareName(spec)].filter(
      (a, i, all) => a !== id && all.indexOf(a) === i && (a === spec.id || count(bareName, a) === 1),
    );
    choices.push({ id, role, specs: [spec], aliases, isDefault: false });
  }
  // A bare name equal to another choice's id would be ambiguous: the id wins.
  const ids = new Set(choices.map((c) => c.id));
  for (const c of choices) c.aliases = c.aliases.filter((a) => !ids.has(a));
  return choices;
}

/** The choice called `name` (its id or an alias, case-sensitive like model ids), or undefined. */
export function findChoice(choices: readonly ModelChoice[], name: string): ModelChoice | undefined {
  return choices.find((c) => c.id === name) ?? choices.find((c) => c.aliases.includes(name));
}
