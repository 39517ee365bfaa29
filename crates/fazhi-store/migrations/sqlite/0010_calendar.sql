-- Calendar years loaded at run time (sqlite). Keep in step with migrations/postgres/0010_calendar.sql.
-- A deployment loads next year's State Council holiday notice without a new release: each file,
-- as loaded, is kept whole; the calendar is the bundled data plus these files in id order.
CREATE TABLE calendar_files (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    text       TEXT NOT NULL,
    sha256     TEXT NOT NULL UNIQUE,
    years      TEXT NOT NULL,       -- the years its notices arrange, e.g. "2027"
    loaded_at  TEXT NOT NULL,
    loaded_by  TEXT NOT NULL
);
-- A deadline counted in part on weekdays alone, for want of a year's notice (待确认).
ALTER TABLE case_deadlines ADD COLUMN provisional INTEGER NOT NULL DEFAULT 0;
-- Due dates a loaded notice moved, for the supervisors to see (from, to).
CREATE TABLE deadline_moves (
    id               INTEGER PRIMARY KEY,
    calendar_file_id INTEGER NOT NULL REFERENCES calendar_files(id),
    case_id          INTEGER NOT NULL REFERENCES cases(id),
    unit_id          INTEGER NOT NULL REFERENCES units(id),
    deadline_key     TEXT NOT NULL,
    due_from         TEXT,
    due_to           TEXT
);
CREATE INDEX deadline_moves_file ON deadline_moves (calendar_file_id);
