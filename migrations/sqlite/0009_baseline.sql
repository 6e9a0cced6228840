-- The schema of the first release: migrations 0001 to 0009 of development
-- squashed into one file; see the MySQL baseline for what each table is
-- for. It creates no triggers. Columns keep the order in which the old
-- files added them, so a database migrated by them and one created from
-- this file are the same.

CREATE TABLE grids (
  id         TEXT     NOT NULL PRIMARY KEY,
  code       TEXT     NOT NULL,
  name       TEXT     NOT NULL,
  pinyin     TEXT     NOT NULL DEFAULT '',
  kind       TEXT     NOT NULL DEFAULT 'town',
  created_at DATETIME NOT NULL,
  updated_at DATETIME NOT NULL,
  version    INTEGER  NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX uq_grids_code ON grids (code);

CREATE TABLE villages (
  id         TEXT     NOT NULL PRIMARY KEY,
  grid_id    TEXT     NOT NULL REFERENCES grids (id),
  code       TEXT     NULL,
  name       TEXT     NOT NULL,
  created_at DATETIME NOT NULL,
  updated_at DATETIME NOT NULL,
  version    INTEGER  NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX uq_villages_code ON villages (code);
CREATE UNIQUE INDEX uq_villages_grid_name ON villages (grid_id, name);

CREATE TABLE teams (
  id           TEXT     NOT NULL PRIMARY KEY,
  name         TEXT     NOT NULL,
  created_at   DATETIME NOT NULL,
  updated_at   DATETIME NOT NULL,
  version      INTEGER  NOT NULL DEFAULT 1,
  county_queue BOOLEAN  NOT NULL DEFAULT FALSE
);
CREATE UNIQUE INDEX uq_teams_name ON teams (name);

CREATE TABLE team_grids (
  team_id TEXT NOT NULL REFERENCES teams (id),
  grid_id TEXT NOT NULL REFERENCES grids (id),
  PRIMARY KEY (team_id, grid_id)
);
CREATE UNIQUE INDEX uq_team_grids_grid ON team_grids (grid_id);

CREATE TABLE users (
  id                   TEXT     NOT NULL PRIMARY KEY,
  phone                TEXT     NOT NULL,
  name                 TEXT     NOT NULL,
  role                 TEXT     NOT NULL,
  status               TEXT     NOT NULL DEFAULT 'active',
  village_id           TEXT     NULL REFERENCES villages (id),
  team_id              TEXT     NULL REFERENCES teams (id),
  password_hash        TEXT     NOT NULL,
  must_change_password BOOLEAN  NOT NULL DEFAULT FALSE,
  created_at           DATETIME NOT NULL,
  updated_at           DATETIME NOT NULL,
  version              INTEGER  NOT NULL DEFAULT 1,
  password_changed_at  DATETIME NULL
);
CREATE UNIQUE INDEX uq_users_phone ON users (phone);
CREATE INDEX ix_users_village ON users (village_id);
CREATE INDEX ix_users_team ON users (team_id);
CREATE INDEX ix_users_role ON users (role, status);

CREATE TABLE sessions (
  id            TEXT     NOT NULL PRIMARY KEY,
  user_id       TEXT     NOT NULL REFERENCES users (id),
  device        TEXT     NOT NULL DEFAULT '',
  created_at    DATETIME NOT NULL,
  last_used_at  DATETIME NOT NULL,
  expires_at    DATETIME NOT NULL,
  revoked_at    DATETIME NULL,
  revoke_reason TEXT     NULL
);
CREATE INDEX ix_sessions_user ON sessions (user_id, revoked_at);

CREATE TABLE refresh_tokens (
  hash           TEXT     NOT NULL PRIMARY KEY,
  session_id     TEXT     NOT NULL REFERENCES sessions (id),
  created_at     DATETIME NOT NULL,
  expires_at     DATETIME NOT NULL,
  spent_at       DATETIME NULL,
  successor_hash TEXT     NULL
);
CREATE INDEX ix_refresh_tokens_session ON refresh_tokens (session_id);

CREATE TABLE login_throttles (
  throttle_key TEXT     NOT NULL PRIMARY KEY,
  failures     INTEGER  NOT NULL,
  window_start DATETIME NOT NULL,
  locked_until DATETIME NULL
);

CREATE TABLE debtors (
  id         TEXT     NOT NULL,
  kind       TEXT     NOT NULL,
  name       TEXT     NOT NULL,
  id_masked  TEXT     NOT NULL DEFAULT '',
  id_cipher  BLOB     NULL,
  id_index   TEXT     NULL,
  village_id TEXT     NULL,
  version    INTEGER  NOT NULL DEFAULT 1,
  created_at DATETIME NOT NULL,
  updated_at DATETIME NOT NULL,
  PRIMARY KEY (id),
  CONSTRAINT fk_debtors_village FOREIGN KEY (village_id) REFERENCES villages (id)
);
CREATE UNIQUE INDEX uq_debtors_id_index ON debtors (id_index);
CREATE INDEX ix_debtors_village ON debtors (village_id);
CREATE INDEX ix_debtors_name ON debtors (name, id);

CREATE TABLE cases (
  id                   TEXT     NOT NULL,
  number               TEXT     NOT NULL,
  category             TEXT     NOT NULL DEFAULT 'ordinary',
  status               TEXT     NOT NULL DEFAULT 'open',
  amount_due_fen       INTEGER  NOT NULL DEFAULT 0,
  amount_recovered_fen INTEGER  NOT NULL DEFAULT 0,
  version              INTEGER  NOT NULL DEFAULT 1,
  created_at           DATETIME NOT NULL,
  updated_at           DATETIME NOT NULL,
  PRIMARY KEY (id)
);
CREATE UNIQUE INDEX uq_cases_number ON cases (number);
CREATE INDEX ix_cases_created ON cases (created_at, id);

CREATE TABLE case_debtors (
  case_id   TEXT NOT NULL,
  debtor_id TEXT NOT NULL,
  PRIMARY KEY (case_id, debtor_id),
  CONSTRAINT fk_case_debtors_case FOREIGN KEY (case_id) REFERENCES cases (id),
  CONSTRAINT fk_case_debtors_debtor FOREIGN KEY (debtor_id) REFERENCES debtors (id)
);
CREATE INDEX ix_case_debtors_debtor ON case_debtors (debtor_id);

CREATE TABLE lead_sequences (
  year     INTEGER NOT NULL,
  last_seq INTEGER NOT NULL,
  PRIMARY KEY (year)
);

CREATE TABLE leads (
  id                   TEXT     NOT NULL,
  ref                  TEXT     NOT NULL,
  reporter_id          TEXT     NOT NULL,
  grid_id              TEXT     NOT NULL,
  village_id           TEXT     NOT NULL,
  team_id              TEXT     NULL,
  kind                 TEXT     NOT NULL,
  status               TEXT     NOT NULL,
  priority             INTEGER  NOT NULL,
  debtor_id            TEXT     NULL,
  debtor_name          TEXT     NULL,
  case_number          TEXT     NULL,
  description          TEXT     NOT NULL,
  lat                  REAL     NULL,
  lng                  REAL     NULL,
  accuracy_m           REAL     NULL,
  crs                  TEXT     NULL,
  location_flag        TEXT     NULL,
  captured_at          DATETIME NULL,
  received_at          DATETIME NOT NULL,
  details              TEXT     NOT NULL,
  plate                TEXT     NULL,
  photos_expected      INTEGER  NOT NULL,
  photos_received      INTEGER  NOT NULL DEFAULT 0,
  content_hash         TEXT     NOT NULL,
  version              INTEGER  NOT NULL DEFAULT 1,
  created_at           DATETIME NOT NULL,
  updated_at           DATETIME NOT NULL,
  assignee_id          TEXT     NULL,
  due_at               DATETIME NULL,
  reject_reason        TEXT     NULL,
  duplicate_of         TEXT     NULL,
  measure              TEXT     NULL,
  measure_date         TEXT     NULL,
  outcome              TEXT     NULL,
  amount_recovered_fen INTEGER  NULL,
  accepted_at          DATETIME NULL,
  closed_at            DATETIME NULL,
  PRIMARY KEY (id),
  CONSTRAINT fk_leads_reporter FOREIGN KEY (reporter_id) REFERENCES users (id),
  CONSTRAINT fk_leads_grid FOREIGN KEY (grid_id) REFERENCES grids (id),
  CONSTRAINT fk_leads_village FOREIGN KEY (village_id) REFERENCES villages (id),
  CONSTRAINT fk_leads_team FOREIGN KEY (team_id) REFERENCES teams (id),
  CONSTRAINT fk_leads_debtor FOREIGN KEY (debtor_id) REFERENCES debtors (id)
);
CREATE UNIQUE INDEX uq_leads_ref ON leads (ref);
CREATE INDEX ix_leads_reporter ON leads (reporter_id, received_at, id);
CREATE INDEX ix_leads_grid ON leads (grid_id, received_at, id);
CREATE INDEX ix_leads_debtor ON leads (debtor_id, kind, received_at);
CREATE INDEX ix_leads_plate ON leads (plate);
CREATE INDEX ix_leads_village ON leads (village_id);
CREATE INDEX ix_leads_queue ON leads (grid_id, status, priority, received_at, id);
CREATE INDEX ix_leads_team ON leads (team_id, grid_id, status, priority, received_at, id);
CREATE INDEX ix_leads_assignee ON leads (assignee_id, grid_id, status, priority, received_at, id);
CREATE INDEX ix_leads_kind ON leads (grid_id, kind, status, priority, received_at, id);
CREATE INDEX ix_leads_due ON leads (grid_id, status, due_at);
CREATE INDEX ix_leads_stats ON leads (grid_id, received_at, status, kind, accepted_at, closed_at);
CREATE INDEX ix_leads_closed ON leads (grid_id, status, closed_at, amount_recovered_fen);

CREATE TABLE lead_photos (
  id               TEXT     NOT NULL,
  lead_id          TEXT     NOT NULL,
  object_key       TEXT     NOT NULL,
  thumb_key        TEXT     NULL,
  sha256           TEXT     NOT NULL,
  content_type     TEXT     NOT NULL,
  size             INTEGER  NOT NULL,
  width            INTEGER  NOT NULL,
  height           INTEGER  NOT NULL,
  taken_at         DATETIME NULL,
  gps_lat          REAL     NULL,
  gps_lng          REAL     NULL,
  created_at       DATETIME NOT NULL,
  processing       TEXT     NOT NULL DEFAULT 'done',
  processing_error TEXT     NULL,
  PRIMARY KEY (id),
  CONSTRAINT fk_lead_photos_lead FOREIGN KEY (lead_id) REFERENCES leads (id)
);
CREATE INDEX ix_lead_photos_lead ON lead_photos (lead_id, created_at);
CREATE INDEX ix_lead_photos_sha256 ON lead_photos (sha256);

CREATE TABLE lead_events (
  id          TEXT     NOT NULL,
  lead_id     TEXT     NOT NULL,
  actor_id    TEXT     NOT NULL,
  actor_role  TEXT     NOT NULL,
  type        TEXT     NOT NULL,
  from_status TEXT     NULL,
  to_status   TEXT     NULL,
  note        TEXT     NULL,
  public      BOOLEAN  NOT NULL,
  at          DATETIME NOT NULL,
  PRIMARY KEY (id),
  CONSTRAINT fk_lead_events_lead FOREIGN KEY (lead_id) REFERENCES leads (id)
);
CREATE INDEX ix_lead_events_lead ON lead_events (lead_id, at);

CREATE TABLE lead_duplicates (
  lead_id  TEXT NOT NULL,
  other_id TEXT NOT NULL,
  reason   TEXT NOT NULL,
  PRIMARY KEY (lead_id, other_id, reason),
  CONSTRAINT fk_lead_duplicates_lead FOREIGN KEY (lead_id) REFERENCES leads (id),
  CONSTRAINT fk_lead_duplicates_other FOREIGN KEY (other_id) REFERENCES leads (id)
);
CREATE INDEX ix_lead_duplicates_other ON lead_duplicates (other_id);

CREATE TABLE idempotency_keys (
  user_id      TEXT     NOT NULL,
  idem_key     TEXT     NOT NULL,
  request_hash TEXT     NOT NULL,
  state        TEXT     NOT NULL,
  status_code  INTEGER  NOT NULL DEFAULT 0,
  response     TEXT     NULL,
  created_at   DATETIME NOT NULL,
  expires_at   DATETIME NOT NULL,
  PRIMARY KEY (user_id, idem_key)
);
CREATE INDEX ix_idempotency_keys_expires ON idempotency_keys (expires_at);

CREATE TABLE lead_counts (
  grid_id     TEXT    NOT NULL,
  team_id     TEXT    NOT NULL,
  assignee_id TEXT    NOT NULL,
  kind        TEXT    NOT NULL,
  status      TEXT    NOT NULL,
  slot        INTEGER NOT NULL,
  n           INTEGER NOT NULL,
  PRIMARY KEY (grid_id, team_id, assignee_id, kind, status, slot)
);
CREATE INDEX ix_lead_counts_team ON lead_counts (team_id, grid_id);
CREATE INDEX ix_lead_counts_assignee ON lead_counts (assignee_id, grid_id);

CREATE TABLE audit_log (
  seq          INTEGER  NOT NULL,
  id           TEXT     NOT NULL,
  at           DATETIME NOT NULL,
  actor_id     TEXT     NOT NULL,
  actor_role   TEXT     NOT NULL,
  action       TEXT     NOT NULL,
  subject_type TEXT     NOT NULL,
  subject_id   TEXT     NOT NULL,
  detail       TEXT     NOT NULL,
  prev_hash    TEXT     NOT NULL,
  hash         TEXT     NOT NULL,
  PRIMARY KEY (seq)
);
CREATE UNIQUE INDEX uq_audit_log_id ON audit_log (id);
CREATE INDEX ix_audit_log_action ON audit_log (action, seq);
CREATE INDEX ix_audit_log_subject ON audit_log (subject_id, seq);

CREATE TABLE audit_head (
  id        INTEGER NOT NULL,
  last_seq  INTEGER NOT NULL,
  last_hash TEXT    NOT NULL,
  PRIMARY KEY (id)
);
INSERT INTO audit_head (id, last_seq, last_hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

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
