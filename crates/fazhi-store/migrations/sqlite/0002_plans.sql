-- Plan tracking (SQLite). Keep in step with migrations/postgres/0002_plans.sql.
CREATE TABLE plans (
    id           INTEGER PRIMARY KEY,
    plan_key     TEXT NOT NULL UNIQUE, -- the document number, or the title when there is none
    doc_number   TEXT,
    title        TEXT NOT NULL,
    issuer       TEXT,
    issued_on    TEXT,
    year         INTEGER NOT NULL,
    created_at   TEXT NOT NULL
);

CREATE TABLE plan_items (
    id               INTEGER PRIMARY KEY,
    plan_id          INTEGER NOT NULL REFERENCES plans(id),
    position         INTEGER NOT NULL,
    number           TEXT NOT NULL,
    title            TEXT NOT NULL,
    body             TEXT NOT NULL,
    deadline         TEXT NOT NULL,
    deadline_source  TEXT NOT NULL,
    closed_on        TEXT,          -- set by the lead unit when it closes the item
    summary          TEXT,
    UNIQUE (plan_id, number)
);

CREATE TABLE plan_milestones (
    id       INTEGER PRIMARY KEY,
    item_id  INTEGER NOT NULL REFERENCES plan_items(id),
    due_on   TEXT NOT NULL,
    text     TEXT NOT NULL
);

-- One row per unit and role on an item; `written` is the name as the notice wrote it.
CREATE TABLE plan_assignments (
    item_id  INTEGER NOT NULL REFERENCES plan_items(id),
    unit_id  INTEGER NOT NULL REFERENCES units(id),
    role     TEXT NOT NULL, -- lead | co_lead | participant
    written  TEXT NOT NULL,
    PRIMARY KEY (item_id, unit_id)
);
CREATE INDEX plan_assignments_unit ON plan_assignments (unit_id);

-- Names the parser could not resolve, kept for a person to map (never dropped silently).
CREATE TABLE plan_unresolved (
    item_id  INTEGER NOT NULL REFERENCES plan_items(id),
    role     TEXT NOT NULL,
    written  TEXT NOT NULL,
    PRIMARY KEY (item_id, role, written)
);

CREATE TABLE progress_reports (
    id           INTEGER PRIMARY KEY,
    item_id      INTEGER NOT NULL REFERENCES plan_items(id),
    unit_id      INTEGER NOT NULL REFERENCES units(id),
    reported_on  TEXT NOT NULL,
    status       TEXT NOT NULL, -- not_started | in_progress | done
    text         TEXT NOT NULL,
    author       TEXT NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX progress_reports_item ON progress_reports (item_id, unit_id, reported_on);
