-- Cases and debtors managed through the API, and the audit log.
--
-- audit_log is append-only and tamper-evident: every entry carries the
-- SHA-256 of the previous entry's hash and its own canonical encoding.
-- audit_head is one row holding the last sequence number and hash: appends
-- update it in the transaction of the change they record, which serialises
-- them, and it anchors the end of the chain (a deleted last entry shows).
CREATE INDEX ix_cases_created ON cases (created_at, id);
CREATE INDEX ix_debtors_name ON debtors (name, id);

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
