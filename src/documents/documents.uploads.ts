import type { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { ZodError } from "zod";
import { MAX_DOCUMENT_BYTES } from "../config/limits";
import { describeZodIssues } from "../http/error-handler";
import { AppError, ErrorCode, fail } from "../http/errors";
import {
  type DocumentType,
  detectDocumentType,
  documentTypeOf,
  isJsonLinesType,
  mediaType,
  SUPPORTED_TYPES_SENTENCE,
} from "../parsers/formats";
import type { IncomingDocument } from "./documents.accept";
import {
  BatchInput,
  ChunkingInput,
  chunkingFromInput,
  DocumentId,
  DocumentInput,
  ExpiresAt,
} from "./documents.schema";
import { MAX_BATCH_DOCUMENTS } from "./ingest.config";

const encoder = new TextEncoder();
const MB = 1024 * 1024;

function tooLarge(label: string, bytes: number): AppError {
  return new AppError(
    413,
    "document_too_large",
    `${label} is ${(bytes / MB).toFixed(1)} MB; the limit is ${MAX_DOCUMENT_BYTES / MB} MB per document. Split it into smaller documents.`,
  );
}

function unsupported(detail: string): AppError {
  return fail.unsupportedMediaType(`${detail} ${SUPPORTED_TYPES_SENTENCE}`);
}

function invalid(prefix: string, error: ZodError): AppError {
  const { message, issues } = describeZodIssues(error);
  return fail.badRequest(`${prefix}${message}`, ErrorCode.invalidRequest, { issues });
}

function checkExpiry(expiresAt: number | undefined, now: number, label: string): number | null {
  if (expiresAt === undefined) return null;
  if (!Number.isFinite(expiresAt) || expiresAt <= now) {
    throw fail.badRequest(`${label}expires_at must be in the future.`, "invalid_expiry");
  }
  return expiresAt;
}

/** A JSON document (from a JSON body or a JSON Lines line) to an incoming document. */
function fromJson(
  doc: z.infer<typeof DocumentInput>,
  label: string,
  now: number,
  fallbackChunking?: z.infer<typeof ChunkingInput>,
): IncomingDocument {
  let type: DocumentType | null = "text/plain";
  if (doc.content_type !== undefined) {
    type = documentTypeOf(doc.content_type);
    if (type === "application/pdf") {
      throw fail.unsupportedMediaType(
        `${label}a PDF cannot be sent as JSON text; upload the file as multipart/form-data (field "file").`,
      );
    }
    if (!type) throw unsupported(`${label}content_type "${doc.content_type}" is not supported.`);
  }
  const bytes = encoder.encode(doc.text);
  if (bytes.byteLength > MAX_DOCUMENT_BYTES) throw tooLarge(`${label}text`, bytes.byteLength);
  return {
    id: doc.id,
    title: doc.title ?? null,
    bytes,
    type,
    metadata: doc.metadata ?? {},
    source: null,
    expiresAt: checkExpiry(doc.expires_at, now, label),
    chunking: chunkingFromInput(doc.chunking ?? fallbackChunking),
  };
}

async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  try {
    return JSON.parse(text);
  } catch {
    throw fail.badRequest("The request body is not valid JSON.", ErrorCode.malformedJson);
  }
}

/** Parses JSON Lines: one DocumentInput per non-blank line, errors named by line number. */
export function parseJsonLines(text: string, now: number, label = ""): IncomingDocument[] {
  const out: IncomingDocument[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (!line) continue;
    const where = `${label}line ${i + 1}: `;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw fail.badRequest(`${where}not valid JSON.`, ErrorCode.malformedJson);
    }
    const parsed = DocumentInput.safeParse(value);
    if (!parsed.success) throw invalid(where, parsed.error);
    out.push(fromJson(parsed.data, where, now));
    if (out.length > MAX_BATCH_DOCUMENTS) throw tooMany(out.length);
  }
  if (out.length === 0) throw fail.badRequest(`${label}no documents: every line was blank.`, "empty_batch");
  return out;
}

function tooMany(n: number): AppError {
  return fail.badRequest(
    `A batch holds at most ${MAX_BATCH_DOCUMENTS} documents (got ${n === MAX_BATCH_DOCUMENTS + 1 ? "more" : n}). Split it into several calls.`,
    "too_many_documents",
  );
}

function field(form: FormData, name: string): string | undefined {
  const v = form.get(name);
  return typeof v === "string" && v.trim() !== "" ? v.trim() : undefined;
}

function jsonField<T extends z.ZodType>(form: FormData, name: string, schema: T): z.output<T> | undefined {
  const raw = field(form, name);
  if (raw === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw fail.badRequest(`Form field "${name}" is not valid JSON.`, ErrorCode.malformedJson);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw invalid(`${name}: `, parsed.error);
  return parsed.data;
}

/** One uploaded file (plus the form's optional fields) to an incoming document. */
async function fromFile(file: File, form: FormData, now: number, label: string): Promise<IncomingDocument> {
  if (file.size > MAX_DOCUMENT_BYTES) throw tooLarge(`${label}file "${file.name}"`, file.size);
  const bytes = new Uint8Array(await file.arrayBuffer());
  const explicit = field(form, "content_type");
  const type = detectDocumentType({
    explicit,
    declared: file.type,
    filename: file.name,
    head: bytes.subarray(0, 1024),
  });
  if (!type) {
    throw unsupported(
      `${label}file "${file.name}" (${explicit ?? (file.type || "no declared type")}) is not a supported document type.`,
    );
  }
  const id = field(form, "id");
  if (id !== undefined && !DocumentId.safeParse(id).success) {
    throw fail.badRequest(`Form field "id": ${DocumentId.safeParse(id).error?.issues[0]?.message}.`);
  }
  const title = field(form, "title");
  const expires = field(form, "expires_at");
  const expiresParsed =
    expires === undefined
      ? undefined
      : ExpiresAt.safeParse(/^\d+$/.test(expires) ? Number(expires) : expires);
  if (expiresParsed && !expiresParsed.success) throw invalid("expires_at: ", expiresParsed.error);
  return {
    id,
    title: title ? title.slice(0, 1000) : null,
    bytes,
    type,
    metadata:
      (jsonField(form, "metadata", DocumentInput.shape.metadata.unwrap()) as Record<string, unknown>) ?? {},
    source: file.name || null,
    expiresAt: checkExpiry(expiresParsed?.data, now, label),
    chunking: chunkingFromInput(jsonField(form, "chunking", ChunkingInput)),
  };
}

async function readForm(c: Context): Promise<FormData> {
  try {
    return await c.req.formData();
  } catch {
    throw fail.badRequest("The multipart/form-data body could not be parsed.", "malformed_multipart");
  }
}

function files(form: FormData): File[] {
  return form.getAll("file").filter((v): v is File => typeof v !== "string");
}

/** Reads the body of `POST /v1/documents`: JSON `{text,…}` or a multipart `file`. */
export async function readSingleUpload(c: Context, now: number): Promise<IncomingDocument> {
  const type = mediaType(c.req.header("content-type"));
  if (type === "application/json") {
    const parsed = DocumentInput.safeParse(await readJson(c));
    if (!parsed.success) throw invalid("", parsed.error);
    return fromJson(parsed.data, "", now);
  }
  if (type === "multipart/form-data") {
    const form = await readForm(c);
    const [file, ...more] = files(form);
    if (!file)
      throw fail.badRequest('The multipart body has no file; send it in the field "file".', "missing_file");
    if (more.length > 0)
      throw fail.badRequest("Send one file per request here, or use /v1/documents/batch.", "too_many_files");
    return fromFile(file, form, now, "");
  }
  if (isJsonLinesType(type)) {
    throw fail.unsupportedMediaType("JSON Lines is a batch format: POST it to /v1/documents/batch.");
  }
  throw unsupported(
    `Request content type "${type || "(none)"}" is not accepted here: send application/json ({"text": …}) or multipart/form-data (field "file").`,
  );
}

/** Reads the body of `POST /v1/documents/batch`: JSON `{documents:[…]}`, JSON Lines, or multipart files (.jsonl files expand to many). */
export async function readBatchUpload(c: Context, now: number): Promise<IncomingDocument[]> {
  const type = mediaType(c.req.header("content-type"));
  if (type === "application/json") {
    const raw = await readJson(c);
    const count = (raw as { documents?: unknown[] } | null)?.documents?.length ?? 0;
    if (count > MAX_BATCH_DOCUMENTS) throw tooMany(count);
    const parsed = BatchInput.safeParse(raw);
    if (!parsed.success) throw invalid("", parsed.error);
    return parsed.data.documents.map((d, i) => fromJson(d, `documents.${i}: `, now, parsed.data.chunking));
  }
  if (isJsonLinesType(type)) return parseJsonLines(await c.req.text(), now);
  if (type === "multipart/form-data") {
    const form = await readForm(c);
    const all = files(form);
    if (all.length === 0)
      throw fail.badRequest(
        'The multipart body has no files; send them in fields named "file".',
        "missing_file",
      );
    const out: IncomingDocument[] = [];
    for (const file of all) {
      const label = `file "${file.name}": `;
      if (isJsonLinesType(file.type) || /\.(jsonl|ndjson)$/i.test(file.name)) {
        out.push(...parseJsonLines(await file.text(), now, label));
      } else {
        // Per-file fields (id, title, …) would be ambiguous with several files; only a lone file takes them.
        out.push(await fromFile(file, all.length === 1 ? form : new FormData(), now, label));
      }
      if (out.length > MAX_BATCH_DOCUMENTS) throw tooMany(out.length);
    }
    return out;
  }
  throw unsupported(
    `Request content type "${type || "(none)"}" is not accepted here: send application/json ({"documents": […]}), ` +
      "JSON Lines, or multipart/form-data files.",
  );
}
