-- Progress-report attachments (SQLite). Keep in step with migrations/postgres/0003_attachments.sql.
CREATE TABLE report_attachments (
    id            INTEGER PRIMARY KEY,
    report_id     INTEGER NOT NULL REFERENCES progress_reports(id),
    filename      TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    size          INTEGER NOT NULL,
    sha256        TEXT NOT NULL,
    content       BLOB NOT NULL
);
CREATE INDEX report_attachments_report ON report_attachments (report_id);
