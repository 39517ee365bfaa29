//! Connection, migrations and write transactions for both backends.

use crate::audit::{self, AuditEntry};
use crate::error::{StoreError, StoreResult};
use crate::sqlite_writer::Writer;
use sqlx::any::AnyPoolOptions;
use sqlx::{Any, AnyPool, Executor, Row, Transaction};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, OwnedMutexGuard};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A handle on the database. Cheap to clone.
#[derive(Clone)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
    /// SQLite allows one writer; serialising writes in the process avoids `SQLITE_BUSY` on
    /// lock upgrades. PostgreSQL writers serialise on an advisory lock instead (multi-process).
    write_lock: Arc<Mutex<()>>,
    /// SQLite only: the writer thread that runs the hot write path with group commit.
    writer: Option<Arc<Writer>>,
    /// The procedures on the calendar this database holds (bundled years plus loaded ones).
    pub(crate) calendar: Arc<crate::calendar::Cache>,
}

/// The advisory-lock key that serialises audit-chain appends across PostgreSQL processes.
const AUDIT_LOCK_KEY: i64 = 0x6661_7a68_6901; // "fazhi" + 1
/// The advisory-lock key held while migrations run, so two starting processes do not race.
const MIGRATE_LOCK_KEY: i64 = 0x6661_7a68_6902;

struct Migration {
    version: i64,
    name: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

/// One migration from its version, name and file stem under `migrations/{sqlite,postgres}/`.
macro_rules! migration {
    ($version:literal, $name:literal, $file:literal) => {
        Migration {
            version: $version,
            name: $name,
            sqlite: include_str!(concat!("../migrations/sqlite/", $file, ".sql")),
            postgres: include_str!(concat!("../migrations/postgres/", $file, ".sql")),
        }
    };
}

/// Every migration, in order. Each exists once per dialect with the same meaning.
const MIGRATIONS: &[Migration] = &[
    migration!(1, "foundation", "0001_foundation"),
    migration!(2, "plans", "0002_plans"),
    migration!(3, "attachments", "0003_attachments"),
    migration!(4, "cases", "0004_cases"),
    migration!(5, "penalties", "0005_penalties"),
    migration!(6, "feeds", "0006_feeds"),
    migration!(7, "case_summary", "0007_case_summary"),
    migration!(8, "last_seen", "0008_last_seen"),
    migration!(9, "optional_deadlines", "0009_optional_deadlines"),
    migration!(10, "calendar", "0010_calendar"),
    migration!(11, "audit_integrity", "0011_audit_integrity"),
];

/// `FAZHI_SQLITE_SYNCHRONOUS`: FULL (default) fsyncs every commit; NORMAL fsyncs at
/// checkpoints only, which still survives a killed process but may lose the last commits on
/// power loss. A deployment on a battery-backed disk may choose NORMAL for throughput.
fn sqlite_synchronous() -> StoreResult<&'static str> {
    match std::env::var("FAZHI_SQLITE_SYNCHRONOUS").as_deref() {
        Err(_) | Ok("FULL") | Ok("full") => Ok("FULL"),
        Ok("NORMAL") | Ok("normal") => Ok("NORMAL"),
        Ok(other) => Err(StoreError::invalid(
            "FAZHI_SQLITE_SYNCHRONOUS",
            format!("取值应为 FULL 或 NORMAL,而不是 {other}"),
            format!("must be FULL or NORMAL, not {other}"),
        )),
    }
}

/// The file a writable SQLite URL names, as sqlx reads it (percent-decoded, options parsed);
/// None for a memory database (a second connection could not share it) and for read-only or
/// immutable ones (writes must fail there, through sqlx, rather than open the file for writing).
fn sqlite_file(url: &str) -> StoreResult<Option<std::path::PathBuf>> {
    use std::str::FromStr;
    // sqlx validates the URL and decodes the path; the mode it leaves private, so it is read
    // here from the same query string (the last value wins, as in sqlx).
    let options = sqlx::sqlite::SqliteConnectOptions::from_str(url)?;
    let rest = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let (database, query) = rest.split_once('?').unwrap_or((rest, ""));
    let param = |key: &str| {
        query
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .rfind(|(k, _)| *k == key)
            .map(|(_, v)| v)
    };
    let writable = matches!(param("mode"), None | Some("rw") | Some("rwc"));
    let memory = database == ":memory:";
    let immutable = param("immutable") == Some("true");
    Ok((writable && !memory && !immutable).then(|| options.get_filename().to_path_buf()))
}

/// Run `$body`, an async expression over the connection named `$c` (a [`crate::sql::Conn`]),
/// as one write transaction: on SQLite on the writer thread (so the values it uses must be
/// owned), elsewhere in a sqlx transaction. Evaluates to the body's result once committed.
macro_rules! write_tx {
    ($db:expr, |$c:ident| $body:expr) => {
        match $db.sqlite_writer() {
            Some(writer) => {
                writer
                    .write(move |conn| {
                        let $c = &mut $crate::sql::Lite(conn);
                        $crate::sql::ready($body)
                    })
                    .await
            }
            None => {
                let mut tx = $db.begin_write().await?;
                let value = {
                    let $c = &mut tx;
                    $body.await?
                };
                tx.commit().await?;
                Ok(value)
            }
        }
    };
}
pub(crate) use write_tx;

impl Db {
    /// Connect to `url`: `sqlite://PATH` (created on first use) or `postgres://…`.
    pub async fn connect(url: &str) -> StoreResult<Db> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(StoreError::invalid(
                "database URL",
                format!("不支持的数据库地址 {url}:应以 sqlite:// 或 postgres:// 开头"),
                format!("unsupported database URL {url}: use sqlite://PATH or postgres://…"),
            ));
        };
        let url = if backend == Backend::Sqlite && !url.contains("mode=") {
            let sep = if url.contains('?') { '&' } else { '?' };
            format!("{url}{sep}mode=rwc")
        } else {
            url.to_string()
        };
        let max = if backend == Backend::Sqlite { 8 } else { 10 };
        let synchronous = sqlite_synchronous()?;
        let pool = AnyPoolOptions::new()
            .max_connections(max)
            .acquire_timeout(Duration::from_secs(30))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // FULL (the default): the WAL is fsynced at every commit, so an
                        // acknowledged write survives power loss as well as a killed process.
                        conn.execute(
                            format!(
                                "PRAGMA journal_mode=WAL; PRAGMA synchronous={synchronous}; \
                                 PRAGMA foreign_keys=ON; PRAGMA busy_timeout=10000;"
                            )
                            .as_str(),
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await?;
        let write_lock = Arc::new(Mutex::new(()));
        let writer = match backend {
            Backend::Sqlite => sqlite_file(&url)?
                .map(|path| Writer::start(&path, synchronous, write_lock.clone()))
                .transpose()?
                .map(Arc::new),
            Backend::Postgres => None,
        };
        Ok(Db {
            pool,
            backend,
            write_lock,
            writer,
            calendar: Default::default(),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Apply every migration not yet applied. Safe to call from several processes at once.
    pub async fn migrate(&self) -> StoreResult<Vec<String>> {
        let mut conn = self.pool.acquire().await?;
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT 1 AS ok FROM pg_advisory_lock($1)")
                .bind(MIGRATE_LOCK_KEY)
                .fetch_one(&mut *conn)
                .await?;
        }
        let result = self.migrate_locked(&mut conn).await;
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT 1 AS ok FROM pg_advisory_unlock($1)")
                .bind(MIGRATE_LOCK_KEY)
                .fetch_one(&mut *conn)
                .await?;
        }
        drop(conn);
        let done = result?;
        if done.iter().any(|m| m == "0010_calendar") {
            crate::calendar::recount_after_upgrade(self).await?;
        }
        Ok(done)
    }

    async fn migrate_locked(
        &self,
        conn: &mut sqlx::pool::PoolConnection<Any>,
    ) -> StoreResult<Vec<String>> {
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations \
             (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
        )
        .await?;
        let applied: Vec<i64> = sqlx::query("SELECT version FROM schema_migrations")
            .fetch_all(&mut **conn)
            .await?
            .iter()
            .map(|r| r.get::<i64, _>(0))
            .collect();
        let mut done = Vec::new();
        for m in MIGRATIONS.iter().filter(|m| !applied.contains(&m.version)) {
            let sql = match self.backend {
                Backend::Sqlite => m.sqlite,
                Backend::Postgres => m.postgres,
            };
            let mut tx = sqlx::Connection::begin(&mut **conn).await?;
            tx.execute(sqlx::raw_sql(sql))
                .await
                .map_err(|e| StoreError::Migration(format!("{} {}: {e}", m.version, m.name)))?;
            sqlx::query(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
            )
            .bind(m.version)
            .bind(m.name)
            .bind(crate::now_text())
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            done.push(format!("{:04}_{}", m.version, m.name));
        }
        Ok(done)
    }

    /// Begin a write transaction. Every change goes through one, and records itself on the audit
    /// trail with [`WriteTx::audit`] before [`WriteTx::commit`].
    pub async fn begin_write(&self) -> StoreResult<WriteTx> {
        let guard = match self.backend {
            Backend::Sqlite => Some(self.write_lock.clone().lock_owned().await),
            Backend::Postgres => None,
        };
        // SQLite: take the write lock at BEGIN, where the busy timeout makes a writer wait for
        // another process's commit. A deferred BEGIN would read first and then fail at once
        // ("database is locked") when upgrading to write while another connection writes.
        let mut tx = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        };
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT 1 AS ok FROM pg_advisory_xact_lock($1)")
                .bind(AUDIT_LOCK_KEY)
                .fetch_one(&mut *tx)
                .await?;
        }
        Ok(WriteTx {
            tx,
            _guard: guard,
            audited: false,
        })
    }

    /// A consistent online copy of an SQLite database (`VACUUM INTO`), safe while serving.
    pub async fn backup_sqlite(&self, path: &str) -> StoreResult<()> {
        if self.backend != Backend::Sqlite {
            return Err(StoreError::invalid(
                "backend",
                "backup 仅用于 SQLite;PostgreSQL 请使用 pg_dump",
                "backup is for SQLite; use pg_dump for PostgreSQL",
            ));
        }
        if std::path::Path::new(path).exists() {
            return Err(StoreError::invalid(
                "backup path",
                format!("目标文件已存在:{path}"),
                format!("target file exists: {path}"),
            ));
        }
        sqlx::query("VACUUM INTO $1")
            .bind(path)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The SQLite writer thread, when this is a file database.
    pub(crate) fn sqlite_writer(&self) -> Option<&Writer> {
        self.writer.as_deref()
    }

    pub async fn close(&self) {
        if let Some(w) = self.writer.clone() {
            // Joining waits for the queued writes to commit; off the async threads.
            let _ = tokio::task::spawn_blocking(move || w.close()).await;
        }
        self.pool.close().await;
    }
}

/// A write transaction: the caller's changes and their audit entries commit together or not
/// at all. Dropping it without `commit` rolls back.
pub struct WriteTx {
    tx: Transaction<'static, Any>,
    _guard: Option<OwnedMutexGuard<()>>,
    audited: bool,
}

impl WriteTx {
    pub fn conn(&mut self) -> &mut sqlx::AnyConnection {
        &mut self.tx
    }

    /// Append an entry to the hash-chained audit trail inside this transaction.
    pub async fn audit(&mut self, entry: AuditEntry) -> StoreResult<i64> {
        self.audited = true;
        audit::append(&mut *self.tx, entry).await
    }

    /// Commit. A write that changed data must have recorded at least one audit entry.
    pub async fn commit(self) -> StoreResult<()> {
        debug_assert!(
            self.audited,
            "a write transaction committed without an audit entry"
        );
        self.tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::sqlite_file;
    use std::path::PathBuf;

    #[test]
    fn the_writer_opens_the_file_sqlx_opens_and_only_a_writable_one() {
        let file = |url: &str| sqlite_file(url).unwrap();
        assert_eq!(
            file("sqlite://fazhi.db?mode=rwc"),
            Some(PathBuf::from("fazhi.db"))
        );
        assert_eq!(
            file("sqlite:///srv/my%20data/f.db?mode=rwc"),
            Some(PathBuf::from("/srv/my data/f.db"))
        );
        assert_eq!(file("sqlite:f.db"), Some(PathBuf::from("f.db")));
        assert_eq!(file("sqlite://fazhi.db?mode=memory"), None);
        assert_eq!(file("sqlite::memory:"), None);
        assert_eq!(file("sqlite://fazhi.db?mode=ro"), None);
        assert_eq!(file("sqlite://fazhi.db?mode=rwc&immutable=true"), None);
    }
}
