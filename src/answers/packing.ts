import { splitSentences } from "../providers/local/text/sentences";
import { estimateTokens } from "../providers/tokens";

/**
 * Fits retrieved passages into a prompt's token budget: highest score first, each whole if it
 * fits, else cut back to the whole sentences that fit (never mid-sentence), and passages that
 * cannot contribute even one sentence are skipped. Packed passages keep their retrieval order
 * (best first), which is also the `[n]` numbering the prompt uses.
 *
 * Pure: no runtime imports.
 */

/** A passage to pack. */
export interface PackInput {
  id: string;
  text: string;
  score: number;
}

/** A packed passage: `text` is the whole passage or a prefix of whole sentences. */
export interface Packed<T extends PackInput> {
  item: T;
  text: string;
  tokens: number;
  truncated: boolean;
}

/** Per-passage overhead of the fence the prompt wraps around it (tag, id, title, numbering). */
export const PASSAGE_OVERHEAD_TOKENS = 24;

/**
 * Packs `items` into `budget` tokens.
 * @example pack([{ id: "a", text: "One. Two.", score: 2 }], 30) // → [{ item, text: "One.", tokens: 2, truncated: true }] when only one sentence fits
 */
export function pack<T extends PackInput>(items: readonly T[], budget: number): Packed<T>[] {
  const out: Packed<T>[] = [];
  let left = budget;
  const ordered = [...items].sort((a, b) => b.score - a.score);
  for (const item of ordered) {
    const room = left - PASSAGE_OVERHEAD_TOKENS;
    if (room <= 0) break;
    const whole = estimateTokens(item.text);
    if (whole <= room) {
      out.push({ item, text: item.text, tokens: whole, truncated: false });
      left -= whole + PASSAGE_OVERHEAD_TOKENS;
      continue;
    }
    const prefix = sentencePrefix(item.text, room);
    if (prefix) {
      out.push({ item, text: prefix.text, tokens: prefix.tokens, truncated: true });
      left -= prefix.tokens + PASSAGE_OVERHEAD_TOKENS;
    }
  }
  return out;
}

/** The longest run of leading whole sentences within `budget` tokens, or undefined. */
function sentencePrefix(text: string, budget: number): { text: string; tokens: number } | undefined {
  let end = -1;
  for (const s of splitSentences(text)) {
    if (estimateTokens(text.slice(0, s.end)) > budget) break;
    end = s.end;
  }
  if (end <= 0) return undefined;
  const cut = text.slice(0, end).trimEnd();
  return { text: cut, tokens: estimateTokens(cut) };
}
