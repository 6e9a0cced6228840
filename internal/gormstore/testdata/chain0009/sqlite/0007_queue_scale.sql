-- The queue and the results at a million leads: see the MySQL migration of
-- the same number for why. Trigger bodies stay on one line (the migration
-- runner splits statements at a semicolon that ends a line).

ALTER TABLE leads ADD COLUMN accepted_at DATETIME NULL;
ALTER TABLE leads ADD COLUMN closed_at DATETIME NULL;
UPDATE leads SET accepted_at = (SELECT MIN(e.at) FROM lead_events e
  WHERE e.lead_id = leads.id AND e.type = 'status_changed' AND e.to_status = 'accepted');
UPDATE leads SET closed_at = (SELECT MAX(e.at) FROM lead_events e
  WHERE e.lead_id = leads.id AND e.type = 'status_changed' AND e.to_status = 'closed')
  WHERE status = 'closed';

DROP INDEX ix_leads_team;
CREATE INDEX ix_leads_team ON leads (team_id, grid_id, status, priority, received_at, id);
DROP INDEX ix_leads_assignee;
CREATE INDEX ix_leads_assignee ON leads (assignee_id, grid_id, status, priority, received_at, id);
CREATE INDEX ix_leads_kind ON leads (grid_id, kind, status, priority, received_at, id);
CREATE INDEX ix_leads_due ON leads (grid_id, status, due_at);
CREATE INDEX ix_leads_stats ON leads (grid_id, received_at, status, kind, accepted_at, closed_at);
CREATE INDEX ix_leads_closed ON leads (grid_id, status, closed_at, amount_recovered_fen);

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
INSERT INTO lead_counts (grid_id, team_id, assignee_id, kind, status, slot, n)
  SELECT grid_id, COALESCE(team_id, ''), COALESCE(assignee_id, ''), kind, status, unicode(substr(id, -1)) % 16, COUNT(*)
  FROM leads GROUP BY grid_id, COALESCE(team_id, ''), COALESCE(assignee_id, ''), kind, status, unicode(substr(id, -1)) % 16;
CREATE TRIGGER tr_leads_count_insert AFTER INSERT ON leads FOR EACH ROW BEGIN INSERT INTO lead_counts (grid_id, team_id, assignee_id, kind, status, slot, n) VALUES (NEW.grid_id, COALESCE(NEW.team_id, ''), COALESCE(NEW.assignee_id, ''), NEW.kind, NEW.status, unicode(substr(NEW.id, -1)) % 16, 1) ON CONFLICT (grid_id, team_id, assignee_id, kind, status, slot) DO UPDATE SET n = n + 1; END;
CREATE TRIGGER tr_leads_count_update AFTER UPDATE OF grid_id, team_id, assignee_id, kind, status ON leads FOR EACH ROW WHEN NOT (OLD.grid_id IS NEW.grid_id AND OLD.team_id IS NEW.team_id AND OLD.assignee_id IS NEW.assignee_id AND OLD.kind IS NEW.kind AND OLD.status IS NEW.status) BEGIN INSERT INTO lead_counts (grid_id, team_id, assignee_id, kind, status, slot, n) VALUES (OLD.grid_id, COALESCE(OLD.team_id, ''), COALESCE(OLD.assignee_id, ''), OLD.kind, OLD.status, unicode(substr(OLD.id, -1)) % 16, -1) ON CONFLICT (grid_id, team_id, assignee_id, kind, status, slot) DO UPDATE SET n = n - 1; INSERT INTO lead_counts (grid_id, team_id, assignee_id, kind, status, slot, n) VALUES (NEW.grid_id, COALESCE(NEW.team_id, ''), COALESCE(NEW.assignee_id, ''), NEW.kind, NEW.status, unicode(substr(NEW.id, -1)) % 16, 1) ON CONFLICT (grid_id, team_id, assignee_id, kind, status, slot) DO UPDATE SET n = n + 1; END;
CREATE TRIGGER tr_leads_count_delete AFTER DELETE ON leads FOR EACH ROW BEGIN INSERT INTO lead_counts (grid_id, team_id, assignee_id, kind, status, slot, n) VALUES (OLD.grid_id, COALESCE(OLD.team_id, ''), COALESCE(OLD.assignee_id, ''), OLD.kind, OLD.status, unicode(substr(OLD.id, -1)) % 16, -1) ON CONFLICT (grid_id, team_id, assignee_id, kind, status, slot) DO UPDATE SET n = n - 1; END;
