-- Feedback becomes one row per (tenant, query), rating several cited chunks at once.
-- Hand-edited after drizzle-kit: SQLite cannot ADD a column whose default is an expression,
-- so updated_at defaults to 0 here and the API always writes it (new rows and backfill below).
DROP INDEX `feedback_query_idx`;--> statement-breakpoint
ALTER TABLE `feedback` ADD `chunk_ids` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `feedback` ADD `updated_at` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
UPDATE `feedback` SET `updated_at` = `created_at`, `chunk_ids` = CASE WHEN `chunk_id` IS NULL THEN '[]' ELSE json_array(`chunk_id`) END;--> statement-breakpoint
DELETE FROM `feedback` WHERE rowid NOT IN (SELECT max(rowid) FROM `feedback` GROUP BY `tenant_id`, `query_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `feedback_query_uq` ON `feedback` (`tenant_id`,`query_id`);--> statement-breakpoint
ALTER TABLE `feedback` DROP COLUMN `chunk_id`;
