/**
 * Memory planning for one shard. A Worker isolate (and so a Durable Object) may use
 * 128 MB including WebAssembly memory; the scan structure gets most of it, the rest is
 * left for the runtime, RPC buffers and SQLite's page cache. Pure.
 */

import type { Quantization } from "../types";
import { type RowFormat, rowBytes } from "./quantize";
import { ROW_OVERHEAD_BYTES } from "./scan-index";

/** Workers: memory per isolate. */
export const ISOLATE_MEMORY_BYTES = 128 * 1024 * 1024;

/** Bytes a shard's scan structure may hold; writes past it are refused with a clear error. */
export const SHARD_SCAN_BUDGET_BYTES = 96 * 1024 * 1024;

/** `auto` switches a shard from float32 to int8 rows once float32 rows would pass this. */
export const AUTO_INT8_THRESHOLD_BYTES = 64 * 1024 * 1024;

/** Estimated scan-structure bytes per row for a format. */
export function bytesPerRow(format: RowFormat, dimensions: number): number {
  return rowBytes(format, dimensions) + ROW_OVERHEAD_BYTES;
}

/** The row format a shard with `rows` rows uses under a quantization setting. */
export function formatFor(
  quantization: Quantization,
  dimensions: number,
  rows: number,
  autoInt8ThresholdBytes = AUTO_INT8_THRESHOLD_BYTES,
): RowFormat {
  switch (quantization) {
    case "none":
      return "f32";
    case "int8":
      return "i8";
    case "int4":
      return "i4";
    case "binary":
      return "bits";
    case "auto":
      return rows * rowBytes("f32", dimensions) > autoInt8ThresholdBytes ? "i8" : "f32";
  }
}

/** Rows a shard can hold under a quantization setting within {@link SHARD_SCAN_BUDGET_BYTES}. */
export function shardCapacity(quantization: Quantization, dimensions: number): number {
  const format = quantization === "auto" ? "i8" : formatFor(quantization, dimensions, 0);
  return Math.floor(SHARD_SCAN_BUDGET_BYTES / bytesPerRow(format, dimensions));
}
