import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { D1Database } from "@cloudflare/workers-types";
import { unstable_splitSqlQuery } from "wrangler";

/**
 * Applies un-applied `migrations/*.sql` files in order, recording them in `d1_migrations`
 * (the table and format `wrangler d1 migrations apply` uses, so both tools agree).
 */
export async function applyMigrations(db: D1Database, dir: string): Promise<string[]> {
  await db
    .prepare(
      `CREATE TABLE IF NOT EXISTS d1_migrations(
        id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE,
        applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL)`,
    )
    .run();
  const done = new Set(
    (await db.prepare("SELECT name FROM d1_migrations").all<{ name: string }>()).results.map((r) => r.name),
  );
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".sql"))
    .sort();
  const applied: string[] = [];
  for (const file of files) {
    if (done.has(file)) continue;
    const statements = unstable_splitSqlQuery(readFileSync(join(dir, file), "utf8"))
      .map((s) => s.trim())
      .filter(Boolean);
    // One batch per migration: D1 runs a batch atomically, so a failed migration leaves nothing half-applied.
    await db.batch([
      ...statements.map((s) => db.prepare(s)),
      db.prepare("INSERT INTO d1_migrations (name) VALUES (?)").bind(file),
    ]);
    applied.push(file);
  }
  return applied;
}
