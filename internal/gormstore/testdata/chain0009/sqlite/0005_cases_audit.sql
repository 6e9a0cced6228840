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
