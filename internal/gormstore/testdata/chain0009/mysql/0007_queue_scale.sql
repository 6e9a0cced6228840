-- The queue and the results at a million leads (docs/benchmarks.md,
-- "Queue and results at 1,000,000 leads"): indexes that give the queue
-- order for each filter officers use, per-status counts kept as the leads
-- change, and the acceptance and closing times on the lead itself.

-- When a lead was first accepted, and when it was last closed (NULL unless
-- closed now). The timeline keeps the history; these serve the results.
ALTER TABLE leads ADD COLUMN accepted_at DATETIME(6) NULL;
ALTER TABLE leads ADD COLUMN closed_at DATETIME(6) NULL;
UPDATE leads SET accepted_at = (SELECT MIN(e.at) FROM lead_events e
  WHERE e.lead_id = leads.id AND e.type = 'status_changed' AND e.to_status = 'accepted');
UPDATE leads SET closed_at = (SELECT MAX(e.at) FROM lead_events e
  WHERE e.lead_id = leads.id AND e.type = 'status_changed' AND e.to_status = 'closed')
  WHERE status = 'closed';

-- Queue order (priority, received_at, id) after an equality prefix: a
-- grid's by status (ix_leads_queue, from 0006), and by kind and status; an
-- assignee's by grid and status; a team's by grid and status, so that the
-- team's leads outside its own grids are a range of their own.
ALTER TABLE leads DROP INDEX ix_leads_team, ADD INDEX ix_leads_team (team_id, grid_id, status, priority, received_at, id);
ALTER TABLE leads DROP INDEX ix_leads_assignee, ADD INDEX ix_leads_assignee (assignee_id, grid_id, status, priority, received_at, id);
CREATE INDEX ix_leads_kind ON leads (grid_id, kind, status, priority, received_at, id);
-- Overdue: a grid's accepted leads by due date.
CREATE INDEX ix_leads_due ON leads (grid_id, status, due_at);
-- Results, index-only: a grid's leads received in a range with what the
-- statistics read of them; and its closings in a range with the money.
CREATE INDEX ix_leads_stats ON leads (grid_id, received_at, status, kind, accepted_at, closed_at);
CREATE INDEX ix_leads_closed ON leads (grid_id, status, closed_at, amount_recovered_fen);

-- Leads per grid, team ('' for none), assignee ('' for none), kind and
-- status, for the queue's status counts without counting a grid's leads on
-- every page (the scope alone, or with kinds, an assignee or "unassigned").
-- Triggers keep it exact in the statement that changes a lead. Each count
-- is split over 16 slots (from the last character of the lead id), so that
-- concurrent submissions of one kind to one grid rarely wait for one row
-- lock (a lead's transaction holds it until commit); readers add the slots
-- up.
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
INSERT INTO lead_counts (grid_id, team_id, assignee_id, kind, status, slot, n)
  SELECT grid_id, COALESCE(team_id, ''), COALESCE(assignee_id, ''), kind, status, ASCII(RIGHT(id, 1)) % 16, COUNT(*)
  FROM leads GROUP BY grid_id, COALESCE(team_id, ''), COALESCE(assignee_id, ''), kind, status, ASCII(RIGHT(id, 1)) % 16;
CREATE TRIGGER tr_leads_count_insert AFTER INSERT ON leads FOR EACH ROW
  INSERT INTO lead_counts (grid_id, team_id, assignee_id, kind, status, slot, n)
  VALUES (NEW.grid_id, COALESCE(NEW.team_id, ''), COALESCE(NEW.assignee_id, ''), NEW.kind, NEW.status, ASCII(RIGHT(NEW.id, 1)) % 16, 1)
  ON DUPLICATE KEY UPDATE n = n + 1;
-- One statement for both rows of a change, locking them in key order: two
-- transactions changing leads of one slot in opposite directions (submitted
-- to needs_info and back) then wait for each other instead of deadlocking.
CREATE TRIGGER tr_leads_count_update AFTER UPDATE ON leads FOR EACH ROW
  INSERT INTO lead_counts (grid_id, team_id, assignee_id, kind, status, slot, n)
  SELECT x.g, x.t, x.a, x.k, x.s, x.sl, x.d FROM (
    SELECT OLD.grid_id AS g, COALESCE(OLD.team_id, '') AS t, COALESCE(OLD.assignee_id, '') AS a, OLD.kind AS k,
      OLD.status AS s, ASCII(RIGHT(OLD.id, 1)) % 16 AS sl, -1 AS d
    UNION ALL
    SELECT NEW.grid_id, COALESCE(NEW.team_id, ''), COALESCE(NEW.assignee_id, ''), NEW.kind,
      NEW.status, ASCII(RIGHT(NEW.id, 1)) % 16, 1
  ) AS x
  WHERE NOT (OLD.grid_id <=> NEW.grid_id AND OLD.team_id <=> NEW.team_id AND OLD.assignee_id <=> NEW.assignee_id
    AND OLD.kind <=> NEW.kind AND OLD.status <=> NEW.status)
  ORDER BY x.g, x.t, x.a, x.k, x.s, x.sl
  ON DUPLICATE KEY UPDATE n = n + VALUES(n);
CREATE TRIGGER tr_leads_count_delete AFTER DELETE ON leads FOR EACH ROW
  INSERT INTO lead_counts (grid_id, team_id, assignee_id, kind, status, slot, n)
  VALUES (OLD.grid_id, COALESCE(OLD.team_id, ''), COALESCE(OLD.assignee_id, ''), OLD.kind, OLD.status, ASCII(RIGHT(OLD.id, 1)) % 16, -1)
  ON DUPLICATE KEY UPDATE n = n - 1;
