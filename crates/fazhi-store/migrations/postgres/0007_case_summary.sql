-- Case summary columns (PostgreSQL). Keep in step with migrations/sqlite/0007_case_summary.sql.
-- Written at every action so lists, the portal and the leader's view read them instead of
-- recomputing deadlines: the soonest running deadline, its warning day, and whether a closed
-- case missed any deadline (NULL while open).
ALTER TABLE cases ADD COLUMN next_due TEXT;
ALTER TABLE cases ADD COLUMN next_warn TEXT;
ALTER TABLE cases ADD COLUMN late BIGINT;
CREATE INDEX cases_open_due ON cases (closed_on, next_due);
CREATE INDEX case_deadlines_due ON case_deadlines (open, due);
