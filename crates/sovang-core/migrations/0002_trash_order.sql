-- The trash lists deleted records in each kind's order. Without an index holding only
-- deleted rows in that order, SQLite walks the whole table in order to find a few (or none).
CREATE INDEX units_trash ON units(code) WHERE deleted_at IS NOT NULL;
CREATE INDEX people_trash ON people(sort_key, id) WHERE deleted_at IS NOT NULL;
CREATE INDEX entries_trash ON entries(id) WHERE deleted_at IS NOT NULL;
CREATE INDEX projects_trash ON projects(id) WHERE deleted_at IS NOT NULL;
CREATE INDEX project_updates_trash ON project_updates(id) WHERE deleted_at IS NOT NULL;
CREATE INDEX campaigns_trash ON campaigns(id) WHERE deleted_at IS NOT NULL;
CREATE INDEX campaign_targets_trash ON campaign_targets(id) WHERE deleted_at IS NOT NULL;
CREATE INDEX nominations_trash ON nominations(id) WHERE deleted_at IS NOT NULL;
