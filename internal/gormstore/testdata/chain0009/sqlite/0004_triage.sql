-- Triage: who carries a lead, its deadline, and what came of it.
ALTER TABLE leads ADD COLUMN assignee_id TEXT NULL;
ALTER TABLE leads ADD COLUMN due_at DATETIME NULL;
ALTER TABLE leads ADD COLUMN reject_reason TEXT NULL;
ALTER TABLE leads ADD COLUMN duplicate_of TEXT NULL;
ALTER TABLE leads ADD COLUMN measure TEXT NULL;
ALTER TABLE leads ADD COLUMN measure_date TEXT NULL;
ALTER TABLE leads ADD COLUMN outcome TEXT NULL;
ALTER TABLE leads ADD COLUMN amount_recovered_fen INTEGER NULL;
CREATE INDEX ix_leads_assignee ON leads (assignee_id, status);
