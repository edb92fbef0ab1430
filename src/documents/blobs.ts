import { newId } from "../lib/ids";

/** The R2 operations the pipeline uses (an `R2Bucket` satisfies it). */
export type BlobStore = Pick<R2Bucket, "put" | "get" | "delete">;

/**
 * Largest upload pack. Packs are read whole when several of their documents are indexed in
 * one queue batch, so the cap bounds the memory a batch needs; one document larger than
 * this gets a pack of its own.
 */
export const PACK_MAX_BYTES = 8 * 1024 * 1024;

/** Where one document's encrypted body is stored. */
export interface BodyRef {
  key: string;
  offset: number | null;
  length: number | null;
  /** Base64 of the AES-GCM key (32 bytes) and IV (12 bytes); null for a plaintext body. */
  secret: string | null;
}

/** A planned pack: its key, size and the encrypted bodies in it, in order. */
export interface PlannedPack {
  key: string;
  bytes: number;
  parts: Uint8Array[];
}

const AES_KEY_BYTES = 32;
const IV_BYTES = 12;

function toBase64(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

function fromBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

async function encrypt(body: Uint8Array): Promise<{ data: Uint8Array; secret: string }> {
  const material = crypto.getRandomValues(new Uint8Array(AES_KEY_BYTES + IV_BYTES));
  const key = await crypto.subtle.importKey("raw", material.subarray(0, AES_KEY_BYTES), "AES-GCM", false, [
    "encrypt",
  ]);
  const iv = material.subarray(AES_KEY_BYTES);
  const data = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv }, key, body));
  return { data, secret: toBase64(material) };
}

async function decrypt(data: Uint8Array, secret: string): Promise<Uint8Array> {
  const material = fromBase64(secret);
  const key = await crypto.subtle.importKey("raw", material.subarray(0, AES_KEY_BYTES), "AES-GCM", false, [
    "decrypt",
  ]);
  return new Uint8Array(
    await crypto.subtle.decrypt({ name: "AES-GCM", iv: material.subarray(AES_KEY_BYTES) }, key, data),
  );
}

/**
 * Plans how an upload's bodies are stored. Each body is encrypted with its own random
 * AES-GCM key (kept in the document row, never in R2), then bodies are concatenated into
 * packs of at most {@link PACK_MAX_BYTES}: one R2 write per pack instead of one per document
 * (local R2 manages about a hundred writes a second, so per-document objects would cap
 * ingestion there). Deleting a document's row destroys its key, which makes its bytes
 * unreadable at once even while other documents keep the pack alive (crypto-shredding);
 * the pack object itself goes when its last document does.
 */
export async function planPacks(
  tenantId: string,
  bodies: readonly Uint8Array[],
): Promise<{ refs: BodyRef[]; packs: PlannedPack[] }> {
  const encrypted = await Promise.all(bodies.map(encrypt));
  const refs: BodyRef[] = [];
  const packs: PlannedPack[] = [];
  let current: PlannedPack | null = null;
  for (const { data, secret } of encrypted) {
    if (!current || (current.bytes > 0 && current.bytes + data.byteLength > PACK_MAX_BYTES)) {
      current = { key: `packs/${tenantId}/${newId("pk")}`, bytes: 0, parts: [] };
      packs.push(current);
    }
    refs.push({ key: current.key, offset: current.bytes, length: data.byteLength, secret });
    current.parts.push(data);
    current.bytes += data.byteLength;
  }
  return { refs, packs };
}

/** Writes planned packs to R2. */
export async function writePacks(
  blobs: BlobStore,
  tenantId: string,
  packs: readonly PlannedPack[],
): Promise<void> {
  await Promise.all(
    packs.map((p) => {
      const body = new Uint8Array(p.bytes);
      let at = 0;
      for (const part of p.parts) {
        body.set(part, at);
        at += part.byteLength;
      }
      return blobs.put(p.key, body, {
        customMetadata: { tenant: tenantId, documents: String(p.parts.length) },
      });
    }),
  );
}

/** Whole objects already fetched within one queue batch, by key. */
export type PackCache = Map<string, Promise<Uint8Array | null>>;

/**
 * Reads and decrypts one document's body; null when the object is gone. With a cache, a
 * pack needed by several documents of a batch is fetched once; otherwise only the
 * document's byte range is read.
 */
export async function readBody(
  blobs: BlobStore,
  ref: BodyRef,
  cache?: PackCache,
): Promise<Uint8Array | null> {
  let data: Uint8Array | null;
  if (ref.offset === null || ref.length === null) {
    const object = await blobs.get(ref.key);
    data = object ? new Uint8Array(await object.arrayBuffer()) : null;
  } else if (cache) {
    let whole = cache.get(ref.key);
    if (!whole) {
      whole = blobs.get(ref.key).then(async (o) => (o ? new Uint8Array(await o.arrayBuffer()) : null));
      cache.set(ref.key, whole);
    }
    const pack = await whole;
    data = pack ? pack.subarray(ref.offset, ref.offset + ref.length) : null;
  } else {
    const object = await blobs.get(ref.key, { range: { offset: ref.offset, length: ref.length } });
    data = object ? new Uint8Array(await object.arrayBuffer()) : null;
  }
  if (!data) return null;
  return ref.secret ? decrypt(data, ref.secret) : data;
}

/** Deletes R2 objects (up to 1,000 keys per call). */
export async function deleteObjects(blobs: BlobStore, keys: readonly string[]): Promise<void> {
  for (let i = 0; i < keys.length; i += 1000) {
    const group = keys.slice(i, i + 1000);
    if (group.length > 0) await blobs.delete(group);
  }
}
