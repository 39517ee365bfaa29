//! Test support shared by this crate's tests and the binary's end-to-end tests: a fresh, empty
//! database on every backend the run covers.
//!
//! SQLite always. PostgreSQL when `FAZHI_TEST_PG` holds a server URL (for example
//! `postgres://postgres@127.0.0.1:5432/test`): each call creates its own database there, so
//! tests run in parallel without sharing state. When the variable is set the PostgreSQL run is
//! mandatory: an unreachable server fails the test instead of skipping it.

use crate::db::Db;
use sqlx::Executor;
use std::sync::atomic::{AtomicUsize, Ordering};

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// One fresh database.
pub struct TestDb {
    pub label: &'static str,
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    File(std::path::PathBuf),
    PgDatabase { admin_url: String, name: String },
}

fn unique(tag: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("fazhi_t_{tag}_{}_{n}_{nanos}", std::process::id())
}

/// A fresh SQLite file and, when `FAZHI_TEST_PG` is set, a fresh PostgreSQL database.
pub async fn fresh_databases(tag: &str) -> Vec<TestDb> {
    let mut out = vec![fresh_sqlite(tag)];
    if let Ok(admin_url) = std::env::var("FAZHI_TEST_PG") {
        out.push(fresh_postgres(&admin_url, tag).await);
    }
    out
}

pub fn fresh_sqlite(tag: &str) -> TestDb {
    let path = std::env::temp_dir().join(format!("{}.db", unique(tag)));
    TestDb {
        label: "sqlite",
        url: format!("sqlite://{}", path.display()),
        cleanup: Cleanup::File(path),
    }
}

pub async fn fresh_postgres(admin_url: &str, tag: &str) -> TestDb {
    let name = unique(tag).to_lowercase();
    let admin = Db::connect(admin_url).await.unwrap_or_else(|e| {
        panic!("FAZHI_TEST_PG is set but PostgreSQL at {admin_url} is unreachable: {e}")
    });
    admin
        .pool()
        .execute(format!("CREATE DATABASE {name}").as_str())
        .await
        .expect("create test database");
    admin.close().await;
    let base = admin_url
        .rsplit_once('/')
        .map(|(b, _)| b)
        .expect("a postgres URL has a database path");
    TestDb {
        label: "postgres",
        url: format!("{base}/{name}"),
        cleanup: Cleanup::PgDatabase {
            admin_url: admin_url.to_string(),
            name,
        },
    }
}

impl TestDb {
    /// Connect and migrate.
    pub async fn open(&self) -> Db {
        let db = Db::connect(&self.url)
            .await
            .unwrap_or_else(|e| panic!("{}: connect: {e}", self.label));
        db.migrate()
            .await
            .unwrap_or_else(|e| panic!("{}: migrate: {e}", self.label));
        db
    }

    /// Remove the database. Best effort: a leftover only costs disk space.
    pub async fn remove(self) {
        match self.cleanup {
            Cleanup::File(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Cleanup::PgDatabase { admin_url, name } => {
                if let Ok(admin) = Db::connect(&admin_url).await {
                    let _ = admin
                        .pool()
                        .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
                        .await;
                    admin.close().await;
                }
            }
        }
    }
}

/// Create an account holding `role` in `unit` and sign it in: the principal tests act as.
pub async fn person(db: &Db, username: &str, unit: &str, role: crate::Role) -> crate::Principal {
    crate::accounts::create_user(
        db,
        &crate::access::AdminHandle::command_line("test"),
        crate::accounts::NewUser {
            username: username.into(),
            display_name: username.into(),
            password: "correct horse battery".into(),
            unit_key: unit.into(),
            grants: vec![crate::RoleGrant { role, scope: None }],
        },
    )
    .await
    .unwrap_or_else(|e| panic!("create {username}: {e}"));
    crate::accounts::login(db, username, "correct horse battery", "127.0.0.1")
        .await
        .unwrap_or_else(|e| panic!("sign in {username}: {e}"))
        .principal
}
