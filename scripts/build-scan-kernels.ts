/**
 * Writes src/vectors/wasm/scan-kernels.wasm from src/vectors/core/wasm-assembler.ts
 * (`npm run build:kernels`). The file is committed because Workers import compiled
 * WebAssembly modules and cannot compile bytes at run time; test-node/vectors checks it
 * matches the assembler.
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { assembleScanKernels } from "../src/vectors/core/wasm-assembler";

const target = fileURLToPath(new URL("../src/vectors/wasm/scan-kernels.wasm", import.meta.url));
const bytes = assembleScanKernels();
new WebAssembly.Module(bytes); // fails loudly on an invalid module
writeFileSync(target, bytes);
console.log(`wrote ${target} (${bytes.length} bytes)`);
