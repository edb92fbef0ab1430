-- The keyword index (hand-written: drizzle-kit does not model virtual tables).
-- Definition and rationale: src/retrieval/keyword/analysis.ts (FTS_TABLE_DDL); a test
-- checks this statement equals that constant. Rows are keyed by chunks.seq.
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(scope, title, text, content='', contentless_delete=1, tokenize='porter unicode61 remove_diacritics 2');
