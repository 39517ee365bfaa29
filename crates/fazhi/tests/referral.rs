//! A petition that belongs to reconsideration, end to end against the real binary (issue #11 C):
//! the petition bureau tells the petitioner to apply for reconsideration and opens nothing
//! itself, so the sweep raises no alarm against it; the legal affairs office opens the
//! reconsideration case naming the petition, and both case pages show the link.

mod common;
use common::{csrf_of, signed_in, Server, BIN};

fn get(agent: &ureq::Agent, url: &str) -> (u16, String) {
    match agent.get(url).call() {
        Ok(r) => (r.status(), r.into_string().unwrap()),
        Err(ureq::Error::Status(code, r)) => (code, r.into_string().unwrap()),
        Err(e) => panic!("{url}: {e}"),
    }
}

fn json(agent: &ureq::Agent, url: &str) -> serde_json::Value {
    agent.get(url).call().unwrap().into_json().unwrap()
}

fn ids(cases: &serde_json::Value) -> Vec<i64> {
    cases
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect()
}

#[test]
fn a_referred_petition_opens_no_case_in_the_bureau_and_the_reconsideration_links_back() {
    let t = fazhi_store::testing::fresh_sqlite("e2e_referral");
    // The demo on the day its data describes: the sweep `serve` runs at start raises what is
    // overdue today, and the demo's accepted petition is genuinely overdue from 2026-12-22.
    let server = Server::start_with_env(&t.url, &[("FAZHI_TODAY", "2026-11-27")]);
    let base = server.base.clone();
    let pb = signed_in(&base, "xinfang");
    let sup = signed_in(&base, "fazhiban");

    // The bureau holds its two petitions and no reconsideration case.
    let petitions = json(&pb, &format!("{base}/api/v1/cases?procedure=petition"));
    let referred = petitions
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["step"] == "referred")
        .expect("the demo's referred petition");
    let q = referred["id"].as_i64().unwrap();
    assert!(
        referred["closed_on"].is_string(),
        "the referral ends the petition"
    );
    let accepted = petitions
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["step"] == "accepted")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let in_bureau = json(&sup, &format!("{base}/api/v1/cases?unit=petition-bureau"));
    assert_eq!(
        ids(&in_bureau).len(),
        2,
        "the petition bureau holds the two petitions only: {in_bureau}"
    );

    // No false alarm: on the demo's day the sweep finds nothing overdue in the bureau.
    let out = std::process::Command::new(BIN)
        .args(["sweep", "--db", &t.url, "--on", "2026-11-27"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let overdue = json(&sup, &format!("{base}/api/v1/overdue?on=2026-11-27"));
    let bureau: Vec<&serde_json::Value> = overdue
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["unit_key"] == "petition-bureau")
        .collect();
    assert!(bureau.is_empty(), "alarms against 信访局: {bureau:?}");
    let alerts = json(&sup, &format!("{base}/api/v1/alerts"));
    assert!(
        !alerts
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["unit_key"] == "petition-bureau"),
        "{alerts}"
    );
    // Nor later: the referred petition runs no deadline at all.
    let far = json(&sup, &format!("{base}/api/v1/overdue?on=2027-06-30"));
    assert!(
        !far.as_array().unwrap().iter().any(|l| l["case_id"] == q),
        "{far}"
    );

    // The reconsideration case is the legal affairs office's, and names the petition.
    let recs = json(
        &sup,
        &format!("{base}/api/v1/cases?procedure=reconsideration"),
    );
    let rec = recs.as_array().unwrap()[0].clone();
    assert_eq!(rec["unit_key"], "legal-affairs-office", "{recs}");
    let rec = rec["id"].as_i64().unwrap();
    let view = json(&sup, &format!("{base}/api/v1/cases/{rec}"));
    assert_eq!(
        view["state"]["fields"]["referred_from_petition"],
        q.to_string()
    );
    assert_eq!(view["links"][0]["case_id"], q, "{view}");
    assert_eq!(view["links"][0]["direction"], "from");
    let (_, rec_page) = get(&sup, &format!("{base}/cases/{rec}"));
    assert!(
        rec_page.contains(&format!("href=\"/cases/{q}\"")),
        "the reconsideration page links to the petition"
    );
    // The petition's page says what the petitioner was told, and links to the application.
    let (_, petition_page) = get(&pb, &format!("{base}/cases/{q}"));
    assert!(
        petition_page.contains("已告知通过法定途径解决")
            && petition_page.contains("告知信访人日期")
            && petition_page.contains("2026-11-06"),
        "the referral is recorded on the petition"
    );
    assert!(
        petition_page.contains(&format!("href=\"/cases/{rec}\"")),
        "the petition page links to the reconsideration case"
    );

    // Opening a reconsideration case through the form: the petition must be one referred to
    // reconsideration; the field is on the opening form.
    let (_, form) = get(&sup, &format!("{base}/cases/new?procedure=reconsideration"));
    assert!(
        form.contains("由信访事项告知转来"),
        "the opening form asks for the petition"
    );
    let csrf = csrf_of(&form);
    let open = |petition: &str| {
        let r = sup.post(&format!("{base}/cases")).send_form(&[
            ("csrf", csrf.as_str()),
            ("procedure", "reconsideration"),
            ("unit", "legal-affairs-office"),
            ("on", "2026-11-20"),
            ("f.received_on", "2026-11-20"),
            ("f.applicant_name", "端到端测试申请人"),
            ("f.referred_from_petition", petition),
        ]);
        match r {
            Ok(r) => (r.status(), r.header("location").unwrap_or("").to_string()),
            Err(ureq::Error::Status(code, r)) => (code, r.into_string().unwrap()),
            Err(e) => panic!("{e}"),
        }
    };
    let (code, page) = open("99999");
    assert_eq!(code, 422);
    assert!(page.contains("案件 #99999 不存在"), "{page}");
    let (code, page) = open(&accepted.to_string());
    assert_eq!(code, 422);
    assert!(page.contains("尚未告知"), "{page}");
    let before = ids(&json(
        &sup,
        &format!("{base}/api/v1/cases?procedure=reconsideration"),
    ));
    assert_eq!(before.len(), 1, "a refused opening opens nothing");
    let (code, location) = open(&q.to_string());
    assert_eq!(code, 303, "{location}");
    let new_id: i64 = location.trim_start_matches("/cases/").parse().unwrap();
    let view = json(&sup, &format!("{base}/api/v1/cases/{new_id}"));
    assert_eq!(view["links"][0]["case_id"], q, "{view}");
    // The API refuses the same way, in both languages.
    let r = sup
        .post(&format!("{base}/api/v1/cases"))
        .send_json(ureq::json!({
            "procedure": "reconsideration", "unit": "legal-affairs-office", "on": "2026-11-20",
            "fields": {"applicant_name": "甲", "referred_from_petition": accepted.to_string()},
        }));
    let Err(ureq::Error::Status(422, r)) = r else {
        panic!("expected 422");
    };
    let err: serde_json::Value = r.into_json().unwrap();
    assert!(
        err["message_en"]
            .as_str()
            .unwrap()
            .contains("has not been referred"),
        "{err}"
    );
    assert!(
        err["message_zh"].as_str().unwrap().contains("尚未告知"),
        "{err}"
    );
}
