-- Decided administrative penalties judged against the discretion benchmarks (SQLite).
-- Keep in step with migrations/postgres/0005_penalties.sql.
CREATE TABLE penalties (
    id                     INTEGER PRIMARY KEY,
    unit_id                INTEGER NOT NULL REFERENCES units(id),
    benchmark              TEXT NOT NULL,
    version                TEXT NOT NULL,     -- the benchmark version's first day in force
    case_number            TEXT NOT NULL,     -- 决定书文号
    violation_date         TEXT NOT NULL,
    decision_date          TEXT NOT NULL,
    discovered_date        TEXT NOT NULL,
    facts                  TEXT NOT NULL,     -- JSON: the facts as given, name → value
    tier                   TEXT NOT NULL,
    level                  TEXT NOT NULL,
    adjustment             TEXT NOT NULL,
    rec_min_fen            INTEGER,           -- NULL when no fine is recommended
    rec_max_fen            INTEGER,
    decided_fen            INTEGER NOT NULL,
    within_recommendation  INTEGER NOT NULL,
    within_statutory       INTEGER NOT NULL,
    reason                 TEXT NOT NULL,     -- required when outside the recommendation
    report                 TEXT NOT NULL,     -- JSON: the engine's explained report
    recorded_by            TEXT NOT NULL,
    created_at             TEXT NOT NULL,
    UNIQUE (unit_id, case_number)
);
CREATE INDEX penalties_outside ON penalties (within_recommendation, decision_date);

-- The party's name is personal data: kept apart, read only by the unit and its supervisors,
-- each read on the audit trail, never on a public page.
CREATE TABLE penalty_personal (
    penalty_id  INTEGER PRIMARY KEY REFERENCES penalties(id),
    party_name  TEXT NOT NULL
);
