import { describe, expect, it } from "vitest";
import { cutAtStop, stopFilter } from "../../src/answers/stop";
import { toConversation } from "../../src/openai/chat.conversation";
import { float32ToBase64, inputTexts } from "../../src/openai/embeddings.service";
import { findChoice, modelChoices } from "../../src/providers/choices";
import { parseProviderChain } from "../../src/providers/spec";
import type { GenerateRequest, GenerateResult, Generator } from "../../src/providers/types";
import { condense } from "../../src/sessions/condense";
import { cleanRewrite, modelCondenser } from "../../src/sessions/condenser";

describe("model choices", () => {
  const tenant = parseProviderChain("openai:llama3.2@http://127.0.0.1:11434/v1,local:extractive");
  const instance = parseProviderChain("openai:llama3.2@http://10.0.0.2:8000/v1,local:extractive");

  it("offers the default chain and each configured provider once, without URLs when unambiguous", () => {
    const choices = modelChoices(
      "generator",
      parseProviderChain("openai:qwen@http://h:1/v1,local:extractive"),
      [],
    );
    expect(choices.map((c) => c.id)).toEqual(["edgerag", "openai:qwen", "local:extractive"]);
    expect(findChoice(choices, "qwen")?.id).toBe("openai:qwen");
    expect(findChoice(choices, "openai:qwen@http://h:1/v1")?.id).toBe("openai:qwen");
    expect(findChoice(choices, "edgerag")?.specs.map((s) => s.id)).toEqual([
      "openai:qwen@http://h:1/v1",
      "local:extractive",
    ]);
  });

  it("keeps full ids where two endpoints serve the same model, and never accepts other names", () => {
    const choices = modelChoices("generator", tenant, instance);
    expect(choices.map((c) => c.id)).toEqual([
      "edgerag",
      "openai:llama3.2@http://127.0.0.1:11434/v1",
      "local:extractive",
      "openai:llama3.2@http://10.0.0.2:8000/v1",
    ]);
    // "llama3.2" alone is ambiguous, so it names nothing.
    expect(findChoice(choices, "llama3.2")).toBeUndefined();
    expect(findChoice(choices, "openai:llama3.2")).toBeUndefined();
    expect(findChoice(choices, "openai:llama3.2@http://evil.example/v1")).toBeUndefined();
  });
});

describe("stop sequences", () => {
  it("cuts at the earliest stop sequence", () => {
    expect(cutAtStop("a b. c\n\nd", ["\n\n", "."])).toEqual({ text: "a b", stopped: true });
    expect(cutAtStop("abc", ["x"])).toEqual({ text: "abc", stopped: false });
  });

  it("finds a stop sequence split across deltas and holds back possible starts", () => {
    const f = stopFilter(["END"]);
    expect(f.push("one E")).toBe("one ");
    expect(f.push("N")).toBe("");
    expect(f.push("Dtwo")).toBe("");
    expect(f.stopped).toBe(true);
    const g = stopFilter(["END"]);
    expect(g.push("one E")).toBe("one ");
    expect(g.push("ast")).toBe("East");
    expect(g.push(" EN")).toBe(" ");
    expect(g.end()).toBe("EN");
  });
});

describe("conversation", () => {
  it("splits messages into question, history and instructions", () => {
    const conv = toConversation([
      { role: "system", content: "Be brief." },
      { role: "user", content: "What is X?" },
      { role: "assistant", content: "X is Y." },
      { role: "developer", content: [{ type: "text", text: "Cite." }] },
      {
        role: "user",
        content: [
          { type: "text", text: "and" },
          { type: "text", text: "its limits?" },
        ],
      },
    ]);
    expect(conv).toEqual({
      question: "and\nits limits?",
      history: [
        { role: "user", content: "What is X?" },
        { role: "assistant", content: "X is Y." },
      ],
      instructions: ["Be brief.", "Cite."],
    });
  });
});

describe("embeddings input", () => {
  it("encodes float32 little-endian base64 like OpenAI", () => {
    // 1.0f = 00 00 80 3f; -2.0f = 00 00 00 c0
    expect(float32ToBase64(new Float32Array([1, -2]))).toBe(btoa("\x00\x00\x80\x3f\x00\x00\x00\xc0"));
  });
  it("checks counts and the model's input limit", () => {
    expect(inputTexts("hello", 10)).toEqual(["hello"]);
    expect(() => inputTexts("word ".repeat(20), 10)).toThrow(/at most 10/);
  });
});

/** A generator returning `reply` (or failing), recording what it was asked. */
function fakeModel(reply: string | Error, provider = "openai:m@http://x/v1") {
  const calls: GenerateRequest[] = [];
  const generator: Generator = {
    id: provider,
    async generate(request): Promise<GenerateResult> {
      calls.push(request);
      if (reply instanceof Error) throw reply;
      return { text: reply, provider, usage: { input_tokens: 1, output_tokens: 1 }, finishReason: "stop" };
    },
    stream() {
      throw new Error("not used");
    },
  };
  return { generator, calls };
}

describe("model-based condensing", () => {
  const input = {
    query: "and the second one?",
    previous: "Which rate limiters does Acme offer?",
    facts: [],
    recent: [
      { role: "user" as const, content: "Which rate limiters does Acme offer?" },
      { role: "assistant" as const, content: "A token bucket and a sliding window." },
    ],
  };

  it("uses the model's rewrite, asked with the conversation and a small budget", async () => {
    const { generator, calls } = fakeModel(
      'Standalone question: "How does Acme\'s sliding window limiter work?"',
    );
    const out = await modelCondenser(generator).condense(input);
    expect(out).toEqual({ query: "How does Acme's sliding window limiter work?", by: "model" });
    expect(calls[0]?.maxTokens).toBeLessThanOrEqual(96);
    expect(calls[0]?.temperature).toBe(0);
    expect(calls[0]?.messages[0]?.content).toContain("Assistant: A token bucket and a sliding window.");
    expect(calls[0]?.messages[1]).toEqual({ role: "user", content: "and the second one?" });
  });

  it("falls back to the rules on failure, timeout, an extractive reply or an unusable answer", async () => {
    const rules = condense(input.query, input.previous);
    expect(rules).toMatch(/rate limiters/);
    for (const g of [
      fakeModel(new Error("down")).generator,
      fakeModel("The provided documents do not contain an answer to this question.").generator,
      fakeModel("The answer", "local:extractive").generator,
      fakeModel("x".repeat(500)).generator,
    ]) {
      const out = await modelCondenser(g).condense(input);
      expect(out).toEqual({ query: rules, by: "rules" });
    }
    const hanging: Generator = {
      id: "openai:slow@http://x/v1",
      generate: (r) =>
        new Promise((_, reject) => r.signal?.addEventListener("abort", () => reject(r.signal?.reason))),
      stream() {
        throw new Error("not used");
      },
    };
    const out = await modelCondenser(hanging, { timeoutMs: 50 }).condense(input);
    expect(out).toEqual({ query: rules, by: "rules" });
  });

  it("does not call the model for a question that stands alone", async () => {
    const { generator, calls } = fakeModel("ignored");
    const out = await modelCondenser(generator).condense({
      ...input,
      query: "What is the refund window for Acme orders?",
    });
    expect(out).toEqual({ query: "What is the refund window for Acme orders?", by: "rules" });
    expect(calls).toHaveLength(0);
  });

  it("cleans labels and quotes from the model's reply", () => {
    expect(cleanRewrite("\n  Query: 'What is X?'\nextra")).toBe("What is X?");
    expect(cleanRewrite("   ")).toBe("");
  });
});
