-- 0010: which of each other installation's changes have arrived here, so that a lost bundle
-- is noticed (a gap in the numbers) and acknowledged back (the sender sends again what was
-- not acknowledged). `ranges` is a JSON list of [from, to] change numbers of that origin.
-- Origins whose bundles were imported before this version start with `legacy` set: their
-- first numbered bundle here sets where counting starts, as what came before is unknown.
CREATE TABLE sync_received (
  origin TEXT PRIMARY KEY,
  ranges TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(ranges)),
  legacy INTEGER NOT NULL DEFAULT 0
) STRICT;
INSERT OR IGNORE INTO sync_received (origin, legacy)
  SELECT DISTINCT fingerprint, 1 FROM sync_imports;
