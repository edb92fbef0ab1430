CREATE TABLE `blob_packs` (
	`key` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`live` integer DEFAULT 0 NOT NULL,
	`bytes` integer NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `blob_packs_live_idx` ON `blob_packs` (`live`,`created_at`);--> statement-breakpoint
ALTER TABLE `documents` ADD `blob_offset` integer;--> statement-breakpoint
ALTER TABLE `documents` ADD `blob_length` integer;--> statement-breakpoint
ALTER TABLE `documents` ADD `blob_secret` text;--> statement-breakpoint
CREATE INDEX `documents_blob_idx` ON `documents` (`tenant_id`,`blob_key`);