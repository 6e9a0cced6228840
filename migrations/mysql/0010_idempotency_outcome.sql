-- An idempotency record holds what the first request did (its outcome and
-- the id of the resource it created or found), not its rendered answer: a
-- replay reads the resource again. The record is no longer a lead's alone:
-- operation names the request its key was used for ("POST /v1/leads").
-- Records finished before this migration keep their replay: the id is read
-- out of the stored answer.
ALTER TABLE idempotency_keys
  ADD COLUMN operation VARCHAR(64) NOT NULL DEFAULT '',
  ADD COLUMN outcome VARCHAR(8) NOT NULL DEFAULT '',
  ADD COLUMN resource_id VARCHAR(36) NOT NULL DEFAULT '';
UPDATE idempotency_keys SET operation = 'POST /v1/leads';
UPDATE idempotency_keys
  SET outcome = CASE status_code WHEN 201 THEN 'created' ELSE 'existing' END,
      resource_id = COALESCE(JSON_UNQUOTE(JSON_EXTRACT(response, '$.id')), '')
  WHERE state = 'done';
ALTER TABLE idempotency_keys DROP COLUMN status_code, DROP COLUMN response;
