-- A committee's results read all of its scores. Finding them by `body ->> '$.committee_id'`
-- parsed every score's JSON on each read; the generated column is computed when a score is
-- written, and the index finds a committee's live scores directly.
ALTER TABLE scores ADD COLUMN committee_id TEXT
  GENERATED ALWAYS AS (body ->> '$.committee_id') VIRTUAL;
CREATE INDEX scores_committee ON scores(committee_id, id) WHERE deleted_at IS NULL;
