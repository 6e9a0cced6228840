-- Grids (townships), villages, enforcement teams, the routing table and users.
CREATE TABLE grids (
  id         TEXT    NOT NULL PRIMARY KEY,
  code       TEXT    NOT NULL,
  name       TEXT    NOT NULL,
  pinyin     TEXT    NOT NULL DEFAULT '',
  kind       TEXT    NOT NULL DEFAULT 'town',
  created_at DATETIME NOT NULL,
  updated_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX uq_grids_code ON grids (code);

CREATE TABLE villages (
  id         TEXT     NOT NULL PRIMARY KEY,
  grid_id    TEXT     NOT NULL REFERENCES grids (id),
  code       TEXT     NULL,
  name       TEXT     NOT NULL,
  created_at DATETIME NOT NULL,
  updated_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX uq_villages_code ON villages (code);
CREATE UNIQUE INDEX uq_villages_grid_name ON villages (grid_id, name);

CREATE TABLE teams (
  id         TEXT     NOT NULL PRIMARY KEY,
  name       TEXT     NOT NULL,
  created_at DATETIME NOT NULL,
  updated_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX uq_teams_name ON teams (name);

-- The routing table: each grid is served by at most one team.
CREATE TABLE team_grids (
  team_id TEXT NOT NULL REFERENCES teams (id),
  grid_id TEXT NOT NULL REFERENCES grids (id),
  PRIMARY KEY (team_id, grid_id)
);
CREATE UNIQUE INDEX uq_team_grids_grid ON team_grids (grid_id);

CREATE TABLE users (
  id                   TEXT     NOT NULL PRIMARY KEY,
  phone                TEXT     NOT NULL,
  name                 TEXT     NOT NULL,
  role                 TEXT     NOT NULL,
  status               TEXT     NOT NULL DEFAULT 'active',
  village_id           TEXT     NULL REFERENCES villages (id),
  team_id              TEXT     NULL REFERENCES teams (id),
  password_hash        TEXT     NOT NULL,
  must_change_password BOOLEAN  NOT NULL DEFAULT FALSE,
  created_at           DATETIME NOT NULL,
  updated_at           DATETIME NOT NULL
);
CREATE UNIQUE INDEX uq_users_phone ON users (phone);
CREATE INDEX ix_users_village ON users (village_id);
CREATE INDEX ix_users_team ON users (team_id);
CREATE INDEX ix_users_role ON users (role, status);
