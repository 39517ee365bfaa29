//! End-to-end, with the demo: personal values (the applicants, petitioners and parties the demo
//! invents) reach the supervisor who handles them, and neither the administrator, who manages
//! accounts and holds no supervisor grant, nor the auditor; never the audit trail.

use std::time::Duration;

mod common;
use common::{signed_in, Server};

/// The demo's private persons (crates/fazhi/src/demo.rs, fazhi-store penalties::load_demo).
const NAMES: [&str; 6] = ["陈明", "刘芳", "赵强", "周德顺", "孙桂兰", "何小军"];

fn get(a: &ureq::Agent, url: &str) -> (u16, String) {
    match a.get(url).timeout(Duration::from_secs(30)).call() {
        Ok(r) => (r.status(), r.into_string().unwrap()),
        Err(ureq::Error::Status(code, r)) => (code, r.into_string().unwrap()),
        Err(e) => panic!("{url}: {e}"),
    }
}

fn json(a: &ureq::Agent, url: &str) -> serde_json::Value {
    let (code, body) = get(a, url);
    assert_eq!(code, 200, "{url}: {body}");
    serde_json::from_str(&body).unwrap()
}

#[test]
fn an_administrator_without_a_supervisor_grant_sees_masks() {
    let t = fazhi_store::testing::fresh_sqlite("e2e_personal");
    let server = Server::start(&t.url);
    let base = server.base.clone();
    let admin = signed_in(&base, "admin");
    let sup = signed_in(&base, "fazhiban");
    let aud = signed_in(&base, "shenji");

    let cases = json(&sup, &format!("{base}/api/v1/cases"));
    let ids: Vec<i64> = cases
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert!(ids.len() >= 3, "{cases}");
    let mut seen_by_supervisor = String::new();
    for id in &ids {
        let v = json(&sup, &format!("{base}/api/v1/cases/{id}"));
        assert!(
            v["personal"].is_object(),
            "the supervisor handles case {id}"
        );
        seen_by_supervisor.push_str(&v["personal"].to_string());
        for (who, agent) in [("admin", &admin), ("auditor", &aud)] {
            let url = format!("{base}/api/v1/cases/{id}");
            let (code, body) = get(agent, &url);
            assert_eq!(code, 200, "{who} reads case {id}");
            let v: serde_json::Value = serde_json::from_str(&body).unwrap();
            assert!(
                v["personal"].is_null(),
                "{who} sees case {id}'s personal data"
            );
            assert!(
                v["actions"].as_array().unwrap().is_empty(),
                "{who} may act on case {id}"
            );
            let (code, page) = get(agent, &format!("{base}/cases/{id}"));
            assert_eq!(code, 200, "{who}: /cases/{id}");
            assert!(
                !page.contains(&format!("/cases/{id}/accountability")),
                "{who} is offered the accountability form on case {id}"
            );
            for name in NAMES {
                assert!(!body.contains(name), "{who} reads {name} in case {id}");
                assert!(!page.contains(name), "{who} reads {name} on /cases/{id}");
            }
        }
    }
    assert!(
        seen_by_supervisor.contains("陈明") && seen_by_supervisor.contains("刘芳"),
        "{seen_by_supervisor}"
    );
    // The supervisor is offered the accountability form where a deadline was missed.
    let overdue = json(&sup, &format!("{base}/api/v1/overdue"));
    let late = overdue[0]["case_id"]
        .as_i64()
        .expect("the demo has an overdue case");
    let (_, page) = get(&sup, &format!("{base}/cases/{late}"));
    assert!(page.contains(&format!("/cases/{late}/accountability")));

    // Penalty decisions: the party for the supervisor, not for the administrator.
    let decisions = json(&sup, &format!("{base}/api/v1/discretion/decisions"));
    for d in decisions.as_array().unwrap() {
        let url = format!("{base}/api/v1/discretion/decisions/{}", d["id"]);
        assert!(json(&sup, &url)["party_name"].is_string());
        let v = json(&admin, &url);
        assert!(v["party_name"].is_null(), "{v}");
    }

    // The administrator reads the trail (which the reads above extended): no names on it.
    let trail = json(&admin, &format!("{base}/api/v1/audit?limit=500"));
    let text = trail.to_string();
    assert!(text.contains("personal.read"));
    for name in NAMES {
        assert!(!text.contains(name), "{name} on the audit trail");
    }
    drop(server);
    let path = t.url.trim_start_matches("sqlite://");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{path}{suffix}"));
    }
}
