-- Background jobs (an outbox) and the processing state of photos.
--
-- A job row is written in the same transaction as the change that calls
-- for it (a photo and its photo.process job), so work is never lost, and
-- workers take jobs with one UPDATE ... RETURNING (SQLite has one writer
-- at a time). While a job runs, run_after is its lease's end
-- (= leased_until): a job is due when run_after has passed, whether
-- queued (backoff over) or running (its worker died), so one index serves
-- every claim.
CREATE TABLE jobs (
  id           TEXT     NOT NULL,
  kind         TEXT     NOT NULL,
  ref          TEXT     NOT NULL,
  state        TEXT     NOT NULL,
  attempts     INTEGER  NOT NULL,
  run_after    DATETIME NOT NULL,
  leased_until DATETIME NULL,
  leased_by    TEXT     NULL,
  last_error   TEXT     NULL,
  created_at   DATETIME NOT NULL,
  updated_at   DATETIME NOT NULL,
  PRIMARY KEY (id)
);
CREATE INDEX ix_jobs_claim ON jobs (state, run_after);
CREATE INDEX ix_jobs_ref ON jobs (ref, kind);

-- Photos stored before this migration were decoded during their upload.
ALTER TABLE lead_photos ADD COLUMN processing TEXT NOT NULL DEFAULT 'done';
ALTER TABLE lead_photos ADD COLUMN processing_error TEXT NULL;
UPDATE lead_photos SET processing = 'unsupported' WHERE thumb_key IS NULL;
