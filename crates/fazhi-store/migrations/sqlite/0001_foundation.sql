-- Foundation schema (SQLite). Keep in step with migrations/postgres/0001_foundation.sql:
-- the same tables, columns and meanings; only the dialect differs.
CREATE TABLE units (
    id          INTEGER PRIMARY KEY,
    key         TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL UNIQUE,
    name_en     TEXT NOT NULL,
    kind        TEXT NOT NULL,
    parent_id   INTEGER REFERENCES units(id),
    created_at  TEXT NOT NULL
);

CREATE TABLE unit_aliases (
    alias       TEXT PRIMARY KEY,
    unit_id     INTEGER NOT NULL REFERENCES units(id),
    source      TEXT NOT NULL -- 'directory' (from the data file) or 'mapping' (remembered from a person)
);

CREATE TABLE unit_groups (
    key         TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    definition  TEXT NOT NULL -- JSON of fazhi_org::GroupDef
);

CREATE TABLE unit_profiles (
    unit_id       INTEGER PRIMARY KEY REFERENCES units(id),
    address       TEXT NOT NULL DEFAULT '',
    phone         TEXT NOT NULL DEFAULT '',
    office_hours  TEXT NOT NULL DEFAULT '',
    disclosure_contact TEXT NOT NULL DEFAULT '',
    updated_at    TEXT NOT NULL
);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    unit_id       INTEGER NOT NULL REFERENCES units(id),
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL
);

CREATE TABLE user_roles (
    user_id        INTEGER NOT NULL REFERENCES users(id),
    role           TEXT NOT NULL,
    scope_unit_id  INTEGER REFERENCES units(id), -- NULL: all units
    PRIMARY KEY (user_id, role)
);

CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    csrf_token  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);

CREATE TABLE api_tokens (
    id          INTEGER PRIMARY KEY,
    token_hash  TEXT NOT NULL UNIQUE,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    name        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    revoked_at  TEXT
);

CREATE TABLE login_attempts (
    id        INTEGER PRIMARY KEY,
    username  TEXT NOT NULL,
    ip        TEXT NOT NULL,
    at        TEXT NOT NULL,
    success   INTEGER NOT NULL
);
CREATE INDEX login_attempts_user_at ON login_attempts (username, at);
CREATE INDEX login_attempts_ip_at ON login_attempts (ip, at);

-- The audit trail is append-only: the application never updates or deletes a row, and each
-- row's hash covers the previous row's hash, so an edit, deletion or reordering breaks the chain.
CREATE TABLE audit_log (
    seq          INTEGER PRIMARY KEY,
    at           TEXT NOT NULL,
    actor        TEXT NOT NULL,
    unit_key     TEXT,
    action       TEXT NOT NULL,
    entity       TEXT NOT NULL,
    entity_id    TEXT NOT NULL,
    before_json  TEXT,
    after_json   TEXT,
    prev_hash    TEXT NOT NULL,
    hash         TEXT NOT NULL
);
-- The head row records the last sequence and hash so that removing the newest entries is seen too.
CREATE TABLE audit_head (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    seq   INTEGER NOT NULL,
    hash  TEXT NOT NULL
);
