/**
 * Stop sequences (OpenAI's `stop`): the answer ends before the first occurrence of any of
 * them, which is not part of the output. Model servers honour `stop` themselves; this applies
 * it to every generator (the extractive one, Workers AI models that ignore the parameter) and
 * to streams, where a stop sequence can straddle two deltas.
 *
 * Pure: no runtime imports.
 */

/** Most stop sequences a request may give (OpenAI's limit). */
export const MAX_STOP_SEQUENCES = 4;

/** `text` cut before the earliest stop sequence, and whether one was found. */
export function cutAtStop(text: string, stop: readonly string[]): { text: string; stopped: boolean } {
  let at = -1;
  for (const s of stop) {
    if (!s) continue;
    const i = text.indexOf(s);
    if (i >= 0 && (at < 0 || i < at)) at = i;
  }
  return at < 0 ? { text, stopped: false } : { text: text.slice(0, at), stopped: true };
}

/**
 * A stream filter: `push` each delta and emit what it returns. Text that could still be the
 * start of a stop sequence is held back until the next delta decides; `end` releases it.
 * Once `stopped`, everything after the stop sequence is dropped.
 * @example const f = stopFilter(["\n\n"]); f.push("a\n"); // → "a" (the "\n" waits)
 */
export function stopFilter(stop: readonly string[]) {
  const seqs = stop.filter((s) => s.length > 0);
  let pending = "";
  let stopped = false;
  return {
    get stopped() {
      return stopped;
    },
    push(delta: string): string {
      if (stopped) return "";
      const cut = cutAtStop(pending + delta, seqs);
      if (cut.stopped) {
        stopped = true;
        pending = "";
        return cut.text;
      }
      const hold = heldBack(cut.text, seqs);
      pending = cut.text.slice(cut.text.length - hold);
      return cut.text.slice(0, cut.text.length - hold);
    },
    end(): string {
      const rest = stopped ? "" : pending;
      pending = "";
      return rest;
    },
  };
}

/** Length of the longest suffix of `text` that is a proper prefix of a stop sequence. */
function heldBack(text: string, seqs: readonly string[]): number {
  let hold = 0;
  for (const s of seqs) {
    for (let n = Math.min(s.length - 1, text.length); n > hold; n--) {
      if (text.endsWith(s.slice(0, n))) {
        hold = n;
        break;
      }
    }
  }
  return hold;
}
