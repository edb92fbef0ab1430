import { describe, expect, it } from "vitest";
import { TtlCache } from "../../src/lib/ttl-cache";

describe("TtlCache", () => {
  it("expires entries after the TTL and evicts the least recently used past capacity", () => {
    let t = 0;
    const cache = new TtlCache<string, number>(100, 2, () => t);
    cache.set("a", 1);
    cache.set("b", 2);
    expect(cache.get("a")).toBe(1); // a is now the most recently used
    cache.set("c", 3);
    expect(cache.get("b")).toBeUndefined();
    expect(cache.get("a")).toBe(1);
    t = 99;
    expect(cache.get("c")).toBe(3);
    t = 100;
    expect(cache.get("c")).toBeUndefined();
    expect(cache.get("a")).toBeUndefined();
  });

  it("deletes by key and by value", () => {
    const cache = new TtlCache<string, { id: string }>(1000, 10);
    cache.set("h1", { id: "k1" });
    cache.set("h2", { id: "k2" });
    cache.deleteWhere((v) => v.id === "k1");
    expect(cache.get("h1")).toBeUndefined();
    cache.delete("h2");
    expect(cache.size).toBe(0);
  });
});
