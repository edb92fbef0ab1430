CREATE TABLE `api_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`name` text,
	`hash` text NOT NULL,
	`prefix` text NOT NULL,
	`scopes` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`last_used_at` integer,
	`revoked_at` integer,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_keys_hash_uq` ON `api_keys` (`hash`);--> statement-breakpoint
CREATE INDEX `api_keys_tenant_idx` ON `api_keys` (`tenant_id`);--> statement-breakpoint
CREATE TABLE `chunks` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`tenant_id` text NOT NULL,
	`document_id` text NOT NULL,
	`version` integer NOT NULL,
	`ordinal` integer NOT NULL,
	`text` text NOT NULL,
	`token_count` integer NOT NULL,
	`metadata` text DEFAULT '{}' NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `chunks_id_uq` ON `chunks` (`tenant_id`,`id`);--> statement-breakpoint
CREATE INDEX `chunks_doc_idx` ON `chunks` (`tenant_id`,`document_id`,`version`,`ordinal`);--> statement-breakpoint
CREATE TABLE `documents` (
	`tenant_id` text NOT NULL,
	`id` text NOT NULL,
	`title` text,
	`content_type` text NOT NULL,
	`source` text,
	`content_hash` text NOT NULL,
	`size_bytes` integer NOT NULL,
	`status` text NOT NULL,
	`error` text,
	`metadata` text DEFAULT '{}' NOT NULL,
	`chunk_count` integer DEFAULT 0 NOT NULL,
	`embedder` text,
	`blob_key` text NOT NULL,
	`job_id` text,
	`version` integer DEFAULT 1 NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`indexed_at` integer,
	`expires_at` integer,
	PRIMARY KEY(`tenant_id`, `id`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `documents_status_idx` ON `documents` (`tenant_id`,`status`);--> statement-breakpoint
CREATE INDEX `documents_hash_idx` ON `documents` (`tenant_id`,`content_hash`);--> statement-breakpoint
CREATE INDEX `documents_expires_idx` ON `documents` (`expires_at`);--> statement-breakpoint
CREATE INDEX `documents_stale_idx` ON `documents` (`status`,`updated_at`);--> statement-breakpoint
CREATE TABLE `feedback` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`query_id` text NOT NULL,
	`rating` integer NOT NULL,
	`comment` text,
	`chunk_id` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `feedback_query_idx` ON `feedback` (`tenant_id`,`query_id`);--> statement-breakpoint
CREATE TABLE `ingest_job_items` (
	`job_id` text NOT NULL,
	`document_id` text NOT NULL,
	`tenant_id` text NOT NULL,
	`version` integer NOT NULL,
	`status` text NOT NULL,
	`error` text,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	PRIMARY KEY(`job_id`, `document_id`),
	FOREIGN KEY (`job_id`) REFERENCES `ingest_jobs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `ingest_job_items_status_idx` ON `ingest_job_items` (`job_id`,`status`);--> statement-breakpoint
CREATE TABLE `ingest_jobs` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`kind` text NOT NULL,
	`status` text NOT NULL,
	`total` integer NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`finished_at` integer,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `ingest_jobs_tenant_idx` ON `ingest_jobs` (`tenant_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `query_log` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`kind` text NOT NULL,
	`query` text NOT NULL,
	`session_id` text,
	`params` text DEFAULT '{}' NOT NULL,
	`result_ids` text DEFAULT '[]' NOT NULL,
	`answer` text,
	`provider` text,
	`template_version` text,
	`latency_ms` integer,
	`usage` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `query_log_tenant_idx` ON `query_log` (`tenant_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `settings` (
	`tenant_id` text NOT NULL,
	`key` text NOT NULL,
	`value` text NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	PRIMARY KEY(`tenant_id`, `key`)
);
--> statement-breakpoint
CREATE TABLE `tenants` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
