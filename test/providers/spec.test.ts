import { describe, expect, it } from "vitest";
import { ProviderSpecError, parseProviderChain, parseProviderSpec } from "../../src/providers/spec";
import { checkTenantSpecs, credentialFor, trustedOrigins } from "../../src/providers/trust";
import { parseRoleChain } from "../../src/providers/validate";

const bad = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ProviderSpecError);
    return (err as Error).message;
  }
  throw new Error("expected a ProviderSpecError");
};

describe("parseProviderSpec", () => {
  it("parses every documented form", () => {
    expect(parseProviderSpec("local:hash-384")).toEqual({
      kind: "local",
      id: "local:hash-384",
      name: "hash-384",
    });
    expect(parseProviderSpec("workers-ai:@cf/baai/bge-base-en-v1.5")).toEqual({
      kind: "workers-ai",
      id: "workers-ai:@cf/baai/bge-base-en-v1.5",
      model: "@cf/baai/bge-base-en-v1.5",
    });
    expect(parseProviderSpec(" openai:llama3.2@http://127.0.0.1:11434/v1/ ")).toEqual({
      kind: "openai",
      id: "openai:llama3.2@http://127.0.0.1:11434/v1",
      model: "llama3.2",
      baseUrl: "http://127.0.0.1:11434/v1",
    });
    expect(parseProviderSpec("hf:BAAI/bge-small-en-v1.5")).toEqual({
      kind: "hf",
      id: "hf:BAAI/bge-small-en-v1.5",
      model: "BAAI/bge-small-en-v1.5",
    });
    expect(parseProviderSpec("hf:tgi@https://tgi.example:8080")).toMatchObject({
      model: "tgi",
      endpointUrl: "https://tgi.example:8080",
    });
  });

  it("keeps tags and slashes in model names", () => {
    expect(parseProviderSpec("openai:qwen2.5:7b-instruct@http://localhost:11434/v1")).toMatchObject({
      model: "qwen2.5:7b-instruct",
    });
    expect(parseProviderSpec("openai:meta-llama/Llama-3.1-8B-Instruct@http://vllm:8000/v1")).toMatchObject({
      model: "meta-llama/Llama-3.1-8B-Instruct",
      baseUrl: "http://vllm:8000/v1",
    });
  });

  it("explains what is wrong", () => {
    expect(bad(() => parseProviderSpec("ollama:llama3"))).toContain("unknown provider");
    expect(bad(() => parseProviderSpec("openai:llama3"))).toContain("needs a base URL");
    expect(bad(() => parseProviderSpec("openai:x@ftp://host/v1"))).toContain("http:// or https://");
    expect(bad(() => parseProviderSpec("openai:x@http://user:pw@host/v1"))).toContain("OPENAI_API_KEY");
    expect(bad(() => parseProviderSpec("openai:x@http://host/v1?key=1"))).toContain("?query");
    expect(bad(() => parseProviderSpec("workers-ai:llama"))).toContain("@cf/");
    expect(bad(() => parseProviderSpec("local:Hash 384"))).toContain("whitespace");
    expect(bad(() => parseProviderSpec("local:"))).toContain("names no model");
    expect(bad(() => parseProviderSpec("hf:not a repo"))).toContain("whitespace");
  });
});

describe("parseProviderChain", () => {
  it("splits an ordered fallback chain", () => {
    const chain = parseProviderChain("openai:llama3.2@http://127.0.0.1:11434/v1, local:extractive");
    expect(chain.map((s) => s.id)).toEqual(["openai:llama3.2@http://127.0.0.1:11434/v1", "local:extractive"]);
  });

  it("refuses empty entries, duplicates and overlong chains", () => {
    expect(bad(() => parseProviderChain(""))).toContain("No provider");
    expect(bad(() => parseProviderChain("local:lexical,,local:lexical"))).toContain("empty entry");
    expect(bad(() => parseProviderChain("local:lexical,local:lexical"))).toContain("twice");
    expect(bad(() => parseProviderChain("local:a,local:b,local:c,local:d,local:e"))).toContain("at most 4");
  });
});

describe("parseRoleChain", () => {
  it("accepts each role's local providers and refuses the others", () => {
    expect(parseRoleChain("local:hash-384", "embeddings")).toHaveLength(1);
    expect(parseRoleChain("local:lexical", "reranker")).toHaveLength(1);
    expect(parseRoleChain("local:extractive", "generator")).toHaveLength(1);
    expect(bad(() => parseRoleChain("local:extractive", "embeddings"))).toContain("local:hash-<dims>");
    expect(bad(() => parseRoleChain("local:hash-384", "generator"))).toContain("local:extractive");
    expect(bad(() => parseRoleChain("local:hash-8", "embeddings"))).toContain("32–1536");
    expect(bad(() => parseRoleChain("local:hash-4096", "embeddings"))).toContain("32–1536");
  });

  it("lets an embeddings chain fall back only between providers of one model", () => {
    expect(
      parseRoleChain(
        "workers-ai:@cf/baai/bge-base-en-v1.5,hf:BAAI/bge-base-en-v1.5@http://127.0.0.1:8080",
        "embeddings",
      ),
    ).toHaveLength(2);
    expect(
      parseRoleChain(
        "openai:nomic-embed-text:latest@http://a:11434/v1,openai:nomic-embed-text@http://b:11434/v1",
        "embeddings",
      ),
    ).toHaveLength(2);
    expect(
      bad(() => parseRoleChain("workers-ai:@cf/baai/bge-base-en-v1.5,local:hash-384", "embeddings")),
    ).toContain("not comparable");
    expect(bad(() => parseRoleChain("local:hash-384,local:hash-256", "embeddings"))).toContain(
      "not comparable",
    );
  });

  it("refuses models whose vectors do not fit the index, and TEI rerankers without an endpoint", () => {
    expect(
      bad(() => parseRoleChain("openai:text-embedding-3-large@https://api.openai.com/v1", "embeddings")),
    ).toContain("3072");
    expect(bad(() => parseRoleChain("hf:BAAI/bge-reranker-base", "reranker"))).toContain("TEI endpoint");
  });
});

describe("trust", () => {
  const env = {
    EMBEDDINGS: "local:hash-384",
    GENERATOR: "openai:llama3.2@http://127.0.0.1:11434/v1,local:extractive",
    RERANKER: "local:lexical",
    PROVIDER_ALLOWED_ORIGINS: "https://tei.internal:8080, not a url",
    OPENAI_API_KEY: "sk-test",
    HF_TOKEN: "hf_test",
  };

  it("trusts the operator's own endpoints and the allow-list", () => {
    expect([...trustedOrigins(env)].sort()).toEqual(["http://127.0.0.1:11434", "https://tei.internal:8080"]);
  });

  it("sends secrets only to trusted endpoints (and HF_TOKEN to Hugging Face itself)", () => {
    expect(credentialFor(parseProviderSpec("openai:x@http://127.0.0.1:11434/v1"), env)).toBe("sk-test");
    expect(credentialFor(parseProviderSpec("openai:x@https://attacker.example/v1"), env)).toBeUndefined();
    expect(credentialFor(parseProviderSpec("hf:BAAI/bge-small-en-v1.5"), env)).toBe("hf_test");
    expect(credentialFor(parseProviderSpec("hf:m@https://tei.internal:8080"), env)).toBe("hf_test");
    expect(credentialFor(parseProviderSpec("hf:m@https://elsewhere.example"), env)).toBeUndefined();
    expect(credentialFor(parseProviderSpec("local:lexical"), env)).toBeUndefined();
  });

  it("refuses tenant specs aimed at untrusted origins or at Workers AI without the binding", () => {
    expect(() =>
      checkTenantSpecs(parseProviderChain("openai:x@http://127.0.0.1:11434/v1"), env),
    ).not.toThrow();
    expect(
      bad(() => checkTenantSpecs(parseProviderChain("openai:x@http://169.254.169.254/v1"), env)),
    ).toContain("PROVIDER_ALLOWED_ORIGINS");
    expect(
      bad(() => checkTenantSpecs(parseProviderChain("workers-ai:@cf/meta/llama-3.1-8b-instruct"), env)),
    ).toContain("AI binding");
    expect(() =>
      checkTenantSpecs(parseProviderChain("workers-ai:@cf/meta/llama-3.1-8b-instruct"), { ...env, AI: {} }),
    ).not.toThrow();
  });
});
