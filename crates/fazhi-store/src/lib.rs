//! fazhi storage: one story told on two databases.
//!
//! SQLite is the embedded default (one process; WAL, foreign keys, `synchronous=FULL` so an
//! acknowledged commit survives `kill -9` and power loss). PostgreSQL is the multi-node backend:
//! several `fazhi serve` processes share one database, and every write that extends the audit
//! chain takes a transaction-scoped advisory lock so the chain stays linear.
//!
//! The code is written once against `sqlx::Any`: queries use `$1, $2, …` placeholders in
//! ascending order of first use (PostgreSQL's syntax, which SQLite reads as named parameters
//! numbered by first appearance), and values are stored as TEXT, BIGINT/INTEGER or NULL only.
//! Timestamps are RFC 3339 UTC text with milliseconds, so they sort as strings.
//!
//! The hot write path (cases opened and acted on, with their audit entries) is written once
//! against the small `sql::Conn` trait instead: on PostgreSQL it runs in a sqlx transaction, on
//! an SQLite file on the writer thread (`sqlite_writer`), which runs it on rusqlite and commits
//! the writes waiting at one moment together, one fsync for the batch.
//!
//! This crate owns the schema, the migrations, accounts, access handles and the audit trail.
//! It must not know about HTTP or templates.

pub mod access;
pub mod accounts;
pub mod audit;
pub mod calendar;
pub mod cases;
pub mod clock;
mod db;
pub mod directory;
mod error;
pub mod feeds;
pub mod penalties;
pub mod plans;
pub mod profile;
pub mod referrals;
mod sql;
mod sqlite_writer;
#[doc(hidden)]
pub mod testing;

pub use access::{Principal, Role, RoleGrant, UnitRead, UnitWrite};
pub use db::{Backend, Db, WriteTx};
pub use error::{StoreError, StoreResult};

/// The current time as stored: RFC 3339 UTC with milliseconds.
pub fn now_text() -> String {
    clock::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
