DROP INDEX `documents_status_idx`;--> statement-breakpoint
DROP INDEX `documents_stale_idx`;--> statement-breakpoint
ALTER TABLE `documents` ADD `lease_until` integer;--> statement-breakpoint
ALTER TABLE `documents` ADD `claimed_until` integer;--> statement-breakpoint
ALTER TABLE `documents` ADD `chunking` text;--> statement-breakpoint
CREATE INDEX `documents_status_idx` ON `documents` (`tenant_id`,`status`,`id`);--> statement-breakpoint
CREATE INDEX `documents_stale_idx` ON `documents` (`status`,`lease_until`);--> statement-breakpoint
CREATE INDEX `ingest_job_items_document_idx` ON `ingest_job_items` (`tenant_id`,`document_id`,`status`);