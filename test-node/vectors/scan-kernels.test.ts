import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { assembleScanKernels, WASM_KERNELS } from "../../src/vectors/core/wasm-assembler";

describe("committed scan-kernels.wasm", () => {
  it("is exactly what the assembler produces (run `npm run build:kernels` after changing it)", () => {
    const committed = readFileSync(new URL("../../src/vectors/wasm/scan-kernels.wasm", import.meta.url));
    expect(Buffer.from(assembleScanKernels()).equals(committed)).toBe(true);
  });

  it("validates and exports memory plus a select and a gather entry per kernel", () => {
    const names = WebAssembly.Module.exports(new WebAssembly.Module(assembleScanKernels())).map(
      (e) => e.name,
    );
    expect(names.sort()).toEqual(
      ["memory", ...WASM_KERNELS.flatMap((k) => [`select_${k}`, `gather_${k}`])].sort(),
    );
  });
});
