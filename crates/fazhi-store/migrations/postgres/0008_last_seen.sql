-- When each person last opened their home page, for "what changed since my last visit"
-- (PostgreSQL). Keep in step with migrations/sqlite/0008_last_seen.sql.
ALTER TABLE users ADD COLUMN last_home_at TEXT;
