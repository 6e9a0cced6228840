-- lead_counts is kept by the store from now on (internal/gormstore/counts.go),
-- in the transaction of every change of a lead, instead of by the triggers of
-- 0007: DESIGN §7 keeps the SQL portable to MySQL-compatible databases
-- without triggers. The counts the triggers kept are exact and stay.
DROP TRIGGER IF EXISTS tr_leads_count_insert;
DROP TRIGGER IF EXISTS tr_leads_count_update;
DROP TRIGGER IF EXISTS tr_leads_count_delete;
