-- The audit trail against someone who can write the database (sqlite). Keep in step with
-- migrations/postgres/0011_audit_integrity.sql. See src/audit.rs, audit/rows.rs, audit/checkpoint.rs.

-- Each entry that writes a case, a penalty or an accountability record records a keyed digest of the record's rows,
-- covered by its hash. The key is random, made here, and never leaves the database.
ALTER TABLE audit_log ADD COLUMN row_digest TEXT;
CREATE TABLE audit_digest_key (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    secret  TEXT NOT NULL
);
INSERT INTO audit_digest_key (id, secret) VALUES (1, lower(hex(randomblob(32))));

-- Records that existed before row digests: no entry recorded their rows, and that is no loss.
-- A record above these ids with no digest on the trail was added outside fazhi.
CREATE TABLE audit_row_baseline (
    entity  TEXT PRIMARY KEY,
    max_id  INTEGER NOT NULL
);
INSERT INTO audit_row_baseline (entity, max_id) SELECT 'case', COALESCE(MAX(id), 0) FROM cases;
INSERT INTO audit_row_baseline (entity, max_id) SELECT 'penalty', COALESCE(MAX(id), 0) FROM penalties;
INSERT INTO audit_row_baseline (entity, max_id) SELECT 'accountability', COALESCE(MAX(id), 0) FROM accountability;

-- Signed checkpoints of the head: the head entry's seq and hash, signed with an Ed25519 key
-- kept outside the database (its public key beside it, PEM). Not on the chain: each proves itself.
CREATE TABLE audit_checkpoints (
    id          INTEGER PRIMARY KEY,
    seq         INTEGER NOT NULL,
    hash        TEXT NOT NULL,
    at          TEXT NOT NULL,
    key_id      TEXT NOT NULL,
    public_key  TEXT NOT NULL,
    signature   TEXT NOT NULL
);
CREATE INDEX audit_checkpoints_key ON audit_checkpoints (key_id, id);

-- The last entry that may have changed what the public portal shows: the portal's cache key,
-- so that audited reads of personal data leave the cache alone.
ALTER TABLE audit_head ADD COLUMN public_seq INTEGER NOT NULL DEFAULT 0;
UPDATE audit_head SET public_seq = seq;
