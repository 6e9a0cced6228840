-- Lead intake: leads with their photos and timeline, the per-year reference
-- counter, durable idempotency records, possible-duplicate flags, and the
-- debtors and cases the wanted list is made of.
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

CREATE TABLE case_debtors (
  case_id   CHAR(36) NOT NULL,
  debtor_id CHAR(36) NOT NULL,
  PRIMARY KEY (case_id, debtor_id),
  CONSTRAINT fk_case_debtors_case FOREIGN KEY (case_id) REFERENCES cases (id),
  CONSTRAINT fk_case_debtors_debtor FOREIGN KEY (debtor_id) REFERENCES debtors (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE INDEX ix_case_debtors_debtor ON case_debtors (debtor_id);

CREATE TABLE lead_sequences (
  year     INT NOT NULL,
  last_seq INT NOT NULL,
  PRIMARY KEY (year)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE leads (
  id              CHAR(36)      NOT NULL,
  ref             VARCHAR(20)   NOT NULL,
  reporter_id     CHAR(36)      NOT NULL,
  grid_id         CHAR(36)      NOT NULL,
  village_id      CHAR(36)      NOT NULL,
  team_id         CHAR(36)      NULL,
  kind            VARCHAR(32)   NOT NULL,
  status          VARCHAR(16)   NOT NULL,
  priority        INT           NOT NULL,
  debtor_id       CHAR(36)      NULL,
  debtor_name     VARCHAR(128)  NULL,
  case_number     VARCHAR(64)   NULL,
  description     TEXT          NOT NULL,
  lat             DOUBLE        NULL,
  lng             DOUBLE        NULL,
  accuracy_m      DOUBLE        NULL,
  crs             VARCHAR(8)    NULL,
  location_flag   VARCHAR(16)   NULL,
  captured_at     DATETIME(6)   NULL,
  received_at     DATETIME(6)   NOT NULL,
  details         TEXT          NOT NULL,
  plate           VARCHAR(16)   NULL,
  photos_expected INT           NOT NULL,
  photos_received INT           NOT NULL DEFAULT 0,
  content_hash    CHAR(64)      NOT NULL,
  version         INT           NOT NULL DEFAULT 1,
  created_at      DATETIME(6)   NOT NULL,
  updated_at      DATETIME(6)   NOT NULL,
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
CREATE INDEX ix_leads_team ON leads (team_id, status);
CREATE INDEX ix_leads_village ON leads (village_id);

CREATE TABLE lead_photos (
  id            CHAR(36)     NOT NULL,
  lead_id       CHAR(36)     NOT NULL,
  object_key    VARCHAR(255) NOT NULL,
  thumb_key     VARCHAR(255) NULL,
  sha256        CHAR(64)     NOT NULL,
  content_type  VARCHAR(32)  NOT NULL,
  size          BIGINT       NOT NULL,
  width         INT          NOT NULL,
  height        INT          NOT NULL,
  taken_at      DATETIME(6)  NULL,
  gps_lat       DOUBLE       NULL,
  gps_lng       DOUBLE       NULL,
  created_at    DATETIME(6)  NOT NULL,
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
