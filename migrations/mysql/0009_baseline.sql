-- The schema of the first release: migrations 0001 to 0009 of development
-- squashed into one file (docs/operations.md, "Migrations"). It creates no
-- triggers, so the database user needs no TRIGGER privilege. Columns keep
-- the order in which the old files added them, so a database migrated by
-- them and one created from this file are the same.

-- Grids (townships), villages, enforcement teams, the routing table and
-- users. version is the ETag of each row.
CREATE TABLE grids (
  id         CHAR(36)    NOT NULL,
  code       VARCHAR(12) NOT NULL,
  name       VARCHAR(64) NOT NULL,
  pinyin     VARCHAR(64) NOT NULL DEFAULT '',
  kind       VARCHAR(16) NOT NULL DEFAULT 'town',
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  version    INT         NOT NULL DEFAULT 1,
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE UNIQUE INDEX uq_grids_code ON grids (code);

CREATE TABLE villages (
  id         CHAR(36)    NOT NULL,
  grid_id    CHAR(36)    NOT NULL,
  code       VARCHAR(12) NULL,
  name       VARCHAR(64) NOT NULL,
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  version    INT         NOT NULL DEFAULT 1,
  PRIMARY KEY (id),
  CONSTRAINT fk_villages_grid FOREIGN KEY (grid_id) REFERENCES grids (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE UNIQUE INDEX uq_villages_code ON villages (code);
CREATE UNIQUE INDEX uq_villages_grid_name ON villages (grid_id, name);

CREATE TABLE teams (
  id           CHAR(36)     NOT NULL,
  name         VARCHAR(128) NOT NULL,
  created_at   DATETIME(6)  NOT NULL,
  updated_at   DATETIME(6)  NOT NULL,
  version      INT          NOT NULL DEFAULT 1,
  county_queue BOOLEAN      NOT NULL DEFAULT FALSE,
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE UNIQUE INDEX uq_teams_name ON teams (name);

-- The routing table: each grid is served by at most one team.
CREATE TABLE team_grids (
  team_id CHAR(36) NOT NULL,
  grid_id CHAR(36) NOT NULL,
  PRIMARY KEY (team_id, grid_id),
  CONSTRAINT fk_team_grids_team FOREIGN KEY (team_id) REFERENCES teams (id),
  CONSTRAINT fk_team_grids_grid FOREIGN KEY (grid_id) REFERENCES grids (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE UNIQUE INDEX uq_team_grids_grid ON team_grids (grid_id);

CREATE TABLE users (
  id                   CHAR(36)     NOT NULL,
  phone                VARCHAR(11)  NOT NULL,
  name                 VARCHAR(64)  NOT NULL,
  role                 VARCHAR(16)  NOT NULL,
  status               VARCHAR(16)  NOT NULL DEFAULT 'active',
  village_id           CHAR(36)     NULL,
  team_id              CHAR(36)     NULL,
  password_hash        VARCHAR(255) NOT NULL,
  must_change_password BOOLEAN      NOT NULL DEFAULT FALSE,
  created_at           DATETIME(6)  NOT NULL,
  updated_at           DATETIME(6)  NOT NULL,
  version              INT          NOT NULL DEFAULT 1,
  password_changed_at  DATETIME(6)  NULL,
  PRIMARY KEY (id),
  CONSTRAINT fk_users_village FOREIGN KEY (village_id) REFERENCES villages (id),
  CONSTRAINT fk_users_team FOREIGN KEY (team_id) REFERENCES teams (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE UNIQUE INDEX uq_users_phone ON users (phone);
CREATE INDEX ix_users_village ON users (village_id);
CREATE INDEX ix_users_team ON users (team_id);
CREATE INDEX ix_users_role ON users (role, status);

-- Sessions with rotating refresh tokens, and the login throttle shared by
-- all instances.
CREATE TABLE sessions (
  id            CHAR(36)     NOT NULL,
  user_id       CHAR(36)     NOT NULL,
  device        VARCHAR(128) NOT NULL DEFAULT '',
  created_at    DATETIME(6)  NOT NULL,
  last_used_at  DATETIME(6)  NOT NULL,
  expires_at    DATETIME(6)  NOT NULL,
  revoked_at    DATETIME(6)  NULL,
  revoke_reason VARCHAR(16)  NULL,
  PRIMARY KEY (id),
  CONSTRAINT fk_sessions_user FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE INDEX ix_sessions_user ON sessions (user_id, revoked_at);

CREATE TABLE refresh_tokens (
  hash           CHAR(64)    NOT NULL,
  session_id     CHAR(36)    NOT NULL,
  created_at     DATETIME(6) NOT NULL,
  expires_at     DATETIME(6) NOT NULL,
  spent_at       DATETIME(6) NULL,
  successor_hash CHAR(64)    NULL,
  PRIMARY KEY (hash),
  CONSTRAINT fk_refresh_tokens_session FOREIGN KEY (session_id) REFERENCES sessions (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE INDEX ix_refresh_tokens_session ON refresh_tokens (session_id);

CREATE TABLE login_throttles (
  throttle_key VARCHAR(80) NOT NULL,
  failures     INT         NOT NULL,
  window_start DATETIME(6) NOT NULL,
  locked_until DATETIME(6) NULL,
  PRIMARY KEY (throttle_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The debtors and cases the wanted list is made of.
CREATE TABLE debtors (
  id             CHAR(36)     NOT NULL,
  kind           VARCHAR(16)  NOT NULL,
  name           VARCHAR(128) NOT NULL,
  id_masked      VARCHAR(32)  NOT NULL DEFAULT '',
  id_cipher      VARBINARY(255) NULL,
  id_index       CHAR(64)     NULL,
  village_id     CHAR(36)     NULL,
  version        INT          NOT NULL DEFAULT 1,
  created_at     DATETIME(6)  NOT NULL,
  updated_at     DATETIME(6)  NOT NULL,
  PRIMARY KEY (id),
  CONSTRAINT fk_debtors_village FOREIGN KEY (village_id) REFERENCES villages (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE UNIQUE INDEX uq_debtors_id_index ON debtors (id_index);
CREATE INDEX ix_debtors_village ON debtors (village_id);
CREATE INDEX ix_debtors_name ON debtors (name, id);

CREATE TABLE cases (
  id                   CHAR(36)    NOT NULL,
  number               VARCHAR(64) NOT NULL,
  category             VARCHAR(32) NOT NULL DEFAULT 'ordinary',
  status               VARCHAR(16) NOT NULL DEFAULT 'open',
  amount_due_fen       BIGINT      NOT NULL DEFAULT 0,
  amount_recovered_fen BIGINT      NOT NULL DEFAULT 0,
  version              INT         NOT NULL DEFAULT 1,
  created_at           DATETIME(6) NOT NULL,
  updated_at           DATETIME(6) NOT NULL,
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE UNIQUE INDEX uq_cases_number ON cases (number);
CREATE INDEX ix_cases_created ON cases (created_at, id);

CREATE TABLE case_debtors (
  case_id   CHAR(36) NOT NULL,
  debtor_id CHAR(36) NOT NULL,
  PRIMARY KEY (case_id, debtor_id),
  CONSTRAINT fk_case_debtors_case FOREIGN KEY (case_id) REFERENCES cases (id),
  CONSTRAINT fk_case_debtors_debtor FOREIGN KEY (debtor_id) REFERENCES debtors (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE INDEX ix_case_debtors_debtor ON case_debtors (debtor_id);

-- Lead intake: the per-year reference counter, leads with their photos and
-- timeline, possible-duplicate flags and durable idempotency records.
CREATE TABLE lead_sequences (
  year     INT NOT NULL,
  last_seq INT NOT NULL,
  PRIMARY KEY (year)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- accepted_at is when a lead was first accepted, closed_at when it was last
-- closed (NULL unless closed now): the timeline keeps the history, these
-- serve the results.
CREATE TABLE leads (
  id                   CHAR(36)      NOT NULL,
  ref                  VARCHAR(20)   NOT NULL,
  reporter_id          CHAR(36)      NOT NULL,
  grid_id              CHAR(36)      NOT NULL,
  village_id           CHAR(36)      NOT NULL,
  team_id              CHAR(36)      NULL,
  kind                 VARCHAR(32)   NOT NULL,
  status               VARCHAR(16)   NOT NULL,
  priority             INT           NOT NULL,
  debtor_id            CHAR(36)      NULL,
  debtor_name          VARCHAR(128)  NULL,
  case_number          VARCHAR(64)   NULL,
  description          TEXT          NOT NULL,
  lat                  DOUBLE        NULL,
  lng                  DOUBLE        NULL,
  accuracy_m           DOUBLE        NULL,
  crs                  VARCHAR(8)    NULL,
  location_flag        VARCHAR(16)   NULL,
  captured_at          DATETIME(6)   NULL,
  received_at          DATETIME(6)   NOT NULL,
  details              TEXT          NOT NULL,
  plate                VARCHAR(16)   NULL,
  photos_expected      INT           NOT NULL,
  photos_received      INT           NOT NULL DEFAULT 0,
  content_hash         CHAR(64)      NOT NULL,
  version              INT           NOT NULL DEFAULT 1,
  created_at           DATETIME(6)   NOT NULL,
  updated_at           DATETIME(6)   NOT NULL,
  assignee_id          CHAR(36)      NULL,
  due_at               DATETIME(6)   NULL,
  reject_reason        VARCHAR(32)   NULL,
  duplicate_of         CHAR(36)      NULL,
  measure              VARCHAR(32)   NULL,
  measure_date         VARCHAR(10)   NULL,
  outcome              VARCHAR(500)  NULL,
  amount_recovered_fen BIGINT        NULL,
  accepted_at          DATETIME(6)   NULL,
  closed_at            DATETIME(6)   NULL,
  PRIMARY KEY (id),
  CONSTRAINT fk_leads_reporter FOREIGN KEY (reporter_id) REFERENCES users (id),
  CONSTRAINT fk_leads_grid FOREIGN KEY (grid_id) REFERENCES grids (id),
  CONSTRAINT fk_leads_village FOREIGN KEY (village_id) REFERENCES villages (id),
  CONSTRAINT fk_leads_team FOREIGN KEY (team_id) REFERENCES teams (id),
  CONSTRAINT fk_leads_debtor FOREIGN KEY (debtor_id) REFERENCES debtors (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE UNIQUE INDEX uq_leads_ref ON leads (ref);
CREATE INDEX ix_leads_reporter ON leads (reporter_id, received_at, id);
CREATE INDEX ix_leads_grid ON leads (grid_id, received_at, id);
CREATE INDEX ix_leads_debtor ON leads (debtor_id, kind, received_at);
CREATE INDEX ix_leads_plate ON leads (plate);
CREATE INDEX ix_leads_village ON leads (village_id);
-- The officers' queue, in queue order (priority, received_at, id) after an
-- equality prefix: a grid's by status, and by kind and status; a team's by
-- grid and status, so that the team's leads outside its own grids are a
-- range of their own; an assignee's by grid and status
-- (docs/decisions/0004-queue-as-a-union-of-index-ranges.md).
CREATE INDEX ix_leads_queue ON leads (grid_id, status, priority, received_at, id);
CREATE INDEX ix_leads_team ON leads (team_id, grid_id, status, priority, received_at, id);
CREATE INDEX ix_leads_assignee ON leads (assignee_id, grid_id, status, priority, received_at, id);
CREATE INDEX ix_leads_kind ON leads (grid_id, kind, status, priority, received_at, id);
-- Overdue: a grid's accepted leads by due date.
CREATE INDEX ix_leads_due ON leads (grid_id, status, due_at);
-- Results, index-only: a grid's leads received in a range with what the
-- statistics read of them; and its closings in a range with the money.
CREATE INDEX ix_leads_stats ON leads (grid_id, received_at, status, kind, accepted_at, closed_at);
CREATE INDEX ix_leads_closed ON leads (grid_id, status, closed_at, amount_recovered_fen);

-- processing is where the background decoding of a photo stands
-- (docs/decisions/0002-photo-decoding-in-a-background-job.md).
CREATE TABLE lead_photos (
  id               CHAR(36)     NOT NULL,
  lead_id          CHAR(36)     NOT NULL,
  object_key       VARCHAR(255) NOT NULL,
  thumb_key        VARCHAR(255) NULL,
  sha256           CHAR(64)     NOT NULL,
  content_type     VARCHAR(32)  NOT NULL,
  size             BIGINT       NOT NULL,
  width            INT          NOT NULL,
  height           INT          NOT NULL,
  taken_at         DATETIME(6)  NULL,
  gps_lat          DOUBLE       NULL,
  gps_lng          DOUBLE       NULL,
  created_at       DATETIME(6)  NOT NULL,
  processing       VARCHAR(16)  NOT NULL DEFAULT 'done',
  processing_error VARCHAR(32)  NULL,
  PRIMARY KEY (id),
  CONSTRAINT fk_lead_photos_lead FOREIGN KEY (lead_id) REFERENCES leads (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE INDEX ix_lead_photos_lead ON lead_photos (lead_id, created_at);
CREATE INDEX ix_lead_photos_sha256 ON lead_photos (sha256);

CREATE TABLE lead_events (
  id          CHAR(36)    NOT NULL,
  lead_id     CHAR(36)    NOT NULL,
  actor_id    CHAR(36)    NOT NULL,
  actor_role  VARCHAR(16) NOT NULL,
  type        VARCHAR(32) NOT NULL,
  from_status VARCHAR(16) NULL,
  to_status   VARCHAR(16) NULL,
  note        TEXT        NULL,
  public      BOOLEAN     NOT NULL,
  at          DATETIME(6) NOT NULL,
  PRIMARY KEY (id),
  CONSTRAINT fk_lead_events_lead FOREIGN KEY (lead_id) REFERENCES leads (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE INDEX ix_lead_events_lead ON lead_events (lead_id, at);

CREATE TABLE lead_duplicates (
  lead_id  CHAR(36)    NOT NULL,
  other_id CHAR(36)    NOT NULL,
  reason   VARCHAR(32) NOT NULL,
  PRIMARY KEY (lead_id, other_id, reason),
  CONSTRAINT fk_lead_duplicates_lead FOREIGN KEY (lead_id) REFERENCES leads (id),
  CONSTRAINT fk_lead_duplicates_other FOREIGN KEY (other_id) REFERENCES leads (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE INDEX ix_lead_duplicates_other ON lead_duplicates (other_id);

CREATE TABLE idempotency_keys (
  user_id      CHAR(36)    NOT NULL,
  idem_key     VARCHAR(128) NOT NULL,
  request_hash CHAR(64)    NOT NULL,
  state        VARCHAR(8)  NOT NULL,
  status_code  INT         NOT NULL DEFAULT 0,
  response     MEDIUMTEXT  NULL,
  created_at   DATETIME(6) NOT NULL,
  expires_at   DATETIME(6) NOT NULL,
  PRIMARY KEY (user_id, idem_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE INDEX ix_idempotency_keys_expires ON idempotency_keys (expires_at);

-- Leads per grid, team ('' for none), assignee ('' for none), kind and
-- status, for the queue's status counts without counting a grid's leads on
-- every page. The store keeps it exact in the transaction of every change
-- of a lead (internal/gormstore/counts.go; no triggers:
-- docs/decisions/0005-lead-counts-kept-by-the-store.md). Each count is
-- split over 16 slots (from the last character of the lead id), so that
-- concurrent submissions of one kind to one grid rarely wait for one row
-- lock; readers add the slots up.
CREATE TABLE lead_counts (
  grid_id     CHAR(36)    NOT NULL,
  team_id     VARCHAR(36) NOT NULL,
  assignee_id VARCHAR(36) NOT NULL,
  kind        VARCHAR(32) NOT NULL,
  status      VARCHAR(16) NOT NULL,
  slot        INT         NOT NULL,
  n           BIGINT      NOT NULL,
  PRIMARY KEY (grid_id, team_id, assignee_id, kind, status, slot)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE INDEX ix_lead_counts_team ON lead_counts (team_id, grid_id);
CREATE INDEX ix_lead_counts_assignee ON lead_counts (assignee_id, grid_id);

-- Cases and debtors managed through the API, and the audit log.
--
-- audit_log is append-only and tamper-evident: every entry carries the
-- SHA-256 of the previous entry's hash and its own canonical encoding.
-- audit_head is one row holding the last sequence number and hash: appends
-- update it in the transaction of the change they record, which serialises
-- them, and it anchors the end of the chain (a deleted last entry shows).
CREATE TABLE audit_log (
  seq          BIGINT       NOT NULL,
  id           CHAR(36)     NOT NULL,
  at           DATETIME(6)  NOT NULL,
  actor_id     VARCHAR(64)  NOT NULL,
  actor_role   VARCHAR(16)  NOT NULL,
  action       VARCHAR(64)  NOT NULL,
  subject_type VARCHAR(32)  NOT NULL,
  subject_id   VARCHAR(64)  NOT NULL,
  detail       TEXT         NOT NULL,
  prev_hash    CHAR(64)     NOT NULL,
  hash         CHAR(64)     NOT NULL,
  PRIMARY KEY (seq)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE UNIQUE INDEX uq_audit_log_id ON audit_log (id);
CREATE INDEX ix_audit_log_action ON audit_log (action, seq);
CREATE INDEX ix_audit_log_subject ON audit_log (subject_id, seq);

CREATE TABLE audit_head (
  id        INT      NOT NULL,
  last_seq  BIGINT   NOT NULL,
  last_hash CHAR(64) NOT NULL,
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
INSERT INTO audit_head (id, last_seq, last_hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Background jobs (an outbox). A job row is written in the same
-- transaction as the change that calls for it (a photo and its
-- photo.process job), so work is never lost, and any instance's workers
-- take jobs with SELECT ... FOR UPDATE SKIP LOCKED. While a job runs,
-- run_after is its lease's end (= leased_until): a job is due when
-- run_after has passed, whether queued (backoff over) or running (its
-- worker died), so one index serves every claim.
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
