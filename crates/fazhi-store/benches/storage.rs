//! Storage benchmarks with the audit trail on, on SQLite (and PostgreSQL when FAZHI_TEST_PG is
//! set): cases opened and acted on per second through the full path (engine, personal data
//! split, deadlines, audit chain, durable commit), and a sweep over a million open cases.
//!
//! A custom harness rather than criterion: each figure needs a database filled first, and one
//! run of each is what a person wants to read. Run: `cargo bench -p fazhi-store --bench storage`
//! (set FAZHI_BENCH_SWEEP_CASES to change the sweep's size; default 1,000,000).

use chrono::NaiveDate;
use fazhi_store::access::{AdminHandle, Role, RoleGrant};
use fazhi_store::testing::{fresh_postgres, fresh_sqlite, TestDb};
use fazhi_store::{cases, directory, Db, Principal};
use std::collections::BTreeMap;
use std::time::Instant;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

async fn setup(t: &TestDb) -> (Db, Principal) {
    let db = t.open().await;
    directory::import(
        &db,
        &AdminHandle::command_line("bench"),
        &fazhi_org::Directory::bundled_bazhong_2008(),
    )
    .await
    .unwrap();
    let unit = directory::unit_by_key(&db, "general-office").await.unwrap();
    let who = Principal::system(
        unit.id,
        "general-office",
        vec![RoleGrant {
            role: Role::Officer,
            scope: None,
        }],
        "bench",
    );
    (db, who)
}

/// Open cases and apply one action to each, concurrently from `clients` tasks.
async fn actions(t: &TestDb, n: usize, clients: usize) {
    let (db, who) = setup(t).await;
    let start = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (db, who) = (db.clone(), who.clone());
        tasks.push(tokio::spawn(async move {
            let unit = who.write_unit(&db, "general-office").await.unwrap();
            for i in (c..n).step_by(clients) {
                let fields: BTreeMap<String, String> = [
                    ("channel", "online".to_string()),
                    ("applicant_name", format!("申请人{i}")),
                    ("information_sought", "预算".to_string()),
                ]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect();
                let id = cases::open_case(
                    &db,
                    &unit,
                    &who,
                    "disclosure_request",
                    d("2024-03-01"),
                    fields,
                )
                .await
                .unwrap();
                let ext: BTreeMap<String, String> = [("approver", "主任"), ("reason", "需要")]
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect();
                cases::act(&db, &who, id, "extend", d("2024-03-20"), ext, None)
                    .await
                    .unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let secs = start.elapsed().as_secs_f64();
    let actions = (2 * n) as f64;
    println!(
        "{:<9} {n} cases opened + {n} actions, {clients} clients, audit on: {:.2} s = {:.0} actions/s",
        t.label,
        secs,
        actions / secs
    );
    assert!(fazhi_store::audit::verify(&db).await.unwrap().is_intact());
    db.close().await;
}

/// A sweep over `n` open running deadlines, 1% of them due soon and 1% overdue on the day.
async fn sweep(t: &TestDb, n: usize) {
    let (db, _) = setup(t).await;
    let fill = Instant::now();
    // The rows a million real cases would leave in `case_deadlines`, written directly: building
    // them through the engine would measure the engine, not the sweep.
    let state = r#"{"procedure":"disclosure_request","version":"2019","step":"received","opened_on":"2024-01-02","history":[],"fields":{},"closed":false}"#;
    let mut conn = db.pool().acquire().await.unwrap();
    sqlx::query("BEGIN").execute(&mut *conn).await.unwrap();
    let unit: i64 = sqlx::query_scalar("SELECT id FROM units WHERE key = 'general-office'")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    const CHUNK: usize = 500;
    for chunk in (0..n).step_by(CHUNK) {
        let rows = (chunk..(chunk + CHUNK).min(n)).collect::<Vec<_>>();
        let mut sql = String::from(
            "INSERT INTO cases (id, procedure, version, unit_id, opened_on, step, major, state, created_at, updated_at) VALUES ",
        );
        let mut dl = String::from("INSERT INTO case_deadlines (case_id, key, unit_id, rule_id, due, warn_from, open) VALUES ");
        for (j, i) in rows.iter().enumerate() {
            let sep = if j == 0 { "" } else { "," };
            sql.push_str(&format!("{sep}({}, 'disclosure_request', '2019', {unit}, '2024-01-02', 'received', 0, '{state}', 'x', 'x')", i + 1));
            // 98% due well after the sweep day, 1% due soon, 1% overdue.
            let (due, warn) = match i % 100 {
                0 => ("2024-05-06", "2024-04-29"),
                1 => ("2024-04-10", "2024-04-03"),
                _ => ("2024-09-30", "2024-09-23"),
            };
            dl.push_str(&format!(
                "{sep}({}, 'reply', {unit}, 'disclosure.reply', '{due}', '{warn}', 1)",
                i + 1
            ));
        }
        sqlx::query(&sql).execute(&mut *conn).await.unwrap();
        sqlx::query(&dl).execute(&mut *conn).await.unwrap();
    }
    sqlx::query("COMMIT").execute(&mut *conn).await.unwrap();
    drop(conn);
    if t.label == "postgres" {
        sqlx::query("ANALYZE").execute(db.pool()).await.unwrap();
    }
    let filled = fill.elapsed();
    let start = Instant::now();
    let r = cases::sweep(&db, d("2024-04-30"), "bench", "bench")
        .await
        .unwrap();
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{:<9} sweep over {n} open cases: {:.3} s ({} warnings, {} alarms raised; fill took {:.1} s)",
        t.label,
        secs,
        r.warnings,
        r.alarms,
        filled.as_secs_f64()
    );
    assert_eq!(
        (r.warnings, r.alarms),
        ((n as u64).div_ceil(100), ((n as u64) + 98) / 100)
    );
    db.close().await;
}

fn main() {
    // `cargo test --benches` runs bench targets with --bench absent; do the real work only
    // under `cargo bench`.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let sweep_n: usize = std::env::var("FAZHI_BENCH_SWEEP_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(1_000_000);
        let mut dbs = vec![fresh_sqlite("bench")];
        if let Ok(url) = std::env::var("FAZHI_TEST_PG") {
            dbs.push(fresh_postgres(&url, "bench").await);
        }
        for t in dbs {
            // One client waits for each commit; with more, the SQLite writer commits the writes
            // waiting together (group commit), as a server with many officers at work would.
            for clients in [1, 8, 32] {
                actions(&t, 4_000, clients).await;
            }
            t.remove().await;
        }
        // The sweep gets databases of its own, holding only the synthetic cases.
        let mut dbs = vec![fresh_sqlite("bench_sweep")];
        if let Ok(url) = std::env::var("FAZHI_TEST_PG") {
            dbs.push(fresh_postgres(&url, "bench_sweep").await);
        }
        for t in dbs {
            sweep(&t, sweep_n).await;
            t.remove().await;
        }
    });
}
