CREATE TABLE `embedding_cache` (
	`key` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`embedder` text NOT NULL,
	`dimensions` integer NOT NULL,
	`vector` blob NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`last_used_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `embedding_cache_used_idx` ON `embedding_cache` (`last_used_at`);--> statement-breakpoint
CREATE TABLE `provider_usage` (
	`tenant_id` text NOT NULL,
	`day` text NOT NULL,
	`provider` text NOT NULL,
	`operation` text NOT NULL,
	`calls` integer DEFAULT 0 NOT NULL,
	`failures` integer DEFAULT 0 NOT NULL,
	`input_tokens` integer DEFAULT 0 NOT NULL,
	`output_tokens` integer DEFAULT 0 NOT NULL,
	`cache_hits` integer DEFAULT 0 NOT NULL,
	`latency_ms` integer DEFAULT 0 NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	PRIMARY KEY(`tenant_id`, `day`, `provider`, `operation`)
);
--> statement-breakpoint
CREATE INDEX `provider_usage_day_idx` ON `provider_usage` (`day`);