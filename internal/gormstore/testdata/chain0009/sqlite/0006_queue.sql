-- The officers' queue: a grid's open leads, most urgent first, then oldest.
CREATE INDEX ix_leads_queue ON leads (grid_id, status, priority, received_at, id);
