-- Cases of statutory procedures (SQLite). Keep in step with migrations/postgres/0004_cases.sql.
CREATE TABLE cases (
    id          INTEGER PRIMARY KEY,
    procedure   TEXT NOT NULL,
    version     TEXT NOT NULL,
    unit_id     INTEGER NOT NULL REFERENCES units(id),
    opened_on   TEXT NOT NULL,
    step        TEXT NOT NULL,
    closed_on   TEXT,
    outcome     TEXT,
    major       INTEGER NOT NULL DEFAULT 0,
    -- fazhi_procedure::CaseState as JSON, personal values replaced by a marker (see case_personal)
    state       TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX cases_unit ON cases (unit_id, closed_on);
CREATE INDEX cases_procedure ON cases (procedure, opened_on);

-- Names and contacts of private persons, kept apart so that only the handling unit and its
-- supervisors read them, each read on the audit trail.
CREATE TABLE case_personal (
    case_id  INTEGER NOT NULL REFERENCES cases(id),
    field    TEXT NOT NULL,
    value    TEXT NOT NULL,
    PRIMARY KEY (case_id, field)
);

-- The case's current deadlines, recomputed after every action; the sweep reads only this.
CREATE TABLE case_deadlines (
    case_id    INTEGER NOT NULL REFERENCES cases(id),
    key        TEXT NOT NULL,
    unit_id    INTEGER NOT NULL REFERENCES units(id),
    rule_id    TEXT NOT NULL,
    due        TEXT,
    warn_from  TEXT,
    open       INTEGER NOT NULL, -- 1 while the case is open and the deadline is running
    PRIMARY KEY (case_id, key)
);
CREATE INDEX case_deadlines_sweep ON case_deadlines (open, warn_from);

CREATE TABLE case_links (
    from_case  INTEGER NOT NULL REFERENCES cases(id),
    to_case    INTEGER NOT NULL REFERENCES cases(id),
    link       TEXT NOT NULL,
    PRIMARY KEY (from_case, to_case)
);

-- Due-soon warnings (for the responsible unit) and overdue alarms (for its supervisors).
-- One row per case, deadline, due date and kind: a second sweep raises nothing twice.
CREATE TABLE alerts (
    id            INTEGER PRIMARY KEY,
    case_id       INTEGER NOT NULL REFERENCES cases(id),
    unit_id       INTEGER NOT NULL REFERENCES units(id),
    deadline_key  TEXT NOT NULL,
    due           TEXT NOT NULL,
    kind          TEXT NOT NULL, -- warning | alarm
    raised_on     TEXT NOT NULL,
    UNIQUE (case_id, deadline_key, due, kind)
);
CREATE INDEX alerts_unit ON alerts (unit_id, kind);

CREATE TABLE accountability (
    id          INTEGER PRIMARY KEY,
    case_id     INTEGER NOT NULL REFERENCES cases(id),
    unit_id     INTEGER NOT NULL REFERENCES units(id),
    opened_by   TEXT NOT NULL,
    person      TEXT NOT NULL, -- the official held responsible
    failure     TEXT NOT NULL, -- what went wrong
    decision    TEXT NOT NULL, -- the decision taken (criticism, warning, …)
    decided_on  TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

-- One sweep per period across every process sharing the database.
CREATE TABLE sweep_runs (
    period   TEXT PRIMARY KEY,
    ran_at   TEXT NOT NULL,
    node     TEXT NOT NULL,
    warnings INTEGER NOT NULL,
    alarms   INTEGER NOT NULL
);
