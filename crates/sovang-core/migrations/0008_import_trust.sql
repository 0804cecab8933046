-- 0008: what an import must remember to be trusted. Every change a bundle brings names the
-- key that signed it and the bundle that carried it; held records are kept per signer, so
-- that a second signer's copy never replaces another's.

-- Changes written by an import (NULL for local ones).
ALTER TABLE audit ADD COLUMN bundle_id TEXT;
ALTER TABLE audit ADD COLUMN signer TEXT;

-- The bundle and key a record arrived with, when an import created it (its history's first
-- row; local creations leave them NULL).
ALTER TABLE units ADD COLUMN import_bundle TEXT;
ALTER TABLE units ADD COLUMN import_signer TEXT;
ALTER TABLE people ADD COLUMN import_bundle TEXT;
ALTER TABLE people ADD COLUMN import_signer TEXT;
ALTER TABLE entries ADD COLUMN import_bundle TEXT;
ALTER TABLE entries ADD COLUMN import_signer TEXT;
ALTER TABLE projects ADD COLUMN import_bundle TEXT;
ALTER TABLE projects ADD COLUMN import_signer TEXT;
ALTER TABLE project_updates ADD COLUMN import_bundle TEXT;
ALTER TABLE project_updates ADD COLUMN import_signer TEXT;
ALTER TABLE campaigns ADD COLUMN import_bundle TEXT;
ALTER TABLE campaigns ADD COLUMN import_signer TEXT;
ALTER TABLE campaign_targets ADD COLUMN import_bundle TEXT;
ALTER TABLE campaign_targets ADD COLUMN import_signer TEXT;
ALTER TABLE nominations ADD COLUMN import_bundle TEXT;
ALTER TABLE nominations ADD COLUMN import_signer TEXT;
ALTER TABLE committees ADD COLUMN import_bundle TEXT;
ALTER TABLE committees ADD COLUMN import_signer TEXT;
ALTER TABLE transitions ADD COLUMN import_bundle TEXT;
ALTER TABLE transitions ADD COLUMN import_signer TEXT;
ALTER TABLE scores ADD COLUMN import_bundle TEXT;
ALTER TABLE scores ADD COLUMN import_signer TEXT;
ALTER TABLE decisions ADD COLUMN import_bundle TEXT;
ALTER TABLE decisions ADD COLUMN import_signer TEXT;

-- Held records, one per record and signer. `waiting_for` says what each waits for: a record
-- (`kind:id`), a unit (`unit:code`), attachment bytes (`bytes:sha256`) or the sender's clock
-- (`clock:version`, a version more than a day ahead of this PC's time).
CREATE TABLE sync_held_v2 (
  kind TEXT NOT NULL,
  id TEXT NOT NULL,
  signer_key TEXT NOT NULL,
  signer_unit TEXT NOT NULL,
  waiting_for TEXT NOT NULL,
  line TEXT NOT NULL CHECK (json_valid(line)),
  bundle_id TEXT NOT NULL,
  held_at TEXT NOT NULL,
  PRIMARY KEY (kind, id, signer_key)
) STRICT;
INSERT INTO sync_held_v2 (kind, id, signer_key, signer_unit, waiting_for, line, bundle_id, held_at)
  SELECT kind, id, coalesce(signer_key, ''), signer_unit, waiting_for, line, bundle_id, held_at
  FROM sync_held;
DROP TABLE sync_held;
ALTER TABLE sync_held_v2 RENAME TO sync_held;
