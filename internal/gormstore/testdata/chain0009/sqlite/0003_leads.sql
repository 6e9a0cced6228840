-- Lead intake: leads with their photos and timeline, the per-year reference
-- counter, durable idempotency records, possible-duplicate flags, and the
-- debtors and cases the wanted list is made of.
CREATE TABLE debtors (
  id             TEXT     NOT NULL,
  kind           TEXT  NOT NULL,
  name           TEXT NOT NULL,
  id_masked      TEXT  NOT NULL DEFAULT '',
  id_cipher      BLOB NULL,
  id_index       TEXT     NULL,
  village_id     TEXT     NULL,
  version        INTEGER          NOT NULL DEFAULT 1,
  created_at     DATETIME  NOT NULL,
  updated_at     DATETIME  NOT NULL,
  PRIMARY KEY (id),
  CONSTRAINT fk_debtors_village FOREIGN KEY (village_id) REFERENCES villages (id)
);
CREATE UNIQUE INDEX uq_debtors_id_index ON debtors (id_index);
CREATE INDEX ix_debtors_village ON debtors (village_id);

CREATE TABLE cases (
  id                   TEXT    NOT NULL,
  number               TEXT NOT NULL,
  category             TEXT NOT NULL DEFAULT 'ordinary',
  status               TEXT NOT NULL DEFAULT 'open',
  amount_due_fen       INTEGER      NOT NULL DEFAULT 0,
  amount_recovered_fen INTEGER      NOT NULL DEFAULT 0,
  version              INTEGER         NOT NULL DEFAULT 1,
  created_at           DATETIME NOT NULL,
  updated_at           DATETIME NOT NULL,
  PRIMARY KEY (id)
);
CREATE UNIQUE INDEX uq_cases_number ON cases (number);

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
  id              TEXT      NOT NULL,
  ref             TEXT   NOT NULL,
  reporter_id     TEXT      NOT NULL,
  grid_id         TEXT      NOT NULL,
  village_id      TEXT      NOT NULL,
  team_id         TEXT      NULL,
  kind            TEXT   NOT NULL,
  status          TEXT   NOT NULL,
  priority        INTEGER           NOT NULL,
  debtor_id       TEXT      NULL,
  debtor_name     TEXT  NULL,
  case_number     TEXT   NULL,
  description     TEXT          NOT NULL,
  lat             REAL        NULL,
  lng             REAL        NULL,
  accuracy_m      REAL        NULL,
  crs             TEXT    NULL,
  location_flag   TEXT   NULL,
  captured_at     DATETIME   NULL,
  received_at     DATETIME   NOT NULL,
  details         TEXT          NOT NULL,
  plate           TEXT   NULL,
  photos_expected INTEGER           NOT NULL,
  photos_received INTEGER           NOT NULL DEFAULT 0,
  content_hash    TEXT      NOT NULL,
  version         INTEGER           NOT NULL DEFAULT 1,
  created_at      DATETIME   NOT NULL,
  updated_at      DATETIME   NOT NULL,
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
CREATE INDEX ix_leads_team ON leads (team_id, status);
CREATE INDEX ix_leads_village ON leads (village_id);

CREATE TABLE lead_photos (
  id            TEXT     NOT NULL,
  lead_id       TEXT     NOT NULL,
  object_key    TEXT NOT NULL,
  thumb_key     TEXT NULL,
  sha256        TEXT     NOT NULL,
  content_type  TEXT  NOT NULL,
  size          INTEGER       NOT NULL,
  width         INTEGER          NOT NULL,
  height        INTEGER          NOT NULL,
  taken_at      DATETIME  NULL,
  gps_lat       REAL       NULL,
  gps_lng       REAL       NULL,
  created_at    DATETIME  NOT NULL,
  PRIMARY KEY (id),
  CONSTRAINT fk_lead_photos_lead FOREIGN KEY (lead_id) REFERENCES leads (id)
);
CREATE INDEX ix_lead_photos_lead ON lead_photos (lead_id, created_at);
CREATE INDEX ix_lead_photos_sha256 ON lead_photos (sha256);

CREATE TABLE lead_events (
  id          TEXT    NOT NULL,
  lead_id     TEXT    NOT NULL,
  actor_id    TEXT    NOT NULL,
  actor_role  TEXT NOT NULL,
  type        TEXT NOT NULL,
  from_status TEXT NULL,
  to_status   TEXT NULL,
  note        TEXT        NULL,
  public      BOOLEAN     NOT NULL,
  at          DATETIME NOT NULL,
  PRIMARY KEY (id),
  CONSTRAINT fk_lead_events_lead FOREIGN KEY (lead_id) REFERENCES leads (id)
);
CREATE INDEX ix_lead_events_lead ON lead_events (lead_id, at);

CREATE TABLE lead_duplicates (
  lead_id  TEXT    NOT NULL,
  other_id TEXT    NOT NULL,
  reason   TEXT NOT NULL,
  PRIMARY KEY (lead_id, other_id, reason),
  CONSTRAINT fk_lead_duplicates_lead FOREIGN KEY (lead_id) REFERENCES leads (id),
  CONSTRAINT fk_lead_duplicates_other FOREIGN KEY (other_id) REFERENCES leads (id)
);
CREATE INDEX ix_lead_duplicates_other ON lead_duplicates (other_id);

CREATE TABLE idempotency_keys (
  user_id      TEXT    NOT NULL,
  idem_key     TEXT NOT NULL,
  request_hash TEXT    NOT NULL,
  state        TEXT  NOT NULL,
  status_code  INTEGER         NOT NULL DEFAULT 0,
  response     TEXT  NULL,
  created_at   DATETIME NOT NULL,
  expires_at   DATETIME NOT NULL,
  PRIMARY KEY (user_id, idem_key)
);
CREATE INDEX ix_idempotency_keys_expires ON idempotency_keys (expires_at);
