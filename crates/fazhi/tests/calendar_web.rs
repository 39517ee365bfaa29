//! The calendar page, end to end on the real binary: the supervisor is told next year's notice
//! is missing; an administrator loads a notice file (a bad one is refused with its line and
//! changes nothing; a good one recomputes the open deadlines and lists the moved ones); an
//! officer may look but not load. `FAZHI_TODAY` is refused without --demo.

mod common;

use common::{csrf_of, signed_in, Server, BIN};
use std::process::Command;

const NOTICE_2027: &str = include_str!("../../fazhi-calendar/tests/data/notice-2027-test.toml");

fn upload(agent: &ureq::Agent, base: &str, csrf: &str, file: &str, text: &str) -> (u16, String) {
    let boundary = "----fazhi-calendar-boundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file}\"\r\nContent-Type: text/plain\r\n\r\n{text}\r\n\
         --{boundary}--\r\n"
    );
    let r = agent
        .post(&format!("{base}/calendar"))
        .set(
            "content-type",
            &format!("multipart/form-data; boundary={boundary}"),
        )
        .send_bytes(body.as_bytes());
    match r {
        Ok(res) => (res.status(), res.into_string().unwrap()),
        Err(ureq::Error::Status(code, res)) => (code, res.into_string().unwrap()),
        Err(e) => panic!("{e}"),
    }
}

fn get(agent: &ureq::Agent, url: &str) -> String {
    agent.get(url).call().unwrap().into_string().unwrap()
}

#[test]
fn an_administrator_loads_next_years_notice_on_the_calendar_page() {
    let dir = tempfile_dir("load");
    let db = format!("sqlite://{dir}/cal.db");
    let server = Server::start(&db);
    let base = server.base.clone();
    // A request extended into 2027: provisional until the notice is loaded.
    let officer = signed_in(&base, "bangongshi");
    let opened: serde_json::Value = officer
        .post(&format!("{base}/api/v1/cases"))
        .send_json(
            ureq::json!({"procedure": "disclosure_request", "on": "2026-12-01",
            "fields": {"channel": "online", "applicant_name": "甲", "information_sought": "预算"}}),
        )
        .map(|r| r.into_json().unwrap())
        .unwrap_or_else(|e| panic!("open: {e:?}"));
    let id = opened["id"].as_i64().expect("a case id");
    officer
        .post(&format!("{base}/api/v1/cases/{id}/actions"))
        .send_json(ureq::json!({"action": "extend", "on": "2026-12-02",
            "fields": {"approver": "主任", "reason": "需调取档案"}}))
        .unwrap_or_else(|e| panic!("extend: {e:?}"));
    let case: serde_json::Value = officer
        .get(&format!("{base}/api/v1/cases/{id}"))
        .call()
        .unwrap()
        .into_json()
        .unwrap();
    assert_eq!(case["deadlines"][0]["due"], "2027-01-26", "{case}");
    assert_eq!(case["deadlines"][0]["provisional"], true, "{case}");
    let page = get(&officer, &format!("{base}/cases/{id}"));
    assert!(page.contains("待确认"), "the case page marks it");

    let sup = signed_in(&base, "fazhiban");
    let home = get(&sup, &format!("{base}/home"));
    assert!(home.contains("放假安排尚未载入"), "the supervisor is told");

    // An officer sees the years but has no upload form, and a post is refused.
    let page = get(&officer, &format!("{base}/calendar"));
    assert!(page.contains("2026") && !page.contains("type=\"file\""));
    let csrf = csrf_of(&get(&officer, &format!("{base}/home")));
    let (status, _) = upload(&officer, &base, &csrf, "x.toml", NOTICE_2027);
    assert_eq!(status, 403);

    let admin = signed_in(&base, "admin");
    let page = get(&admin, &format!("{base}/calendar"));
    let csrf = csrf_of(&page);
    let bad = NOTICE_2027.replace("work = [\"2027-04-25\"]", "work = [\"2027-04-26\"]");
    let (status, html) = upload(&admin, &base, &csrf, "bad-2027.toml", &bad);
    assert_eq!(status, 422, "{html}");
    assert!(
        html.contains("bad-2027.toml:"),
        "the error names the file and line"
    );
    let (status, html) = upload(&admin, &base, &csrf, "2027.toml", NOTICE_2027);
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("2027-01-26") && html.contains("2027-01-27"),
        "the move is listed"
    );
    let case: serde_json::Value = officer
        .get(&format!("{base}/api/v1/cases/{id}"))
        .call()
        .unwrap()
        .into_json()
        .unwrap();
    assert_eq!(case["deadlines"][0]["due"], "2027-01-27");
    assert_eq!(case["deadlines"][0]["provisional"], false);
    let home = get(&sup, &format!("{base}/home"));
    assert!(
        home.contains("因载入放假安排而变动的期限"),
        "the supervisor sees the move"
    );
    drop(server);

    // The CLI reads the same database: 2027 is covered and says where from.
    let out = Command::new(BIN)
        .args(["calendar", "years", "--json", "--db", &db])
        .output()
        .unwrap();
    let years: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let y = years
        .as_array()
        .unwrap()
        .iter()
        .find(|y| y["year"] == 2027)
        .expect("2027 is covered");
    assert_eq!(y["notices"][0]["source"], "loaded");
    let out = Command::new(BIN)
        .args(["calendar", "is-workday", "2027-01-01", "--db", &db])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "false");
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn the_clock_can_be_pinned_only_for_a_demo() {
    let dir = tempfile_dir("pin");
    let out = Command::new(BIN)
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--db",
            &format!("sqlite://{dir}/x.db"),
        ])
        .env("FAZHI_TODAY", "2026-11-27")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--demo"), "{err}");
    std::fs::remove_dir_all(dir).ok();
}

/// A fresh directory for one test: named by the process and the test, emptied first.
fn tempfile_dir(tag: &str) -> String {
    let dir = std::env::temp_dir().join(format!("fazhi-cal-{}-{tag}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    std::fs::create_dir_all(&dir).unwrap();
    dir.to_string_lossy().into_owned()
}
