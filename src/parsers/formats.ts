/**
 * The document formats edgerag reads, how they are recognised, and the parser for each.
 *
 * Pure apart from the lazily imported PDF reader: nothing here touches `cloudflare:*`.
 */

import type { ParsedDocument } from "../chunking/types";
import { ParseError } from "./errors";
import { parseHtml } from "./html";
import { parseMarkdown } from "./markdown";
import { isPdf, parsePdf } from "./pdf";
import { decodeText, parseText } from "./text";

/** Canonical media types of single documents. */
export const DOCUMENT_TYPES = ["text/plain", "text/markdown", "text/html", "application/pdf"] as const;

/** A supported single-document media type. */
export type DocumentType = (typeof DOCUMENT_TYPES)[number];

/** Media types of JSON Lines batches (one document object per line). */
export const JSONL_TYPES = ["application/x-ndjson", "application/jsonl", "application/json-lines"] as const;

const ALIASES: Record<string, DocumentType> = {
  "text/plain": "text/plain",
  "text/markdown": "text/markdown",
  "text/x-markdown": "text/markdown",
  "text/html": "text/html",
  "application/xhtml+xml": "text/html",
  "application/pdf": "application/pdf",
  "application/x-pdf": "application/pdf",
};

const EXTENSIONS: Record<string, DocumentType> = {
  txt: "text/plain",
  text: "text/plain",
  md: "text/markdown",
  markdown: "text/markdown",
  mdx: "text/markdown",
  html: "text/html",
  htm: "text/html",
  xhtml: "text/html",
  pdf: "application/pdf",
};

/** The sentence every 415 uses, so callers always learn what would have worked. */
export const SUPPORTED_TYPES_SENTENCE =
  `Supported document types: ${DOCUMENT_TYPES.join(", ")} ` +
  `(by file extension: .txt, .md, .html, .pdf), and JSON Lines batches (${JSONL_TYPES[0]}, .jsonl) ` +
  "on /v1/documents/batch.";

/** Lower-cased media type without parameters (`text/html; charset=utf-8` → `text/html`). */
export function mediaType(raw: string | null | undefined): string {
  return (raw ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
}

/** The canonical type for a media type or alias, or null when unsupported. */
export function documentTypeOf(raw: string | null | undefined): DocumentType | null {
  return ALIASES[mediaType(raw)] ?? null;
}

/** True for JSON Lines media types. */
export function isJsonLinesType(raw: string | null | undefined): boolean {
  return (JSONL_TYPES as readonly string[]).includes(mediaType(raw));
}

/** The type implied by a file name's extension, or null. */
export function documentTypeOfFilename(name: string | null | undefined): DocumentType | null {
  const ext = /\.([A-Za-z0-9]+)$/.exec(name ?? "")?.[1]?.toLowerCase();
  return ext ? (EXTENSIONS[ext] ?? null) : null;
}

/**
 * Decides an uploaded file's type: an explicit type wins, then a specific declared type,
 * then the extension, then sniffing (PDF signature, `<html`). Generic declared types
 * (`application/octet-stream`, empty) defer to the name and content.
 */
export function detectDocumentType(opts: {
  explicit?: string | null;
  declared?: string | null;
  filename?: string | null;
  head?: Uint8Array;
}): DocumentType | null {
  if (opts.explicit) return documentTypeOf(opts.explicit);
  const declared = mediaType(opts.declared);
  if (declared && declared !== "application/octet-stream") {
    const known = documentTypeOf(declared);
    if (known) return known;
  }
  const byName = documentTypeOfFilename(opts.filename);
  if (byName) return byName;
  if (opts.head && isPdf(opts.head)) return "application/pdf";
  if (declared && declared !== "application/octet-stream") return null;
  if (opts.head) {
    const start = new TextDecoder().decode(opts.head.subarray(0, 512)).trimStart().toLowerCase();
    if (start.startsWith("<!doctype html") || start.startsWith("<html")) return "text/html";
  }
  return null;
}

/** Parses a stored document body. Throws {@link ParseError} when the content has no usable text. */
export async function parseDocument(bytes: Uint8Array, type: DocumentType): Promise<ParsedDocument> {
  let parsed: ParsedDocument;
  switch (type) {
    case "application/pdf":
      parsed = await parsePdf(bytes);
      break;
    case "text/html":
      parsed = parseHtml(decodeText(bytes));
      break;
    case "text/markdown":
      parsed = parseMarkdown(decodeText(bytes));
      break;
    case "text/plain":
      parsed = parseText(decodeText(bytes));
      break;
  }
  if (!parsed.blocks.some((b) => b.text.trim() !== "")) {
    throw new ParseError("no_text", "The document contains no text to index.");
  }
  return parsed;
}
