const CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz";

/**
 * A time-sortable unique id with a type prefix, e.g. `job_01jd3k…`. 48 bits of
 * milliseconds then 80 random bits (the ULID layout), lower-case Crockford base32, so
 * lexical order is creation order and ids can serve as pagination cursors.
 */
export function newId(prefix: string, now = Date.now()): string {
  let time = "";
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let rand = "";
  for (const b of bytes) rand += CROCKFORD[b % 32];
  return `${prefix}_${time}${rand}`;
}
