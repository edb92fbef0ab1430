import type { Db } from "../db/client";
import { TtlCache } from "../lib/ttl-cache";
import { createSettingsRepo } from "./settings.repo";

/**
 * How long an isolate may use a tenant's settings it has read: the bound on how late another
 * isolate sees a `PATCH /v1/settings` (changes made through this isolate apply at once).
 * Provider resolution reads settings on every search and answer.
 */
export const SETTINGS_CACHE_TTL_MS = 10_000;

const cache = new TtlCache<string, Record<string, unknown>>(SETTINGS_CACHE_TTL_MS, 10_000);

/** A tenant's settings for provider resolution, from this isolate's cache when fresh. Do not mutate. */
export async function cachedSettings(db: Db, tenantId: string): Promise<Readonly<Record<string, unknown>>> {
  const hit = cache.get(tenantId);
  if (hit) return hit;
  const settings = await createSettingsRepo(db).getAll(tenantId);
  cache.set(tenantId, settings);
  return settings;
}

/** Forgets a tenant's cached settings (called by every write to them). */
export function forgetSettings(tenantId: string): void {
  cache.delete(tenantId);
}
