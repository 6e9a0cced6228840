-- Grids (townships), villages, enforcement teams, the routing table and users.
CREATE TABLE grids (
  id         CHAR(36)    NOT NULL,
  code       VARCHAR(12) NOT NULL,
  name       VARCHAR(64) NOT NULL,
  pinyin     VARCHAR(64) NOT NULL DEFAULT '',
  kind       VARCHAR(16) NOT NULL DEFAULT 'town',
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE UNIQUE INDEX uq_grids_code ON grids (code);

CREATE TABLE villages (
  id         CHAR(36)    NOT NULL,
  grid_id    CHAR(36)    NOT NULL,
  code       VARCHAR(12) NULL,
  name       VARCHAR(64) NOT NULL,
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  PRIMARY KEY (id),
  CONSTRAINT fk_villages_grid FOREIGN KEY (grid_id) REFERENCES grids (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE UNIQUE INDEX uq_villages_code ON villages (code);
CREATE UNIQUE INDEX uq_villages_grid_name ON villages (grid_id, name);

CREATE TABLE teams (
  id         CHAR(36)     NOT NULL,
  name       VARCHAR(128) NOT NULL,
  created_at DATETIME(6)  NOT NULL,
  updated_at DATETIME(6)  NOT NULL,
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE UNIQUE INDEX uq_teams_name ON teams (name);

-- The routing table: each grid is served by at most one team.
CREATE TABLE team_grids (
  team_id CHAR(36) NOT NULL,
  grid_id CHAR(36) NOT NULL,
  PRIMARY KEY (team_id, grid_id),
  CONSTRAINT fk_team_grids_team FOREIGN KEY (team_id) REFERENCES teams (id),
  CONSTRAINT fk_team_grids_grid FOREIGN KEY (grid_id) REFERENCES grids (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE UNIQUE INDEX uq_team_grids_grid ON team_grids (grid_id);

CREATE TABLE users (
  id                   CHAR(36)     NOT NULL,
  phone                VARCHAR(11)  NOT NULL,
  name                 VARCHAR(64)  NOT NULL,
  role                 VARCHAR(16)  NOT NULL,
  status               VARCHAR(16)  NOT NULL DEFAULT 'active',
  village_id           CHAR(36)     NULL,
  team_id              CHAR(36)     NULL,
  password_hash        VARCHAR(255) NOT NULL,
  must_change_password BOOLEAN      NOT NULL DEFAULT FALSE,
  created_at           DATETIME(6)  NOT NULL,
  updated_at           DATETIME(6)  NOT NULL,
  PRIMARY KEY (id),
  CONSTRAINT fk_users_village FOREIGN KEY (village_id) REFERENCES villages (id),
  CONSTRAINT fk_users_team FOREIGN KEY (team_id) REFERENCES teams (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE UNIQUE INDEX uq_users_phone ON users (phone);
CREATE INDEX ix_users_village ON users (village_id);
CREATE INDEX ix_users_team ON users (team_id);
CREATE INDEX ix_users_role ON users (role, status);
