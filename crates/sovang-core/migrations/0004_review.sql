-- Committee review (issue 5): committees, members' scores, decisions and the status changes
-- of nominations. Each is a record of the unit that made it, in the same shape as the other
-- kinds, so that the store's write path, search upkeep, sync and merge serve them unchanged.
-- `ref` is the record it concerns: the campaign for a committee, the nomination for the rest.

CREATE TABLE committees (
  id TEXT PRIMARY KEY,
  unit TEXT NOT NULL REFERENCES units(code),
  ref TEXT REFERENCES campaigns(id),
  title TEXT NOT NULL,
  year INTEGER,
  status TEXT,
  sort_key BLOB,
  body TEXT NOT NULL CHECK (json_valid(body)),
  created_at TEXT NOT NULL,
  created_by TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  updated_by TEXT NOT NULL,
  created_hlc TEXT NOT NULL,
  hlc TEXT NOT NULL,
  field_hlc TEXT NOT NULL DEFAULT '{}',
  deleted_at TEXT,
  deleted_by TEXT,
  field_seen TEXT NOT NULL DEFAULT '{}'
) STRICT;
CREATE INDEX committees_unit ON committees(unit, id) WHERE deleted_at IS NULL;
CREATE INDEX committees_ref ON committees(ref, id) WHERE ref IS NOT NULL;
CREATE INDEX committees_year ON committees(year, id) WHERE deleted_at IS NULL;
CREATE INDEX committees_trash ON committees(id) WHERE deleted_at IS NOT NULL;

CREATE TABLE scores (
  id TEXT PRIMARY KEY,
  unit TEXT NOT NULL REFERENCES units(code),
  ref TEXT REFERENCES nominations(id),
  title TEXT NOT NULL,
  year INTEGER,
  status TEXT,
  sort_key BLOB,
  body TEXT NOT NULL CHECK (json_valid(body)),
  created_at TEXT NOT NULL,
  created_by TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  updated_by TEXT NOT NULL,
  created_hlc TEXT NOT NULL,
  hlc TEXT NOT NULL,
  field_hlc TEXT NOT NULL DEFAULT '{}',
  deleted_at TEXT,
  deleted_by TEXT,
  field_seen TEXT NOT NULL DEFAULT '{}'
) STRICT;
CREATE INDEX scores_unit ON scores(unit, id) WHERE deleted_at IS NULL;
CREATE INDEX scores_ref ON scores(ref, id) WHERE ref IS NOT NULL;
CREATE INDEX scores_year ON scores(year, id) WHERE deleted_at IS NULL;
CREATE INDEX scores_trash ON scores(id) WHERE deleted_at IS NOT NULL;

CREATE TABLE decisions (
  id TEXT PRIMARY KEY,
  unit TEXT NOT NULL REFERENCES units(code),
  ref TEXT REFERENCES nominations(id),
  title TEXT NOT NULL,
  year INTEGER,
  status TEXT,
  sort_key BLOB,
  body TEXT NOT NULL CHECK (json_valid(body)),
  created_at TEXT NOT NULL,
  created_by TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  updated_by TEXT NOT NULL,
  created_hlc TEXT NOT NULL,
  hlc TEXT NOT NULL,
  field_hlc TEXT NOT NULL DEFAULT '{}',
  deleted_at TEXT,
  deleted_by TEXT,
  field_seen TEXT NOT NULL DEFAULT '{}'
) STRICT;
CREATE INDEX decisions_unit ON decisions(unit, id) WHERE deleted_at IS NULL;
CREATE INDEX decisions_ref ON decisions(ref, id) WHERE ref IS NOT NULL;
CREATE INDEX decisions_year ON decisions(year, id) WHERE deleted_at IS NULL;
CREATE INDEX decisions_trash ON decisions(id) WHERE deleted_at IS NOT NULL;

CREATE TABLE transitions (
  id TEXT PRIMARY KEY,
  unit TEXT NOT NULL REFERENCES units(code),
  ref TEXT REFERENCES nominations(id),
  title TEXT NOT NULL,
  year INTEGER,
  status TEXT,
  sort_key BLOB,
  body TEXT NOT NULL CHECK (json_valid(body)),
  created_at TEXT NOT NULL,
  created_by TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  updated_by TEXT NOT NULL,
  created_hlc TEXT NOT NULL,
  hlc TEXT NOT NULL,
  field_hlc TEXT NOT NULL DEFAULT '{}',
  deleted_at TEXT,
  deleted_by TEXT,
  field_seen TEXT NOT NULL DEFAULT '{}'
) STRICT;
CREATE INDEX transitions_unit ON transitions(unit, id) WHERE deleted_at IS NULL;
CREATE INDEX transitions_ref ON transitions(ref, id) WHERE ref IS NOT NULL;
CREATE INDEX transitions_year ON transitions(year, id) WHERE deleted_at IS NULL;
CREATE INDEX transitions_trash ON transitions(id) WHERE deleted_at IS NOT NULL;
-- A held record remembers the key that signed it: a held score is checked against the key
-- its committee lists for the member once the committee arrives.
ALTER TABLE sync_held ADD COLUMN signer_key TEXT;
