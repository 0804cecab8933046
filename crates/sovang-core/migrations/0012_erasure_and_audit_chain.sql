-- 0012: erasing for good, and an audit trail that shows tampering.
--
-- The audit is rebuilt (SQLite cannot widen a CHECK): two more actions, `detach` (an
-- attachment taken off a record) and `erase` (a record erased for good), and the hash chain.
-- Each row's `hash` covers the row before it (`prev_hash`) and its own fields, its changes
-- through `changes_hash` = SHA-256(salt ‖ changes). An erasure blanks a row's changes and
-- salt: the chain still holds, and without the salt the hash left cannot be matched against
-- guessed names. Rows carried over are chained by the store when it next opens
-- (`audit_chain::seal_pending`), in their order.
CREATE TABLE audit_v2 (
  seq INTEGER PRIMARY KEY,
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  kind TEXT NOT NULL,
  record_id TEXT NOT NULL,
  action TEXT NOT NULL
    CHECK (action IN ('create', 'update', 'delete', 'restore', 'attach', 'detach', 'erase')),
  hlc TEXT NOT NULL,
  changes TEXT NOT NULL CHECK (json_valid(changes)),
  bundle_id TEXT,
  signer TEXT,
  salt TEXT,
  changes_hash TEXT,
  prev_hash TEXT,
  hash TEXT
) STRICT;
INSERT INTO audit_v2 (seq, at, actor, kind, record_id, action, hlc, changes, bundle_id, signer)
  SELECT seq, at, actor, kind, record_id, action, hlc, changes, bundle_id, signer FROM audit;
DROP TABLE audit;
ALTER TABLE audit_v2 RENAME TO audit;
CREATE INDEX audit_record ON audit(record_id, seq);
CREATE INDEX audit_unchained ON audit(seq) WHERE hash IS NULL;

-- What was erased for good: one marker per record and erasing unit, its id and nothing of its
-- content. Markers travel in bundles (by `change_seq`, like records), so every installation
-- that had the data erases it too, and a record whose id is here, of the marker's unit or
-- below, is never written again. Keyed by unit too: a marker from one unit never stands in
-- for another's.
CREATE TABLE erasures (
  id TEXT NOT NULL,
  kind TEXT NOT NULL,
  -- An attachment's record (its attach and detach history rows are blanked too).
  record_id TEXT,
  unit TEXT NOT NULL,
  erased_at TEXT NOT NULL,
  erased_by TEXT NOT NULL,
  hlc TEXT NOT NULL,
  change_seq INTEGER NOT NULL,
  bundle_id TEXT,
  signer TEXT,
  PRIMARY KEY (id, unit)
) STRICT;
CREATE INDEX erasures_change ON erasures(change_seq);
CREATE INDEX erasures_record ON erasures(record_id) WHERE record_id IS NOT NULL;
