import { describe, expect, it } from "vitest";
import { estimateMessagesTokens, estimateTokens, truncateToTokens } from "../../src/providers/tokens";

describe("estimateTokens", () => {
  it("counts common English close to a BPE tokenizer (cl100k gives 10 here)", () => {
    expect(estimateTokens("The quick brown fox jumps over the lazy dog.")).toBe(10);
    expect(estimateTokens("")).toBe(0);
  });

  it("charges more for rare long words, digits, CJK and symbols", () => {
    expect(estimateTokens("phosphorylation")).toBeGreaterThan(estimateTokens("protein"));
    expect(estimateTokens("1234567")).toBe(3);
    expect(estimateTokens("東京都")).toBe(3);
    expect(estimateTokens("a -> b")).toBe(4);
  });

  it("adds per-message framing for chat prompts", () => {
    expect(estimateMessagesTokens([{ content: "hi" }, { content: "there" }])).toBe(3 + 4 + 1 + 4 + 1);
  });
});

describe("truncateToTokens", () => {
  it("cuts at a word boundary within the budget and leaves short text alone", () => {
    const text = "one two three four five six";
    expect(truncateToTokens(text, 3)).toBe("one two three");
    expect(estimateTokens(truncateToTokens(text, 3))).toBeLessThanOrEqual(3);
    expect(truncateToTokens(text, 100)).toBe(text);
    expect(truncateToTokens(text, 0)).toBe("");
  });
});
