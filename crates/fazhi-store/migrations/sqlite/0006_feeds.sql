-- Private calendar-feed tokens (SQLite). Keep in step with migrations/postgres/0006_feeds.sql.
-- The URL carries the token; the database keeps only its hash. Revoking sets revoked_at.
CREATE TABLE feed_tokens (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    token_hash  TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL,
    revoked_at  TEXT
);
