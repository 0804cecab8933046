-- 0003: sync bundles. Per-field causal history, the change log that export reads, the keys
-- this installation trusts, what it sent where, records held for a missing parent, conflicts
-- awaiting a person, and the bundles imported.

-- For each field, the versions from other installations that its current value replaced
-- ({"field": {"node": "version"}}): tells a later change from a concurrent one.
ALTER TABLE units ADD COLUMN field_seen TEXT NOT NULL DEFAULT '{}';
ALTER TABLE people ADD COLUMN field_seen TEXT NOT NULL DEFAULT '{}';
ALTER TABLE entries ADD COLUMN field_seen TEXT NOT NULL DEFAULT '{}';
ALTER TABLE projects ADD COLUMN field_seen TEXT NOT NULL DEFAULT '{}';
ALTER TABLE project_updates ADD COLUMN field_seen TEXT NOT NULL DEFAULT '{}';
ALTER TABLE campaigns ADD COLUMN field_seen TEXT NOT NULL DEFAULT '{}';
ALTER TABLE campaign_targets ADD COLUMN field_seen TEXT NOT NULL DEFAULT '{}';
ALTER TABLE nominations ADD COLUMN field_seen TEXT NOT NULL DEFAULT '{}';

-- Every record's latest change, in the order they happened here (local or imported):
-- export sends what came after the last sequence sent to a destination. The store writes it
-- beside each record (`rows::changed`); triggers would do it too, but a statement that fires a
-- trigger makes FTS5 flush its pending index at every row, which made bulk writes 3x slower.
CREATE TABLE sync_changes (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  id TEXT NOT NULL UNIQUE
) STRICT;
INSERT INTO sync_changes(kind, id)
  SELECT kind, id FROM (
    SELECT 'unit' AS kind, id, hlc FROM units UNION ALL
    SELECT 'person', id, hlc FROM people UNION ALL
    SELECT 'entry', id, hlc FROM entries UNION ALL
    SELECT 'project', id, hlc FROM projects UNION ALL
    SELECT 'update', id, hlc FROM project_updates UNION ALL
    SELECT 'campaign', id, hlc FROM campaigns UNION ALL
    SELECT 'target', id, hlc FROM campaign_targets UNION ALL
    SELECT 'nomination', id, hlc FROM nominations UNION ALL
    SELECT 'attachment', id, hlc FROM attachments)
  ORDER BY hlc;


-- Public keys whose bundles this installation accepts, and the unit each speaks for.
CREATE TABLE trusted_keys (
  fingerprint TEXT PRIMARY KEY,
  public_key TEXT NOT NULL UNIQUE CHECK (length(public_key) = 64),
  unit TEXT NOT NULL,
  unit_name TEXT NOT NULL,
  installation TEXT NOT NULL,
  added_at TEXT NOT NULL,
  added_by TEXT NOT NULL,
  revoked_at TEXT,
  revoked_by TEXT
) STRICT;

-- The last change sequence sent to each destination ('' = no destination named).
CREATE TABLE sync_sent (
  destination TEXT PRIMARY KEY,
  seq INTEGER NOT NULL,
  bundle_id TEXT NOT NULL,
  at TEXT NOT NULL
) STRICT;

-- Records whose parent (a linked record) has not arrived yet: applied when it does.
CREATE TABLE sync_held (
  kind TEXT NOT NULL,
  id TEXT NOT NULL,
  waiting_for TEXT NOT NULL,
  signer_unit TEXT NOT NULL,
  line TEXT NOT NULL CHECK (json_valid(line)),
  bundle_id TEXT NOT NULL,
  held_at TEXT NOT NULL,
  PRIMARY KEY (kind, id)
) STRICT;

-- Concurrent changes of one field: the value kept (the higher version) and the other one.
CREATE TABLE sync_conflicts (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  record_id TEXT NOT NULL,
  field TEXT NOT NULL,
  kept_value TEXT NOT NULL,
  kept_version TEXT NOT NULL,
  kept_by TEXT NOT NULL,
  other_value TEXT NOT NULL,
  other_version TEXT NOT NULL,
  other_by TEXT NOT NULL,
  detected_at TEXT NOT NULL,
  resolved_at TEXT,
  resolved_by TEXT,
  resolution TEXT,
  UNIQUE (record_id, field, kept_version, other_version)
) STRICT;
CREATE INDEX sync_conflicts_open ON sync_conflicts(detected_at) WHERE resolved_at IS NULL;

-- Bundles imported here, with what each did.
CREATE TABLE sync_imports (
  bundle_id TEXT NOT NULL,
  file_name TEXT NOT NULL,
  origin_unit TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  imported_at TEXT NOT NULL,
  imported_by TEXT NOT NULL,
  report TEXT NOT NULL CHECK (json_valid(report))
) STRICT;
