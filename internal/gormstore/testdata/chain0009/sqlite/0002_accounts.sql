-- Versions for ETags, the county queue, password bookkeeping, sessions with
-- rotating refresh tokens, and the login throttle shared by all instances.
ALTER TABLE grids ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE villages ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE teams ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE teams ADD COLUMN county_queue BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE users ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE users ADD COLUMN password_changed_at DATETIME NULL;

CREATE TABLE sessions (
  id            TEXT     NOT NULL PRIMARY KEY,
  user_id       TEXT     NOT NULL REFERENCES users (id),
  device        TEXT     NOT NULL DEFAULT '',
  created_at    DATETIME NOT NULL,
  last_used_at  DATETIME NOT NULL,
  expires_at    DATETIME NOT NULL,
  revoked_at    DATETIME NULL,
  revoke_reason TEXT     NULL
);
CREATE INDEX ix_sessions_user ON sessions (user_id, revoked_at);

CREATE TABLE refresh_tokens (
  hash           TEXT     NOT NULL PRIMARY KEY,
  session_id     TEXT     NOT NULL REFERENCES sessions (id),
  created_at     DATETIME NOT NULL,
  expires_at     DATETIME NOT NULL,
  spent_at       DATETIME NULL,
  successor_hash TEXT     NULL
);
CREATE INDEX ix_refresh_tokens_session ON refresh_tokens (session_id);

CREATE TABLE login_throttles (
  throttle_key TEXT     NOT NULL PRIMARY KEY,
  failures     INTEGER  NOT NULL,
  window_start DATETIME NOT NULL,
  locked_until DATETIME NULL
);
