-- 0001: the first schema. Migrations are append-only: never edit this file once released.

CREATE TABLE meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

-- The organisation tree. `code` is the natural key (official codes for real units).
CREATE TABLE units (
  code TEXT PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  unit TEXT NOT NULL REFERENCES units(code),
  parent TEXT REFERENCES units(code),
  successor TEXT REFERENCES units(code),
  kind TEXT NOT NULL,
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
  deleted_by TEXT
) STRICT;
CREATE INDEX units_parent ON units(parent);
CREATE INDEX units_successor ON units(successor) WHERE successor IS NOT NULL;

CREATE TABLE people (
  id TEXT PRIMARY KEY,
  unit TEXT NOT NULL REFERENCES units(code),
  ref TEXT,
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
  deleted_by TEXT
) STRICT;
CREATE INDEX people_deleted ON people(deleted_at) WHERE deleted_at IS NOT NULL;
CREATE INDEX people_sort_key ON people(sort_key, id) WHERE deleted_at IS NULL;
CREATE INDEX people_unit_name ON people(unit, sort_key, id) WHERE deleted_at IS NULL;

CREATE TABLE entries (
  id TEXT PRIMARY KEY,
  unit TEXT NOT NULL REFERENCES units(code),
  ref TEXT REFERENCES people(id),
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
  deleted_by TEXT
) STRICT;
CREATE INDEX entries_unit ON entries(unit, id) WHERE deleted_at IS NULL;
CREATE INDEX entries_deleted ON entries(deleted_at) WHERE deleted_at IS NOT NULL;
CREATE INDEX entries_ref ON entries(ref) WHERE ref IS NOT NULL;
CREATE INDEX entries_year ON entries(year, id) WHERE deleted_at IS NULL;
CREATE INDEX entries_status ON entries(status, id) WHERE deleted_at IS NULL;

CREATE TABLE projects (
  id TEXT PRIMARY KEY,
  unit TEXT NOT NULL REFERENCES units(code),
  ref TEXT,
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
  deleted_by TEXT
) STRICT;
CREATE INDEX projects_unit ON projects(unit, id) WHERE deleted_at IS NULL;
CREATE INDEX projects_deleted ON projects(deleted_at) WHERE deleted_at IS NOT NULL;
CREATE INDEX projects_year ON projects(year, id) WHERE deleted_at IS NULL;
CREATE INDEX projects_status ON projects(status, id) WHERE deleted_at IS NULL;

CREATE TABLE project_updates (
  id TEXT PRIMARY KEY,
  unit TEXT NOT NULL REFERENCES units(code),
  ref TEXT REFERENCES projects(id),
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
  deleted_by TEXT
) STRICT;
CREATE INDEX project_updates_unit ON project_updates(unit, id) WHERE deleted_at IS NULL;
CREATE INDEX project_updates_deleted ON project_updates(deleted_at) WHERE deleted_at IS NOT NULL;
CREATE INDEX project_updates_ref ON project_updates(ref) WHERE ref IS NOT NULL;
CREATE INDEX project_updates_year ON project_updates(year, id) WHERE deleted_at IS NULL;

CREATE TABLE campaigns (
  id TEXT PRIMARY KEY,
  unit TEXT NOT NULL REFERENCES units(code),
  ref TEXT,
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
  deleted_by TEXT
) STRICT;
CREATE INDEX campaigns_unit ON campaigns(unit, id) WHERE deleted_at IS NULL;
CREATE INDEX campaigns_deleted ON campaigns(deleted_at) WHERE deleted_at IS NOT NULL;

CREATE TABLE campaign_targets (
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
  deleted_by TEXT
) STRICT;
CREATE INDEX campaign_targets_unit ON campaign_targets(unit, id) WHERE deleted_at IS NULL;
CREATE INDEX campaign_targets_deleted ON campaign_targets(deleted_at) WHERE deleted_at IS NOT NULL;
CREATE INDEX campaign_targets_ref ON campaign_targets(ref) WHERE ref IS NOT NULL;
CREATE INDEX campaign_targets_year ON campaign_targets(year, id) WHERE deleted_at IS NULL;

CREATE TABLE nominations (
  id TEXT PRIMARY KEY,
  unit TEXT NOT NULL REFERENCES units(code),
  ref TEXT REFERENCES people(id),
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
  deleted_by TEXT
) STRICT;
CREATE INDEX nominations_unit ON nominations(unit, id) WHERE deleted_at IS NULL;
CREATE INDEX nominations_deleted ON nominations(deleted_at) WHERE deleted_at IS NOT NULL;
CREATE INDEX nominations_ref ON nominations(ref) WHERE ref IS NOT NULL;
CREATE INDEX nominations_year ON nominations(year, id) WHERE deleted_at IS NULL;
CREATE INDEX nominations_status ON nominations(status, id) WHERE deleted_at IS NULL;

-- Files attached to records, stored once per content under attachments/ by sha256.
CREATE TABLE attachments (
  id TEXT PRIMARY KEY,
  unit TEXT NOT NULL REFERENCES units(code),
  record_kind TEXT NOT NULL,
  record_id TEXT NOT NULL,
  sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
  file_name TEXT NOT NULL,
  mime TEXT NOT NULL,
  size INTEGER NOT NULL CHECK (size >= 0),
  created_at TEXT NOT NULL,
  created_by TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  updated_by TEXT NOT NULL,
  created_hlc TEXT NOT NULL,
  hlc TEXT NOT NULL,
  deleted_at TEXT,
  deleted_by TEXT
) STRICT;
CREATE UNIQUE INDEX attachments_once ON attachments(record_kind, record_id, sha256);
CREATE INDEX attachments_sha ON attachments(sha256);

-- Every change: who, when, what, and each changed field's old and new value.
CREATE TABLE audit (
  seq INTEGER PRIMARY KEY,
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  kind TEXT NOT NULL,
  record_id TEXT NOT NULL,
  action TEXT NOT NULL CHECK (action IN ('create', 'update', 'delete', 'restore', 'attach')),
  hlc TEXT NOT NULL,
  changes TEXT NOT NULL CHECK (json_valid(changes))
) STRICT;
CREATE INDEX audit_record ON audit(record_id, seq);

-- One search over all kinds: a row per live record, and its words in two FTS5 indexes:
-- `search_title` holds what names a record with its diacritics (exact matches rank first),
-- `search_all` every searchable word folded (no marks, đ → d). Prefix indexes up to six
-- letters cover every Vietnamese syllable typed so far, so no query materializes a doclist.
-- Texts arrive as words separated by spaces (`text::index_words`), so the plain `ascii`
-- tokenizer splits them exactly as queries are split; non-ASCII letters are word characters.
CREATE TABLE search_doc (
  rowid INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  id TEXT NOT NULL,
  unit TEXT NOT NULL,
  year INTEGER,
  status TEXT,
  title TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX search_doc_record ON search_doc(id);
CREATE VIRTUAL TABLE search_title USING fts5(
  words, content = '', contentless_delete = 1, detail = none, prefix = '1 2 3 4 5 6',
  tokenize = 'ascii'
);
CREATE VIRTUAL TABLE search_all USING fts5(
  words, content = '', contentless_delete = 1, detail = none, prefix = '1 2 3 4 5 6',
  tokenize = 'ascii'
);
