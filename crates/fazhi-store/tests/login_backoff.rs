//! The login throttle on SQLite and (with `FAZHI_TEST_PG`) PostgreSQL: failed sign-ins slow
//! further attempts per account at one address, per account and per address, with a wait that
//! doubles, never a lock; a known address is slowed only by its own failures.

use fazhi_store::access::{AdminHandle, Role, RoleGrant};
use fazhi_store::accounts::{self, PER_ACCOUNT, PER_ACCOUNT_AND_ADDRESS, PER_ADDRESS};
use fazhi_store::testing::fresh_databases;
use fazhi_store::{directory, Db, StoreError};
use sqlx::Row;

const RIGHT: &str = "correct horse battery";
const WRONG: &str = "wrong password!";

async fn seeded(db: &Db) {
    let admin = AdminHandle::command_line("test");
    directory::import(db, &admin, &fazhi_org::Directory::bundled_bazhong_2008())
        .await
        .unwrap();
    for (username, unit) in [
        ("officer-a", "general-office"),
        ("officer-b", "petition-bureau"),
    ] {
        accounts::create_user(
            db,
            &admin,
            accounts::NewUser {
                username: username.into(),
                display_name: username.into(),
                password: RIGHT.into(),
                unit_key: unit.into(),
                grants: vec![RoleGrant {
                    role: Role::Officer,
                    scope: None,
                }],
            },
        )
        .await
        .unwrap();
    }
}

/// The outcome of one attempt: "ok", "bad" or the seconds to wait.
async fn attempt(db: &Db, username: &str, password: &str, ip: &str) -> String {
    match accounts::login(db, username, password, ip).await {
        Ok(_) => "ok".into(),
        Err(StoreError::BadCredentials) => "bad".into(),
        Err(StoreError::RateLimited { retry_after_secs }) => format!("wait {retry_after_secs}"),
        Err(e) => panic!("{e}"),
    }
}

/// Attempts on one database, each with the outcome it must have.
struct Logins<'a> {
    db: &'a Db,
    label: &'static str,
}

impl Logins<'_> {
    async fn expect(&self, username: &str, password: &str, ip: &str, want: &str) {
        let got = attempt(self.db, username, password, ip).await;
        assert_eq!(got, want, "{}: {username} at {ip}", self.label);
    }
}

/// Move every recorded attempt `secs` into the past, as if that time had gone by.
async fn time_passes(db: &Db, secs: i64) {
    let rows = sqlx::query("SELECT id, at FROM login_attempts")
        .fetch_all(db.pool())
        .await
        .unwrap();
    for r in rows {
        let at: String = r.get(1);
        let earlier =
            chrono::DateTime::parse_from_rfc3339(&at).unwrap() - chrono::Duration::seconds(secs);
        sqlx::query("UPDATE login_attempts SET at = $1 WHERE id = $2")
            .bind(
                earlier
                    .with_timezone(&chrono::Utc)
                    .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            )
            .bind(r.get::<i64, _>(0))
            .execute(db.pool())
            .await
            .unwrap();
    }
}

#[test]
fn the_wait_doubles_from_the_first_failure_past_the_free_ones_up_to_a_cap() {
    let p = PER_ACCOUNT_AND_ADDRESS;
    assert_eq!(p.wait_secs(p.free - 1), None);
    assert_eq!(p.wait_secs(p.free), Some(2));
    assert_eq!(p.wait_secs(p.free + 1), Some(4));
    assert_eq!(p.wait_secs(p.free + 3), Some(16));
    assert_eq!(p.wait_secs(p.free + 1000), Some(15 * 60));
    assert!(PER_ACCOUNT.free > p.free && PER_ADDRESS.free > PER_ACCOUNT.free);
}

#[tokio::test]
async fn failures_at_one_address_slow_that_account_there_and_nobody_else() {
    for t in fresh_databases("backoff_pair").await {
        let db = t.open().await;
        seeded(&db).await;
        let at = Logins {
            db: &db,
            label: t.label,
        };
        for _ in 0..PER_ACCOUNT_AND_ADDRESS.free {
            at.expect("officer-a", WRONG, "10.0.0.1", "bad").await;
        }
        // Even the right password waits.
        at.expect("officer-a", RIGHT, "10.0.0.1", "wait 2").await;
        // Another account behind the same address, and the same account elsewhere, go on.
        at.expect("officer-b", RIGHT, "10.0.0.1", "ok").await;
        at.expect("officer-a", RIGHT, "10.0.0.2", "ok").await;
        // A wait, not a lock: when it is over the next failure doubles it ...
        time_passes(&db, 3).await;
        at.expect("officer-a", WRONG, "10.0.0.1", "bad").await;
        at.expect("officer-a", RIGHT, "10.0.0.1", "wait 4").await;
        // ... and the right password, once it is over, signs in and clears the count.
        time_passes(&db, 5).await;
        at.expect("officer-a", RIGHT, "10.0.0.1", "ok").await;
        at.expect("officer-a", WRONG, "10.0.0.1", "bad").await;
        at.expect("officer-a", RIGHT, "10.0.0.1", "ok").await;
        // Failures older than the window are forgotten.
        for _ in 0..PER_ACCOUNT_AND_ADDRESS.free {
            at.expect("officer-b", WRONG, "10.0.0.3", "bad").await;
        }
        time_passes(&db, accounts::FAILURE_WINDOW_HOURS * 3600 + 1).await;
        at.expect("officer-b", WRONG, "10.0.0.3", "bad").await;
        db.close().await;
        t.remove().await;
    }
}

#[tokio::test]
async fn many_addresses_slow_the_account_but_not_its_owner_at_a_known_address() {
    for t in fresh_databases("backoff_account").await {
        let db = t.open().await;
        seeded(&db).await;
        let at = Logins {
            db: &db,
            label: t.label,
        };
        // The owner signed in from the office before.
        at.expect("officer-a", RIGHT, "10.1.0.1", "ok").await;
        // Guesses from many addresses, one from each.
        for i in 0..PER_ACCOUNT.free {
            at.expect("officer-a", WRONG, &format!("198.51.100.{i}"), "bad")
                .await;
        }
        // A new address waits; the owner's known address does not.
        at.expect("officer-a", RIGHT, "203.0.113.1", "wait 2").await;
        at.expect("officer-a", RIGHT, "10.1.0.1", "ok").await;
        db.close().await;
        t.remove().await;
    }
}

#[tokio::test]
async fn one_address_trying_many_accounts_is_slowed_but_known_pairs_are_not() {
    for t in fresh_databases("backoff_address").await {
        let db = t.open().await;
        seeded(&db).await;
        let at = Logins {
            db: &db,
            label: t.label,
        };
        at.expect("officer-b", RIGHT, "10.2.0.1", "ok").await;
        // One guess at each of many accounts (most do not exist: no password is checked).
        for i in 0..PER_ADDRESS.free {
            at.expect(&format!("user-{i}"), WRONG, "10.2.0.1", "bad")
                .await;
        }
        // A new account at this address waits; an account known here does not.
        at.expect("officer-a", RIGHT, "10.2.0.1", "wait 2").await;
        at.expect("officer-b", RIGHT, "10.2.0.1", "ok").await;
        db.close().await;
        t.remove().await;
    }
}
