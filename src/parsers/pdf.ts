/**
 * PDF text layer to blocks, one or more prose blocks per page with the 1-based page number,
 * so chunks can cite pages. No OCR: a scanned PDF without a text layer is a clear failure,
 * not an empty document.
 *
 * unpdf (PDF.js built for serverless runtimes) is imported lazily: it is the largest module
 * in the bundle and most isolates never see a PDF, so they never pay for evaluating it.
 */

import type { Block, ParsedDocument } from "../chunking/types";
import { ParseError } from "./errors";
import { normalizeNewlines, paragraphs } from "./text";

/** Joins words hyphenated across line ends ("retrie-\nval" → "retrieval"). */
export function dehyphenate(text: string): string {
  return text.replace(/(\p{Ll})-\n(\p{Ll})/gu, "$1$2");
}

/** Parses a PDF's text layer. Throws {@link ParseError} for unreadable or text-less PDFs. */
export async function parsePdf(bytes: Uint8Array): Promise<ParsedDocument> {
  if (!isPdf(bytes))
    throw new ParseError("invalid_pdf", "The file does not start with a PDF header (%PDF-).");
  const { getDocumentProxy, extractText, getMeta } = await import("unpdf");
  let pdf: Awaited<ReturnType<typeof getDocumentProxy>>;
  try {
    // PDF.js may transfer (detach) the buffer it is given, so it gets a copy.
    pdf = await getDocumentProxy(bytes.slice());
  } catch (err) {
    const name = (err as Error).name;
    if (name === "PasswordException") {
      throw new ParseError("encrypted_pdf", "The PDF is password-protected; upload an unencrypted copy.", {
        cause: err,
      });
    }
    throw new ParseError("invalid_pdf", `The PDF could not be read: ${(err as Error).message}`, {
      cause: err,
    });
  }
  try {
    const { totalPages, text } = await extractText(pdf, { mergePages: false });
    const blocks: Block[] = [];
    text.forEach((pageText, i) => {
      blocks.push(...paragraphs(dehyphenate(normalizeNewlines(pageText)), i + 1));
    });
    if (blocks.length === 0) {
      throw new ParseError(
        "no_text_layer",
        `The PDF has ${totalPages} page(s) but no text layer (a scan?); edgerag does not OCR. Upload a PDF with text.`,
      );
    }
    let title: string | null = null;
    try {
      const info = (await getMeta(pdf)).info as Record<string, unknown>;
      title = typeof info.Title === "string" && info.Title.trim() ? info.Title.trim() : null;
    } catch {
      // Metadata is optional; a PDF with a broken Info dictionary still has text.
    }
    return { title, blocks, pages: totalPages };
  } finally {
    await pdf.destroy();
  }
}

/** True when the bytes start with the PDF signature (allowing leading junk, as readers do). */
export function isPdf(bytes: Uint8Array): boolean {
  const head = new TextDecoder("latin1").decode(bytes.subarray(0, 1024));
  return head.includes("%PDF-");
}
