/**
 * Plain text: paragraphs are separated by blank lines; hard-wrapped lines inside a
 * paragraph stay as they are (the chunker treats newlines as spaces when it looks for
 * sentences). Plain text declares no title.
 *
 * Pure: imports nothing from the runtime.
 */

import type { Block, ParsedDocument } from "../chunking/types";

/** Decodes UTF-8 (dropping a byte-order mark) and normalises line endings to `\n`. */
export function decodeText(bytes: Uint8Array): string {
  const text = new TextDecoder("utf-8").decode(bytes);
  return normalizeNewlines(text);
}

/** `\r\n` and lone `\r` become `\n`; NUL and other C0 controls except tab/newline are removed. */
export function normalizeNewlines(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
  return text.replace(/\r\n?/g, "\n").replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, "");
}

/** Splits text into prose blocks at blank lines. */
export function paragraphs(text: string, page?: number): Block[] {
  const out: Block[] = [];
  for (const para of text.split(/\n[ \t]*\n+/)) {
    const trimmed = para.trim();
    if (!trimmed) continue;
    out.push(page === undefined ? { kind: "prose", text: trimmed } : { kind: "prose", text: trimmed, page });
  }
  return out;
}

/** Parses a plain-text document. */
export function parseText(text: string): ParsedDocument {
  return { title: null, blocks: paragraphs(normalizeNewlines(text)) };
}
