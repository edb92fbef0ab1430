import { splitSentences } from "../providers/local/text/sentences";
import type { GeneratedCitation } from "../providers/types";

/**
 * Citations that point at real chunks: only passages that were actually in the prompt can be
 * cited, whether the generator named them (extractive) or wrote `[n]` markers (models).
 *
 * Pure: no runtime imports.
 */

/** A passage the answer could cite. */
export interface CitablePassage {
  chunkId: string;
  documentId: string;
  title: string | null;
  text: string;
}

/** A citation in the API's shape. */
export interface Citation {
  document_id: string;
  chunk_id: string;
  title: string | null;
  quote: string;
}

const MARKER = /\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]/g;

/**
 * Builds citations from the generator's own (when present) or from the `[n]` markers in
 * `text`, deduplicated by chunk, in first-cited order; markers outside 1…passages.length are
 * ignored (a model inventing `[9]` cites nothing).
 */
export function resolveCitations(
  text: string,
  passages: readonly CitablePassage[],
  generated?: readonly GeneratedCitation[],
): Citation[] {
  const out = new Map<string, Citation>();
  if (generated?.length) {
    for (const g of generated) {
      const p = passages.find((x) => x.chunkId === g.passageId);
      if (p && !out.has(p.chunkId)) out.set(p.chunkId, cite(p, g.quote));
    }
    return [...out.values()];
  }
  for (const sentence of splitSentences(text)) {
    for (const m of sentence.text.matchAll(MARKER)) {
      for (const n of (m[1] as string).split(",")) {
        const p = passages[Number(n.trim()) - 1];
        if (p && !out.has(p.chunkId)) out.set(p.chunkId, cite(p, bestQuote(p.text, sentence.text)));
      }
    }
  }
  return [...out.values()];
}

function cite(p: CitablePassage, quote: string): Citation {
  return { document_id: p.documentId, chunk_id: p.chunkId, title: p.title, quote };
}

/** The passage sentence sharing the most words with the answer sentence that cites it. */
function bestQuote(passage: string, claim: string): string {
  const words = new Set(claim.toLowerCase().match(/\p{L}{3,}/gu) ?? []);
  let best = "";
  let bestHits = -1;
  for (const s of splitSentences(passage)) {
    const hits = (s.text.toLowerCase().match(/\p{L}{3,}/gu) ?? []).filter((w) => words.has(w)).length;
    if (hits > bestHits) {
      best = s.text;
      bestHits = hits;
    }
  }
  return best.length > 300 ? `${best.slice(0, 297)}…` : best;
}
