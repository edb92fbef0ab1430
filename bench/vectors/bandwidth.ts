/**
 * The physical reference: how fast this machine streams memory into one JS thread,
 * measured by summing a Float32Array far larger than the caches (what an exact scan must
 * at least read).
 */

/** GB/s of summing `bytes` of float32, one figure per run. */
export function scanBandwidth(bytes: number, runs: number): number[] {
  const data = new Float32Array(bytes / 4);
  for (let i = 0; i < data.length; i++) data[i] = (i % 251) / 251;
  const out: number[] = [];
  let sink = 0;
  for (let r = 0; r < runs + 1; r++) {
    const start = performance.now();
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let i = 0; i < data.length; i += 4) {
      s0 += data[i] as number;
      s1 += data[i + 1] as number;
      s2 += data[i + 2] as number;
      s3 += data[i + 3] as number;
    }
    const ms = performance.now() - start;
    sink += s0 + s1 + s2 + s3;
    // The first pass warms the JIT and pages; it is not reported.
    if (r > 0) out.push(data.byteLength / ms / 1e6);
  }
  if (Number.isNaN(sink)) console.log("");
  return out;
}
