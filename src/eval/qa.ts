/**
 * Answer scoring the SQuAD way (the official evaluation script's normalisation): lower case,
 * punctuation removed, the articles a/an/the removed, whitespace collapsed. An answer
 * "contains" a gold answer when the normalised gold string occurs in the normalised answer on
 * word boundaries, so "1,000" matches "1000" only as SQuAD would (punctuation gone on both
 * sides) and "France" does not match "Frances".
 *
 * Pure: no runtime imports.
 */

/** SQuAD's `normalize_answer`. */
export function normalizeAnswer(s: string): string {
  return s
    .toLowerCase()
    .replace(/[\p{P}\p{S}]/gu, "")
    .replace(/\b(a|an|the)\b/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

/** True when the normalised `answer` contains one of the normalised `golds` as whole words. */
export function containsGold(answer: string, golds: readonly string[]): boolean {
  const a = ` ${normalizeAnswer(answer)} `;
  return golds.some((g) => {
    const n = normalizeAnswer(g);
    return n.length > 0 && a.includes(` ${n} `);
  });
}
