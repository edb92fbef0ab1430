import { sha256Hex } from "../lib/crypto";
import { newId } from "../lib/ids";

/** The R2 operations the pipeline uses (an `R2Bucket` satisfies it). */
export type BlobStore = Pick<R2Bucket, "put" | "get" | "delete" | "list">;

/**
 * Where a document's raw bodies live: `docs/<tenant>/<sha256(document id)[:32]>/`. Hashing
 * the id keeps keys short and free of characters R2 tooling dislikes; one prefix per
 * document lets a delete remove every body the document ever had.
 */
export async function blobPrefix(tenantId: string, documentId: string): Promise<string> {
  return `docs/${tenantId}/${(await sha256Hex(documentId)).slice(0, 32)}/`;
}

/**
 * A fresh key for one upload. Every accepted upload gets its own object, so concurrent
 * uploads of the same document never overwrite each other's bytes and a replaced body can
 * be deleted without racing the upload that replaced it.
 */
export async function newBlobKey(tenantId: string, documentId: string): Promise<string> {
  return `${await blobPrefix(tenantId, documentId)}${newId("b")}`;
}

/** Deletes every stored body of a document (R2 `delete` takes up to 1,000 keys per call). */
export async function deleteDocumentBlobs(
  blobs: BlobStore,
  tenantId: string,
  documentId: string,
): Promise<number> {
  const prefix = await blobPrefix(tenantId, documentId);
  let cursor: string | undefined;
  let deleted = 0;
  do {
    const page = await blobs.list({ prefix, cursor, limit: 1000 });
    const keys = page.objects.map((o) => o.key);
    if (keys.length > 0) await blobs.delete(keys);
    deleted += keys.length;
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return deleted;
}
