-- Triage: who carries a lead, its deadline, and what came of it.
ALTER TABLE leads ADD COLUMN assignee_id CHAR(36) NULL;
ALTER TABLE leads ADD COLUMN due_at DATETIME(6) NULL;
ALTER TABLE leads ADD COLUMN reject_reason VARCHAR(32) NULL;
ALTER TABLE leads ADD COLUMN duplicate_of CHAR(36) NULL;
ALTER TABLE leads ADD COLUMN measure VARCHAR(32) NULL;
ALTER TABLE leads ADD COLUMN measure_date VARCHAR(10) NULL;
ALTER TABLE leads ADD COLUMN outcome VARCHAR(500) NULL;
ALTER TABLE leads ADD COLUMN amount_recovered_fen BIGINT NULL;
CREATE INDEX ix_leads_assignee ON leads (assignee_id, status);
