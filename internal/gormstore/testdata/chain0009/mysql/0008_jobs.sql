-- Background jobs (an outbox) and the processing state of photos.
--
-- A job row is written in the same transaction as the change that calls
-- for it (a photo and its photo.process job), so work is never lost, and
-- any instance's workers take jobs with SELECT ... FOR UPDATE SKIP LOCKED.
-- While a job runs, run_after is its lease's end (= leased_until): a job
-- is due when run_after has passed, whether queued (backoff over) or
-- running (its worker died), so one index serves every claim.
CREATE TABLE jobs (
  id           CHAR(36)     NOT NULL,
  kind         VARCHAR(32)  NOT NULL,
  ref          VARCHAR(255) NOT NULL,
  state        VARCHAR(16)  NOT NULL,
  attempts     INT          NOT NULL,
  run_after    DATETIME(6)  NOT NULL,
  leased_until DATETIME(6)  NULL,
  leased_by    VARCHAR(128) NULL,
  last_error   TEXT         NULL,
  created_at   DATETIME(6)  NOT NULL,
  updated_at   DATETIME(6)  NOT NULL,
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE INDEX ix_jobs_claim ON jobs (state, run_after);
CREATE INDEX ix_jobs_ref ON jobs (ref, kind);

-- Photos stored before this migration were decoded during their upload.
ALTER TABLE lead_photos ADD COLUMN processing VARCHAR(16) NOT NULL DEFAULT 'done';
ALTER TABLE lead_photos ADD COLUMN processing_error VARCHAR(32) NULL;
UPDATE lead_photos SET processing = 'unsupported' WHERE thumb_key IS NULL;
