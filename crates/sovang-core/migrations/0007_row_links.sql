-- 0007: two lookups an import paid per record move into the record's own row.
-- - The change log: each record (and attachment) carries the sequence of its latest change,
--   `change_seq`, instead of a row in `sync_changes` with a unique index on the id. Every write
--   transaction takes the next number from meta `change_seq`; export reads each table by it.
-- - The search row: each record carries its `search_doc` rowid, `search_rowid` (NULL when not
--   indexed), instead of `search_doc` having a unique index on the id.
-- Together they were a fifth of the bytes an import wrote. Existing sequences and search rows are
-- kept, so what was sent stays sent and nothing is indexed again.

ALTER TABLE units ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE units ADD COLUMN search_rowid INTEGER;
ALTER TABLE people ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE people ADD COLUMN search_rowid INTEGER;
ALTER TABLE entries ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE entries ADD COLUMN search_rowid INTEGER;
ALTER TABLE projects ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE projects ADD COLUMN search_rowid INTEGER;
ALTER TABLE project_updates ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE project_updates ADD COLUMN search_rowid INTEGER;
ALTER TABLE campaigns ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE campaigns ADD COLUMN search_rowid INTEGER;
ALTER TABLE campaign_targets ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE campaign_targets ADD COLUMN search_rowid INTEGER;
ALTER TABLE nominations ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE nominations ADD COLUMN search_rowid INTEGER;
ALTER TABLE committees ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE committees ADD COLUMN search_rowid INTEGER;
ALTER TABLE scores ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE scores ADD COLUMN search_rowid INTEGER;
ALTER TABLE decisions ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE decisions ADD COLUMN search_rowid INTEGER;
ALTER TABLE transitions ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE transitions ADD COLUMN search_rowid INTEGER;
ALTER TABLE attachments ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;

UPDATE units SET change_seq = coalesce((SELECT seq FROM sync_changes c WHERE c.id = units.id), 0),
  search_rowid = (SELECT rowid FROM search_doc d WHERE d.id = units.id);
UPDATE people SET change_seq = coalesce((SELECT seq FROM sync_changes c WHERE c.id = people.id), 0),
  search_rowid = (SELECT rowid FROM search_doc d WHERE d.id = people.id);
UPDATE entries SET change_seq = coalesce((SELECT seq FROM sync_changes c WHERE c.id = entries.id), 0),
  search_rowid = (SELECT rowid FROM search_doc d WHERE d.id = entries.id);
UPDATE projects SET change_seq = coalesce((SELECT seq FROM sync_changes c WHERE c.id = projects.id), 0),
  search_rowid = (SELECT rowid FROM search_doc d WHERE d.id = projects.id);
UPDATE project_updates SET change_seq = coalesce((SELECT seq FROM sync_changes c WHERE c.id = project_updates.id), 0),
  search_rowid = (SELECT rowid FROM search_doc d WHERE d.id = project_updates.id);
UPDATE campaigns SET change_seq = coalesce((SELECT seq FROM sync_changes c WHERE c.id = campaigns.id), 0),
  search_rowid = (SELECT rowid FROM search_doc d WHERE d.id = campaigns.id);
UPDATE campaign_targets SET change_seq = coalesce((SELECT seq FROM sync_changes c WHERE c.id = campaign_targets.id), 0),
  search_rowid = (SELECT rowid FROM search_doc d WHERE d.id = campaign_targets.id);
UPDATE nominations SET change_seq = coalesce((SELECT seq FROM sync_changes c WHERE c.id = nominations.id), 0),
  search_rowid = (SELECT rowid FROM search_doc d WHERE d.id = nominations.id);
UPDATE committees SET change_seq = coalesce((SELECT seq FROM sync_changes c WHERE c.id = committees.id), 0),
  search_rowid = (SELECT rowid FROM search_doc d WHERE d.id = committees.id);
UPDATE scores SET change_seq = coalesce((SELECT seq FROM sync_changes c WHERE c.id = scores.id), 0),
  search_rowid = (SELECT rowid FROM search_doc d WHERE d.id = scores.id);
UPDATE decisions SET change_seq = coalesce((SELECT seq FROM sync_changes c WHERE c.id = decisions.id), 0),
  search_rowid = (SELECT rowid FROM search_doc d WHERE d.id = decisions.id);
UPDATE transitions SET change_seq = coalesce((SELECT seq FROM sync_changes c WHERE c.id = transitions.id), 0),
  search_rowid = (SELECT rowid FROM search_doc d WHERE d.id = transitions.id);
UPDATE attachments SET change_seq = coalesce((SELECT seq FROM sync_changes c WHERE c.id = attachments.id), 0);

CREATE INDEX units_change ON units(change_seq);
CREATE INDEX people_change ON people(change_seq);
CREATE INDEX entries_change ON entries(change_seq);
CREATE INDEX projects_change ON projects(change_seq);
CREATE INDEX project_updates_change ON project_updates(change_seq);
CREATE INDEX campaigns_change ON campaigns(change_seq);
CREATE INDEX campaign_targets_change ON campaign_targets(change_seq);
CREATE INDEX nominations_change ON nominations(change_seq);
CREATE INDEX committees_change ON committees(change_seq);
CREATE INDEX scores_change ON scores(change_seq);
CREATE INDEX decisions_change ON decisions(change_seq);
CREATE INDEX transitions_change ON transitions(change_seq);
CREATE INDEX attachments_change ON attachments(change_seq);

INSERT INTO meta (key, value) SELECT 'change_seq', coalesce(max(seq), 0) FROM sync_changes;
DROP TABLE sync_changes;
DROP INDEX search_doc_record;
