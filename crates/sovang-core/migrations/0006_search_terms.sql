-- 0006: prefix search through a vocabulary instead of FTS5 prefix indexes for 1–6 letters.
-- Those wrote every word seven times (a third of a bundle import's time). The indexes now keep
-- two-letter prefixes only; a longer typed prefix becomes the words it begins, read from
-- `search_terms`, and a one-letter one the two-letter prefixes it begins. The indexes are
-- contentless, so their words cannot be read back: the store indexes every record again when
-- it next opens (`search_rebuild`).
DROP TABLE search_title;
DROP TABLE search_all;
CREATE VIRTUAL TABLE search_title USING fts5(
  words, content = '', contentless_delete = 1, detail = none, prefix = '2', tokenize = 'ascii'
);
CREATE VIRTUAL TABLE search_all USING fts5(
  words, content = '', contentless_delete = 1, detail = none, prefix = '2', tokenize = 'ascii'
);
-- A 16 MB buffer of pending index data (FTS5's default is 1 MB): an import of 100,000 records
-- then writes a few large segments instead of dozens it merges again. Only transactions that
-- index that much ever fill it.
INSERT INTO search_title (search_title, rank) VALUES ('hashsize', 16777216);
INSERT INTO search_all (search_all, rank) VALUES ('hashsize', 16777216);
-- tier 0: the words of `search_title` (exact marks); tier 1: those of `search_all` (folded).
-- Words are never removed: one no record holds any more only costs a lookup.
CREATE TABLE search_terms (
  tier INTEGER NOT NULL CHECK (tier IN (0, 1)),
  term TEXT NOT NULL,
  PRIMARY KEY (tier, term)
) STRICT, WITHOUT ROWID;
INSERT INTO meta (key, value) SELECT 'search_rebuild', 'pending' WHERE EXISTS (SELECT 1 FROM search_doc);
DELETE FROM search_doc;
