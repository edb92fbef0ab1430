import { readdirSync, readFileSync, statSync } from "node:fs";
import { extname, join, relative } from "node:path";
import type { Client } from "../client";

const TYPES: Record<string, string> = {
  ".md": "text/markdown",
  ".markdown": "text/markdown",
  ".txt": "text/plain",
  ".html": "text/html",
  ".htm": "text/html",
  ".pdf": "application/pdf",
  ".jsonl": "application/x-ndjson",
};

/** Batches stay well under the API's 500 documents / 10 MB per call. */
const BATCH_DOCS = 250;
const BATCH_BYTES = 8 * 1024 * 1024;

interface DocumentInput {
  id: string;
  title?: string;
  text: string;
  content_type: string;
  metadata: Record<string, unknown>;
}

function walk(path: string): string[] {
  const st = statSync(path);
  if (st.isFile()) return [path];
  return readdirSync(path, { withFileTypes: true })
    .filter((d) => !d.name.startsWith("."))
    .flatMap((d) => walk(join(path, d.name)));
}

/** A document id from a file path: stable across runs, so re-ingesting updates in place. */
export function idFromPath(path: string): string {
  return path
    .replace(/\\/g, "/")
    .replace(/[^A-Za-z0-9._/-]+/g, "-")
    .replace(/\//g, "--")
    .slice(0, 128);
}

/** Reads BEIR-style JSON Lines (`{_id|id, title?, text}`) into documents. */
export function documentsFromJsonl(text: string, source: string): DocumentInput[] {
  return text
    .split("\n")
    .filter((l) => l.trim())
    .map((line, i) => {
      const row = JSON.parse(line) as {
        _id?: string;
        id?: string;
        title?: string;
        text?: string;
        metadata?: object;
      };
      const id = String(row._id ?? row.id ?? `${source}#${i + 1}`);
      if (typeof row.text !== "string") throw new Error(`${source}:${i + 1}: missing "text"`);
      return {
        id,
        ...(row.title ? { title: row.title } : {}),
        text: row.text,
        content_type: "text/plain",
        metadata: { ...(row.metadata ?? {}), source },
      };
    });
}

function* batches(docs: DocumentInput[]): Generator<DocumentInput[]> {
  let batch: DocumentInput[] = [];
  let bytes = 0;
  for (const d of docs) {
    const size = d.text.length + (d.title?.length ?? 0) + 200;
    if (batch.length && (batch.length >= BATCH_DOCS || bytes + size > BATCH_BYTES)) {
      yield batch;
      batch = [];
      bytes = 0;
    }
    batch.push(d);
    bytes += size;
  }
  if (batch.length) yield batch;
}

interface Job {
  id: string;
  status: string;
  total: number;
  done: number;
  failed: number;
  errors?: unknown[];
}

/** `edgerag ingest <paths…> [--wait]`: files and folders (md, txt, html, pdf, jsonl), batched. */
export async function ingest(
  client: Client,
  paths: string[],
  flags: Record<string, string | boolean | undefined>,
) {
  if (!paths.length) throw new Error("usage: edgerag ingest <file-or-folder>… [--wait]");
  const files = paths.flatMap(walk).filter((f) => TYPES[extname(f).toLowerCase()]);
  const docs: DocumentInput[] = [];
  const jobIds: string[] = [];
  for (const file of files) {
    const ext = extname(file).toLowerCase();
    const rel = relative(process.cwd(), file);
    if (ext === ".jsonl") {
      docs.push(...documentsFromJsonl(readFileSync(file, "utf8"), rel));
    } else if (ext === ".pdf") {
      const form = new FormData();
      form.set("file", new Blob([readFileSync(file)], { type: "application/pdf" }), rel);
      form.set("id", idFromPath(rel));
      const res = await fetch(`${client.config.url}/v1/documents`, {
        method: "POST",
        headers: { authorization: `Bearer ${client.config.key}` },
        body: form,
      });
      const body = (await res.json()) as { job_id?: string; error?: { message: string } };
      if (!res.ok) throw new Error(`${rel}: ${body.error?.message ?? res.status}`);
      if (body.job_id) jobIds.push(body.job_id);
    } else {
      docs.push({
        id: idFromPath(rel),
        text: readFileSync(file, "utf8"),
        content_type: TYPES[ext] ?? "text/plain",
        metadata: { source: rel },
      });
    }
  }
  let sent = 0;
  for (const batch of batches(docs)) {
    const res = await client.request<{ job_id: string }>("POST", "/v1/documents/batch", {
      body: { documents: batch },
    });
    jobIds.push(res.job_id);
    sent += batch.length;
    process.stderr.write(`\rsubmitted ${sent}/${docs.length} documents`);
  }
  if (docs.length) process.stderr.write("\n");
  if (!flags.wait) return { jobs: jobIds, documents: sent + files.filter((f) => f.endsWith(".pdf")).length };
  return waitForJobs(client, jobIds);
}

/** Polls jobs until every one is done, printing progress to stderr. */
export async function waitForJobs(client: Client, jobIds: string[]) {
  const started = Date.now();
  for (;;) {
    const jobs = await Promise.all(jobIds.map((id) => client.request<Job>("GET", `/v1/jobs/${id}`)));
    const total = jobs.reduce((n, j) => n + j.total, 0);
    const done = jobs.reduce((n, j) => n + j.done, 0);
    const failed = jobs.reduce((n, j) => n + j.failed, 0);
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    process.stderr.write(`\rindexed ${done}/${total}, failed ${failed} (${secs}s)   `);
    if (jobs.every((j) => j.status === "done")) {
      process.stderr.write("\n");
      return {
        jobs: jobs.map((j) => ({
          id: j.id,
          total: j.total,
          done: j.done,
          failed: j.failed,
          errors: j.errors,
        })),
      };
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}
