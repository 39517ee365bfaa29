//! End-to-end: the real `fazhi` binary on a free port, over HTTP, on SQLite and (when
//! `FAZHI_TEST_PG` is set) PostgreSQL. Access between units, bad input, durability under
//! SIGKILL, and graceful shutdown.

use fazhi_store::testing::{fresh_databases, TestDb};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::{Server, BIN, DEMO_PASSWORD};

fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(30))
        .redirects(0)
        .build()
}

/// Sign in through the API; the agent keeps the session cookie.
fn login(server: &Server, username: &str) -> ureq::Agent {
    let a = agent();
    a.post(&server.url("/api/v1/session"))
        .send_json(ureq::json!({"username": username, "password": DEMO_PASSWORD}))
        .unwrap_or_else(|e| panic!("login {username}: {e}"));
    a
}

/// The status and JSON body of a request, whether it succeeded or not.
fn call(r: Result<ureq::Response, ureq::Error>) -> (u16, serde_json::Value) {
    match r {
        Ok(res) => (
            res.status(),
            res.into_json().unwrap_or(serde_json::Value::Null),
        ),
        Err(ureq::Error::Status(code, res)) => {
            (code, res.into_json().unwrap_or(serde_json::Value::Null))
        }
        Err(e) => panic!("transport error: {e}"),
    }
}

fn profile(n: usize) -> serde_json::Value {
    ureq::json!({"address": format!("江北大道 {n} 号"), "phone": "0827-5261000", "office_hours": "9:00-17:30", "disclosure_contact": "政务公开科"})
}

async fn each_backend(tag: &str, f: impl Fn(&TestDb)) {
    for t in fresh_databases(tag).await {
        f(&t);
        t.remove().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_officer_is_refused_on_another_units_record() {
    each_backend("e2e_access", |t| {
        let server = Server::start(&t.url);
        let officer = login(&server, "bangongshi");
        let (status, body) = call(
            officer
                .put(&server.url("/api/v1/units/petition-bureau/profile"))
                .send_json(profile(1)),
        );
        assert_eq!(status, 403, "{}: {body}", t.label);
        assert_eq!(body["code"], "forbidden");
        assert!(body["request_id"].as_str().is_some_and(|s| !s.is_empty()));
        let (status, _) = call(
            officer
                .get(&server.url("/api/v1/units/petition-bureau/profile"))
                .call(),
        );
        assert_eq!(status, 403, "{}: reading is refused too", t.label);
        let (status, body) = call(
            officer
                .put(&server.url("/api/v1/units/general-office/profile"))
                .send_json(profile(2)),
        );
        assert_eq!(status, 200, "{}: own unit: {body}", t.label);
        // The officer's own unit page works; audit and administration do not.
        assert_eq!(
            call(officer.get(&server.url("/api/v1/audit")).call()).0,
            403
        );
        assert_eq!(
            call(officer.get(&server.url("/api/v1/users")).call()).0,
            403
        );
        // A supervisor of the legal affairs office may act for the petition bureau.
        let supervisor = login(&server, "fazhiban");
        let (status, _) = call(
            supervisor
                .put(&server.url("/api/v1/units/petition-bureau/profile"))
                .send_json(profile(3)),
        );
        assert_eq!(status, 200, "{}", t.label);
        // Unauthenticated: 401.
        assert_eq!(call(agent().get(&server.url("/api/v1/me")).call()).0, 401);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_gets_a_clear_4xx_and_changes_nothing() {
    each_backend("e2e_bad", |t| {
        let server = Server::start(&t.url);
        let admin = login(&server, "admin");
        let chain = |a: &ureq::Agent| call(a.get(&server.url("/api/v1/audit/verify")).call()).1["entries"].as_i64().unwrap();
        let before = chain(&admin);
        let post = |body: &[u8]| {
            call(admin.post(&server.url("/api/v1/units")).set("content-type", "application/json").send_bytes(body))
        };
        let (s, b) = post(b"{\"key\": \"x\", ");
        assert_eq!(s, 400, "{}: malformed: {b}", t.label);
        assert!(b["message_zh"].as_str().unwrap().contains("JSON") && b["message_en"].as_str().unwrap().contains("JSON"));
        let (s, _) = post(b"{\"key\": \"\xff\xfe\"}");
        assert_eq!(s, 400, "{}: invalid UTF-8", t.label);
        let (s, _) = post(br#"{"key":"x","name":"y","name_en":"y","kind":"office","parent":null,"colour":"red"}"#);
        assert_eq!(s, 422, "{}: unknown field", t.label);
        let huge = format!("{{\"key\": \"{}\"}}", "x".repeat(300 * 1024));
        let (s, b) = post(huge.as_bytes());
        assert_eq!(s, 413, "{}: oversized: {b}", t.label);
        let (s, b) = post(r#"{"key":"legal-again","name":"市政府法制办公室","name_en":"dup","kind":"office","parent":"bazhong-city-government"}"#.as_bytes());
        assert_eq!(s, 422, "{}: duplicate unit name: {b}", t.label);
        assert_eq!(b["code"], "duplicate");
        assert!(b["message_zh"].as_str().unwrap().contains("市政府法制办公室"));
        let (s, b) = call(admin.get(&server.url("/api/v1/units/no-such-unit/profile")).call());
        assert_eq!(s, 404, "{}: unknown unit: {b}", t.label);
        let (s, b) = call(agent().post(&server.url("/api/v1/session")).send_json(ureq::json!({"username": "admin", "password": "wrong password"})));
        assert_eq!(s, 401, "{}: wrong password", t.label);
        assert_eq!(b["code"], "bad_credentials");
        assert_eq!(chain(&admin), before, "{}: nothing was written", t.label);
        let (s, b) = call(agent().get(&server.url("/api/v1/units/resolve?name=%E4%B8%8D%E5%AD%98%E5%9C%A8%E7%9A%84%E5%8D%95%E4%BD%8D")).call());
        assert_eq!((s, b["kind"].as_str()), (200, Some("unknown")), "{}: an unknown name is said to be unknown", t.label);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn pages_render_in_both_languages_with_security_headers() {
    each_backend("e2e_pages", |t| {
        let server = Server::start(&t.url);
        let res = agent().get(&server.url("/")).call().unwrap();
        let csp = res
            .header("content-security-policy")
            .unwrap_or_default()
            .to_string();
        assert!(csp.contains("default-src 'self'"), "{csp}");
        let html = res.into_string().unwrap();
        assert!(
            html.contains("政务公开门户") && html.contains("市政府办公室政务公开科"),
            "{}",
            t.label
        );
        let en = agent()
            .get(&server.url("/?lang=en"))
            .call()
            .unwrap()
            .into_string()
            .unwrap();
        assert!(en.contains("Open Government Portal"));
        let login_page = agent()
            .get(&server.url("/login"))
            .call()
            .unwrap()
            .into_string()
            .unwrap();
        assert!(login_page.contains("name=\"csrf\""));
        // A form post without the CSRF cookie is refused.
        let (s, _) = call(agent().post(&server.url("/login")).send_form(&[
            ("username", "admin"),
            ("password", DEMO_PASSWORD),
            ("csrf", "forged"),
        ]));
        assert_eq!(s, 403);
        let home = login(&server, "fazhiban")
            .get(&server.url("/home"))
            .call()
            .unwrap()
            .into_string()
            .unwrap();
        assert!(
            home.contains("审计链完整"),
            "{}: the supervisor sees the chain status",
            t.label
        );
        let (s, b) = call(agent().get(&server.url("/api/v1/openapi.json")).call());
        assert_eq!((s, b["openapi"].as_str()), (200, Some("3.1.0")));
        assert_eq!(call(agent().get(&server.url("/healthz")).call()).0, 200);
    })
    .await;
}

/// Writers keep writing while the server is killed with SIGKILL. After a restart every write
/// the server acknowledged is there, and the audit chain verifies.
#[tokio::test(flavor = "multi_thread")]
async fn acknowledged_writes_survive_sigkill() {
    each_backend("e2e_kill", |t| {
        let mut server = Server::start(&t.url);
        let base = server.base.clone();
        let token: String = {
            let sup = login(&server, "fazhiban");
            let (_, b) = call(
                sup.post(&format!("{base}/api/v1/tokens"))
                    .send_json(ureq::json!({"name": "load"})),
            );
            b["token"].as_str().unwrap().to_string()
        };
        // Cases go through the SQLite writer thread's group commit; profiles through sqlx.
        let officer_token: String = {
            let officer = login(&server, "bangongshi");
            let (_, b) = call(
                officer
                    .post(&format!("{base}/api/v1/tokens"))
                    .send_json(ureq::json!({"name": "cases"})),
            );
            b["token"].as_str().unwrap().to_string()
        };
        let acked_cases = std::sync::Arc::new(std::sync::Mutex::new(Vec::<i64>::new()));
        let case_writers: Vec<_> = (0..2)
            .map(|w| {
                let (acked, base, token) =
                    (acked_cases.clone(), base.clone(), officer_token.clone());
                std::thread::spawn(move || {
                    let a = agent();
                    for n in 0.. {
                        let r = a
                            .post(&format!("{base}/api/v1/cases"))
                            .set("authorization", &format!("Bearer {token}"))
                            .send_json(ureq::json!({
                                "procedure": "disclosure_request",
                                "on": "2026-11-02",
                                "fields": {
                                    "channel": "online",
                                    "applicant_name": format!("申请人{w}-{n}"),
                                    "information_sought": "预算",
                                },
                            }));
                        match r {
                            Ok(res) => acked.lock().unwrap().push(
                                res.into_json::<serde_json::Value>().unwrap()["id"]
                                    .as_i64()
                                    .unwrap(),
                            ),
                            Err(_) => return, // the server is gone
                        }
                    }
                })
            })
            .collect();
        let acked = std::sync::Arc::new(std::sync::Mutex::new(Vec::<(i64, String)>::new()));
        let units = ["general-office", "petition-bureau", "finance-bureau"];
        let writers: Vec<_> = (0..3)
            .map(|w| {
                let (acked, base, token) = (acked.clone(), base.clone(), token.clone());
                std::thread::spawn(move || {
                    let a = agent();
                    for n in 0.. {
                        let body = profile(w * 100_000 + n);
                        let r = a
                            .put(&format!("{base}/api/v1/units/{}/profile", units[w]))
                            .set("authorization", &format!("Bearer {token}"))
                            .send_json(body.clone());
                        match r {
                            Ok(res) => {
                                let seq = res.into_json::<serde_json::Value>().unwrap()
                                    ["audit_seq"]
                                    .as_i64()
                                    .unwrap();
                                acked
                                    .lock()
                                    .unwrap()
                                    .push((seq, body["address"].as_str().unwrap().to_string()));
                            }
                            Err(_) => return, // the server is gone
                        }
                    }
                })
            })
            .collect();
        let start = Instant::now();
        while (acked.lock().unwrap().len() < 30 || acked_cases.lock().unwrap().len() < 30)
            && start.elapsed() < Duration::from_secs(60)
        {
            std::thread::sleep(Duration::from_millis(20));
        }
        server.child.kill().unwrap(); // SIGKILL
        server.child.wait().unwrap();
        for w in writers.into_iter().chain(case_writers) {
            w.join().unwrap();
        }
        let acked = acked.lock().unwrap().clone();
        let acked_cases = acked_cases.lock().unwrap().clone();
        assert!(
            acked.len() >= 30 && acked_cases.len() >= 30,
            "{}: writes were acknowledged before the kill",
            t.label
        );

        let server = Server::start(&t.url);
        let auditor = login(&server, "shenji");
        for (seq, address) in &acked {
            let (s, entries) = call(
                auditor
                    .get(&server.url(&format!(
                        "/api/v1/audit?entity=unit_profile&before_seq={}&limit=1",
                        seq + 1
                    )))
                    .call(),
            );
            assert_eq!(s, 200);
            let e = &entries[0];
            assert_eq!(
                e["seq"].as_i64(),
                Some(*seq),
                "{}: acknowledged entry {seq} is present",
                t.label
            );
            assert!(
                e["after_json"].as_str().unwrap().contains(address.as_str()),
                "{}: entry {seq} holds its write",
                t.label
            );
        }
        let officer = login(&server, "bangongshi");
        for id in &acked_cases {
            let (s, case) = call(
                officer
                    .get(&server.url(&format!("/api/v1/cases/{id}")))
                    .call(),
            );
            assert_eq!(
                (s, case["summary"]["procedure"].as_str()),
                (200, Some("disclosure_request")),
                "{}: acknowledged case {id} is present",
                t.label
            );
        }
        drop(server);
        let out = Command::new(BIN)
            .args(["audit", "verify", "--db", &t.url])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}: {}",
            t.label,
            String::from_utf8_lossy(&out.stdout)
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains("chain intact"));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_shuts_down_gracefully() {
    let t = fazhi_store::testing::fresh_sqlite("e2e_term");
    let mut server = Server::start(&t.url);
    assert_eq!(call(agent().get(&server.url("/healthz")).call()).0, 200);
    Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(s) = server.child.try_wait().unwrap() {
            break s;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the server stops within 20 s of SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "exit status {status}");
    t.remove().await;
}

/// Two `fazhi serve` processes share one PostgreSQL database: their scheduled sweeps raise each
/// alarm once, and only one of them sweeps a given period.
#[tokio::test(flavor = "multi_thread")]
async fn two_processes_on_postgres_raise_each_alarm_once() {
    let Ok(admin_url) = std::env::var("FAZHI_TEST_PG") else {
        return; // PostgreSQL runs only when FAZHI_TEST_PG is set (CI sets it)
    };
    let t = fazhi_store::testing::fresh_postgres(&admin_url, "two_nodes").await;
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let run = |args: &[&str]| {
        let out = Command::new(BIN).args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(&[
        "org",
        "import",
        "--db",
        &t.url,
        &format!("{root}/data/orgs/bazhong-2008.toml"),
    ]);
    for (unit, on) in [
        ("市政府办公室", "2024-03-01"),
        ("市财政局", "2024-04-01"),
        ("市教育局", "2024-05-06"),
    ] {
        run(&[
            "case",
            "open",
            "disclosure_request",
            "--db",
            &t.url,
            "--unit",
            unit,
            "--on",
            on,
            "--field",
            "channel=online",
            "--field",
            "applicant_name=测试申请人",
        ]);
    }
    let start = || {
        Command::new(BIN)
            .args(["serve", "--addr", "127.0.0.1:0", "--db", &t.url])
            .env("FAZHI_SWEEP_SECONDS", "1")
            .env("FAZHI_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    let (mut a, mut b) = (start(), start());
    let db = fazhi_store::Db::connect(&t.url).await.unwrap();
    let count = |sql: &'static str| {
        let db = db.clone();
        async move {
            sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(db.pool())
                .await
                .unwrap()
        }
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while count("SELECT COUNT(*) FROM alerts").await < 3 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
    }
    std::thread::sleep(Duration::from_secs(3)); // both processes sweep several more times
    for c in [&mut a, &mut b] {
        let _ = c.kill();
        let _ = c.wait();
    }
    assert_eq!(
        count("SELECT COUNT(*) FROM alerts WHERE kind = 'alarm'").await,
        3,
        "each overdue case raised once"
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM (SELECT case_id, deadline_key, due, kind FROM alerts GROUP BY 1, 2, 3, 4 HAVING COUNT(*) > 1) x").await,
        0
    );
    let runs = count("SELECT COUNT(*) FROM sweep_runs WHERE period LIKE 'auto %'").await;
    assert!(
        (1..=2).contains(&runs),
        "one sweep per hour-long period (two if the hour turned): {runs}"
    );
    let report = fazhi_store::audit::verify(&db).await.unwrap();
    assert!(report.is_intact(), "{report:?}");
    db.close().await;
    t.remove().await;
}
