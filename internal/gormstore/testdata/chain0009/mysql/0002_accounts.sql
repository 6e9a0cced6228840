-- Versions for ETags, the county queue, password bookkeeping, sessions with
-- rotating refresh tokens, and the login throttle shared by all instances.
ALTER TABLE grids ADD COLUMN version INT NOT NULL DEFAULT 1;
ALTER TABLE villages ADD COLUMN version INT NOT NULL DEFAULT 1;
ALTER TABLE teams ADD COLUMN version INT NOT NULL DEFAULT 1;
ALTER TABLE teams ADD COLUMN county_queue BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE users ADD COLUMN version INT NOT NULL DEFAULT 1;
ALTER TABLE users ADD COLUMN password_changed_at DATETIME(6) NULL;

CREATE TABLE sessions (
  id            CHAR(36)     NOT NULL,
  user_id       CHAR(36)     NOT NULL,
  device        VARCHAR(128) NOT NULL DEFAULT '',
  created_at    DATETIME(6)  NOT NULL,
  last_used_at  DATETIME(6)  NOT NULL,
  expires_at    DATETIME(6)  NOT NULL,
  revoked_at    DATETIME(6)  NULL,
  revoke_reason VARCHAR(16)  NULL,
  PRIMARY KEY (id),
  CONSTRAINT fk_sessions_user FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE INDEX ix_sessions_user ON sessions (user_id, revoked_at);

CREATE TABLE refresh_tokens (
  hash           CHAR(64)    NOT NULL,
  session_id     CHAR(36)    NOT NULL,
  created_at     DATETIME(6) NOT NULL,
  expires_at     DATETIME(6) NOT NULL,
  spent_at       DATETIME(6) NULL,
  successor_hash CHAR(64)    NULL,
  PRIMARY KEY (hash),
  CONSTRAINT fk_refresh_tokens_session FOREIGN KEY (session_id) REFERENCES sessions (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE INDEX ix_refresh_tokens_session ON refresh_tokens (session_id);

CREATE TABLE login_throttles (
  throttle_key VARCHAR(80) NOT NULL,
  failures     INT         NOT NULL,
  window_start DATETIME(6) NOT NULL,
  locked_until DATETIME(6) NULL,
  PRIMARY KEY (throttle_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
