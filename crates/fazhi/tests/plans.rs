//! End-to-end plan tracking: `org import` and `plan import` from the command line (idempotent),
//! then an officer's responsibilities, a progress report through the page form, and the matrix
//! exports, over HTTP against the real binary.

use std::process::Command;
use std::time::Duration;

mod common;
use common::{csrf_of, Server, BIN};
const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

fn fazhi(args: &[&str]) -> (i32, String) {
    let out = Command::new(BIN).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn plan_import_is_idempotent_and_needs_a_directory() {
    let t = fazhi_store::testing::fresh_sqlite("cli_plan_import");
    let seed = format!("{ROOT}/data/seed/bazhong-2008-plan.txt");
    let (code, out) = fazhi(&["plan", "import", "--db", &t.url, &seed]);
    assert_eq!(code, 2, "no directory yet: {out}");
    let (code, out) = fazhi(&[
        "org",
        "import",
        "--db",
        &t.url,
        &format!("{ROOT}/data/orgs/bazhong-2008.toml"),
    ]);
    assert_eq!(code, 0, "{out}");
    let (code, out) = fazhi(&["plan", "import", "--db", &t.url, &seed]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("15 items"), "{out}");
    assert!(
        out.contains("市级相关部门"),
        "the group to be chosen per item is flagged: {out}"
    );
    let (code, out) = fazhi(&["plan", "import", "--db", &t.url, &seed]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("already imported"), "{out}");
    let (code, out) = fazhi(&["audit", "verify", "--db", &t.url]);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn an_officer_reports_progress_on_a_seed_plan_item() {
    let t = fazhi_store::testing::fresh_sqlite("e2e_plan");
    let server = Server::start(&t.url);
    let base = server.base.clone();
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(30))
        .build();
    agent
        .post(&format!("{base}/api/v1/session"))
        .send_json(ureq::json!({"username": "bangongshi", "password": "fazhi-demo-2008"}))
        .unwrap();
    let home = agent
        .get(&format!("{base}/home"))
        .call()
        .unwrap()
        .into_string()
        .unwrap();
    assert!(
        home.contains("我的职责") && home.contains("三(一)3"),
        "the officer sees their responsibilities"
    );
    let at = home.find("/items/").unwrap();
    let href_start = home[..at].rfind("href=\"").unwrap() + 6;
    let href = &home[href_start..href_start + home[href_start..].find('"').unwrap()];
    let item_page = agent
        .get(&format!("{base}{href}"))
        .call()
        .unwrap()
        .into_string()
        .unwrap();
    assert!(
        item_page.contains("报告进展"),
        "an assigned unit gets the report form"
    );
    let csrf = csrf_of(&item_page);
    #[allow(clippy::result_large_err)] // ureq's error type is large; fine in a test
    let post_report = |csrf: &str, text: &str| {
        let body = multipart(&[
            ("csrf", None, csrf.as_bytes()),
            ("reported_on", None, b"2008-07-15"),
            ("status", None, b"in_progress"),
            ("text", None, text.as_bytes()),
            ("file", Some("进展材料.txt"), "附件内容".as_bytes()),
        ]);
        agent
            .post(&format!("{base}{href}/reports"))
            .set(
                "content-type",
                &format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .send_bytes(&body)
    };
    let page = post_report(&csrf, "端到端测试报告")
        .unwrap()
        .into_string()
        .unwrap();
    assert!(
        page.contains("端到端测试报告"),
        "the report is on the item's timeline"
    );
    assert!(page.contains("进展材料.txt"), "with its attachment");
    let at = page.find("/attachments/").unwrap();
    let link = &page[at..at + page[at..].find('"').unwrap()];
    let file = agent
        .get(&format!("{base}{link}"))
        .call()
        .unwrap()
        .into_string()
        .unwrap();
    assert_eq!(file, "附件内容");
    // Without the CSRF token, nothing is written.
    assert!(matches!(
        post_report("x", "伪造"),
        Err(ureq::Error::Status(403, _))
    ));
    let plan_href = &href[..href.find("/items/").unwrap()];
    let csv = agent
        .get(&format!("{base}{plan_href}/matrix.csv?on=2008-08-01"))
        .call()
        .unwrap()
        .into_string()
        .unwrap();
    assert!(csv.starts_with('\u{feff}') && csv.contains("三(一)3") && csv.contains("市政府办公室"));
    let xlsx = agent
        .get(&format!("{base}{plan_href}/matrix.xlsx"))
        .call()
        .unwrap();
    assert!(xlsx.content_type().contains("spreadsheetml"));
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut xlsx.into_reader(), &mut bytes).unwrap();
    assert!(bytes.starts_with(b"PK"), "an XLSX file is a zip archive");
    let portal = ureq::get(&format!("{base}/"))
        .call()
        .unwrap()
        .into_string()
        .unwrap();
    assert!(portal.contains("巴中市人民政府全面推进依法行政工作2008年度安排"));
}

#[test]
fn org_resolve_reads_the_stored_directory_when_given_a_database() {
    let t = fazhi_store::testing::fresh_sqlite("cli_org_resolve");
    let (code, out) = fazhi(&["org", "resolve", "法制", "--db", &t.url]);
    assert_eq!(code, 2, "an empty database has no directory: {out}");
    let (code, out) = fazhi(&[
        "org",
        "import",
        "--db",
        &t.url,
        &format!("{ROOT}/data/orgs/bazhong-2008.toml"),
    ]);
    assert_eq!(code, 0, "{out}");
    let (code, out) = fazhi(&["org", "resolve", "法制", "--db", &t.url]);
    assert_eq!((code, out.trim()), (0, "市政府法制办公室"));
    let (code, _) = fazhi(&["org", "resolve", "市外星人事务局", "--db", &t.url]);
    assert_eq!(code, 1, "an unknown name is not guessed");
    let (code, out) = fazhi(&[
        "org",
        "import",
        "--db",
        &t.url,
        &format!("{ROOT}/data/orgs/bazhong-2008.toml"),
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("units added 0"),
        "a second import changes nothing: {out}"
    );
}

const BOUNDARY: &str = "fazhi-test-boundary-7f3a";

/// A multipart/form-data body: (field, file name, content).
fn multipart(parts: &[(&str, Option<&str>, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, filename, content) in parts {
        out.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        let disposition = match filename {
            Some(f) => format!(
                "Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: text/plain\r\n\r\n"
            ),
            None => format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n"),
        };
        out.extend_from_slice(disposition.as_bytes());
        out.extend_from_slice(content);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    out
}

/// The demo's petitioners and applicants never reach a public page or a public download, while
/// the handling unit does see them (so the scan is looking for names that exist).
#[test]
fn no_personal_data_reaches_a_public_page() {
    let t = fazhi_store::testing::fresh_sqlite("e2e_public");
    let server = Server::start(&t.url);
    let base = server.base.clone();
    // Names and numbers the demo gives its parties (crates/fazhi/src/demo.rs DEMO_PERSONAL).
    let personal = [
        "陈明",
        "13980001234",
        "刘芳",
        "13880005678",
        "赵强",
        "巴中市恒达建材有限公司",
    ];
    let public = [
        "/",
        "/?lang=en",
        "/login",
        "/api/v1/units",
        "/api/v1/plans",
        "/api/v1/procedures",
        "/api/v1/openapi.json",
        "/healthz",
        "/static/app.css",
    ];
    for path in public {
        let body = ureq::get(&format!("{base}{path}"))
            .call()
            .unwrap()
            .into_string()
            .unwrap();
        for p in personal {
            assert!(!body.contains(p), "{path} shows personal data {p}");
        }
    }
    let portal = ureq::get(&format!("{base}/"))
        .call()
        .unwrap()
        .into_string()
        .unwrap();
    assert!(
        portal.contains("依申请办理情况统计"),
        "the portal shows case statistics"
    );
    assert!(
        portal.contains("逐项查看进展") && portal.contains("健全完善行政决策机制"),
        "the plan item by item"
    );
    // The handling unit sees its applicant.
    let agent = ureq::AgentBuilder::new().build();
    agent
        .post(&format!("{base}/api/v1/session"))
        .send_json(ureq::json!({"username": "bangongshi", "password": "fazhi-demo-2008"}))
        .unwrap();
    let cases: serde_json::Value = agent
        .get(&format!("{base}/api/v1/cases?procedure=disclosure_request"))
        .call()
        .unwrap()
        .into_json()
        .unwrap();
    let seen: String = cases
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            agent
                .get(&format!("{base}/cases/{}", c["id"]))
                .call()
                .unwrap()
                .into_string()
                .unwrap()
        })
        .collect();
    assert!(
        seen.contains("陈明"),
        "the handling officer sees the applicant"
    );
}

/// The demo plan's items by number: (plan item id, page path).
fn demo_items(base: &str, agent: &ureq::Agent) -> std::collections::HashMap<String, (i64, String)> {
    let m: serde_json::Value = agent
        .get(&format!("{base}/api/v1/plans/1/matrix"))
        .call()
        .unwrap()
        .into_json()
        .unwrap();
    m["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let id = i["id"].as_i64().unwrap();
            (
                i["number"].as_str().unwrap().to_string(),
                (id, format!("/plans/1/items/{id}")),
            )
        })
        .collect()
}

/// A page's body, whatever its status; the status with it.
fn page(agent: &ureq::Agent, url: &str) -> (u16, String) {
    match agent.get(url).call() {
        Ok(r) => (r.status(), r.into_string().unwrap()),
        Err(ureq::Error::Status(code, r)) => (code, r.into_string().unwrap()),
        Err(e) => panic!("{url}: {e}"),
    }
}

fn post_form(agent: &ureq::Agent, url: &str, form: &[(&str, &str)]) -> (u16, String) {
    match agent.post(url).send_form(form) {
        Ok(r) => (r.status(), r.into_string().unwrap()),
        Err(ureq::Error::Status(code, r)) => (code, r.into_string().unwrap()),
        Err(e) => panic!("{url}: {e}"),
    }
}

fn post_json(agent: &ureq::Agent, url: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
    let r = match agent.post(url).send_json(body) {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("{url}: {e}"),
    };
    let code = r.status();
    let text = r.into_string().unwrap();
    (
        code,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
    )
}

/// Issue #11 A over HTTP: the demo's closed item 三(一)5 cannot be closed twice; its lead unit
/// reopens it with a reason on the item page (the API does the same), a closing date before
/// the last progress report or after today is refused in both languages, and the item closes
/// again. The trail keeps every step.
#[test]
fn a_closed_item_is_reopened_with_a_reason_and_closed_again() {
    let t = fazhi_store::testing::fresh_sqlite("e2e_plan_reopen");
    let server = Server::start(&t.url);
    let base = server.base.clone();
    let go = common::signed_in(&base, "bangongshi");
    let items = demo_items(&base, &go);
    let (id, href) = items["三(一)5"].clone();
    let (_, item_page) = page(&go, &format!("{base}{href}"));
    assert!(item_page.contains("2008-11-28"), "the demo closed it");
    assert!(
        item_page.contains("重新打开该事项") && !item_page.contains("办结该事项"),
        "a closed item offers reopening to its lead unit, not closing"
    );
    let csrf = csrf_of(&item_page);
    let (code, body) = post_form(
        &go,
        &format!("{base}{href}/close"),
        &[
            ("csrf", &csrf),
            ("closed_on", "2008-12-01"),
            ("summary", "再次办结"),
        ],
    );
    assert_eq!(code, 422, "closing happens once: {body}");
    assert!(body.contains("已办结"), "{body}");
    // A participant may not reopen it.
    let pb = common::signed_in(&base, "xinfang");
    let (code, _) = post_json(
        &pb,
        &format!("{base}/api/v1/plan-items/{id}/reopen"),
        ureq::json!({"reason": "信访局认为未完成"}),
    );
    assert_eq!(code, 403);
    let (code, body) = post_form(
        &go,
        &format!("{base}{href}/reopen"),
        &[("csrf", &csrf), ("reason", " ")],
    );
    assert_eq!(code, 422, "a reason is required: {body}");
    let (code, _) = post_form(
        &go,
        &format!("{base}{href}/reopen"),
        &[("csrf", &csrf), ("reason", "汇编尚未印发，提前办结")],
    );
    assert_eq!(code, 303);
    let (_, item_page) = page(&go, &format!("{base}{href}"));
    assert!(
        item_page.contains("办结该事项") && !item_page.contains("2008-11-28"),
        "reopened: the closing is cleared and the close form is back"
    );
    // A report, then a closing dated before it: refused, with the report's date in both languages.
    let (code, _) = post_json(
        &go,
        &format!("{base}/api/v1/plan-items/{id}/reports"),
        ureq::json!({"reported_on": "2008-12-10", "status": "done", "text": "汇编已印发"}),
    );
    assert_eq!(code, 201);
    let (code, body) = post_form(
        &go,
        &format!("{base}{href}/close"),
        &[
            ("csrf", &csrf),
            ("closed_on", "2008-12-01"),
            ("summary", "已办结"),
        ],
    );
    assert_eq!(code, 422);
    assert!(
        body.contains("早于该事项最后一次进展报告") && body.contains("2008-12-10"),
        "{body}"
    );
    let (code, err) = post_json(
        &go,
        &format!("{base}/api/v1/plan-items/{id}/close"),
        ureq::json!({"closed_on": "2008-12-01", "summary": "已办结"}),
    );
    assert_eq!(code, 422);
    assert!(
        err["message_en"]
            .as_str()
            .unwrap()
            .contains("last progress report (2008-12-10)"),
        "{err}"
    );
    assert!(
        err["message_zh"].as_str().unwrap().contains("2008-12-10"),
        "{err}"
    );
    let tomorrow = fazhi_store::clock::today().succ_opt().unwrap().to_string();
    let (code, err) = post_json(
        &go,
        &format!("{base}/api/v1/plan-items/{id}/close"),
        ureq::json!({"closed_on": tomorrow, "summary": "已办结"}),
    );
    assert_eq!(code, 422);
    assert!(
        err["message_en"].as_str().unwrap().contains("after today"),
        "{err}"
    );
    assert!(
        err["message_zh"].as_str().unwrap().contains("晚于今天"),
        "{err}"
    );
    let (code, _) = post_form(
        &go,
        &format!("{base}{href}/close"),
        &[
            ("csrf", &csrf),
            ("closed_on", "2008-12-10"),
            ("summary", "汇编已印发，办结"),
        ],
    );
    assert_eq!(code, 303);
    let (_, item_page) = page(&go, &format!("{base}{href}"));
    assert!(item_page.contains("2008-12-10") && item_page.contains("汇编已印发，办结"));
    // The API reopens too.
    let (code, _) = post_json(
        &go,
        &format!("{base}/api/v1/plan-items/{id}/reopen"),
        ureq::json!({"reason": "API 重新打开"}),
    );
    assert_eq!(code, 204);
    // The auditor reads the whole history on the trail.
    let auditor = common::signed_in(&base, "shenji");
    let trail: serde_json::Value = auditor
        .get(&format!(
            "{base}/api/v1/audit?entity=plan_item&entity_id={id}"
        ))
        .call()
        .unwrap()
        .into_json()
        .unwrap();
    let actions: Vec<&str> = trail
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["plan.close", "plan.reopen", "plan.close", "plan.reopen"],
        "{trail}"
    );
    let text = trail.to_string();
    assert!(
        text.contains("汇编尚未印发，提前办结") && text.contains("2008-11-28"),
        "{text}"
    );
}

/// Post the page's report form (multipart) as `agent`, with one attached file.
fn post_report_form(
    base: &str,
    agent: &ureq::Agent,
    href: &str,
    text: &str,
    file: (&str, &str),
) -> u16 {
    let (_, item_page) = page(agent, &format!("{base}{href}"));
    let csrf = csrf_of(&item_page);
    let body = multipart(&[
        ("csrf", None, csrf.as_bytes()),
        ("reported_on", None, b"2008-07-20"),
        ("status", None, b"in_progress"),
        ("text", None, text.as_bytes()),
        ("file", Some(file.0), file.1.as_bytes()),
    ]);
    match agent
        .post(&format!("{base}{href}/reports"))
        .set(
            "content-type",
            &format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .send_bytes(&body)
    {
        Ok(r) => r.status(),
        Err(ureq::Error::Status(code, _)) => code,
        Err(e) => panic!("{e}"),
    }
}

/// The link of the attachment named `filename` on an item page.
fn attachment_link(item_page: &str, filename: &str) -> String {
    let at = item_page
        .find(filename)
        .unwrap_or_else(|| panic!("{filename} is on the page"));
    let start = item_page[..at].rfind("/attachments/").unwrap();
    item_page[start..start + item_page[start..].find('"').unwrap()].to_string()
}

/// Issue #11 B: a unit's progress reports and their attachments are read by the units the item
/// concerns, not by any signed-in account. On 三(一)1 (市政府办公室 leads; 财政局, 统计局 and
/// 法制办 participate; 信访局 has no part) and 三(三)1 (信访局 leads; 市政府办公室 and 财政局
/// participate): the lead reads every assigned unit's reports, a participant its own and the
/// lead's, an unassigned officer none; the supervisor, the auditor and the administrator read all.
#[test]
fn reports_and_attachments_are_read_only_by_those_the_item_concerns() {
    let t = fazhi_store::testing::fresh_sqlite("e2e_report_scope");
    let server = Server::start(&t.url);
    let base = server.base.clone();
    let go = common::signed_in(&base, "bangongshi");
    let pb = common::signed_in(&base, "xinfang");
    let sup = common::signed_in(&base, "fazhiban");
    let aud = common::signed_in(&base, "shenji");
    let admin = common::signed_in(&base, "admin");
    let items = demo_items(&base, &go);
    let (id_311, href_311) = items["三(一)1"].clone();
    let (id_331, href_331) = items["三(三)1"].clone();

    // 三(一)1: the lead's report with a file, a participant's with a file (法制办, the
    // supervisor's own unit, through the page), two participants' through the API.
    assert_eq!(
        post_report_form(
            &base,
            &go,
            &href_311,
            "办公室：决策规则已起草",
            ("决策规则草案.txt", "草案内容")
        ),
        303
    );
    assert_eq!(
        post_report_form(
            &base,
            &sup,
            &href_311,
            "法制办：合法性审查意见",
            ("法制办意见.txt", "意见内容")
        ),
        303
    );
    for (unit, text) in [
        ("finance-bureau", "财政局：经费保障到位"),
        ("statistics-bureau", "统计局：指标体系已拟定"),
    ] {
        let (code, body) = post_json(
            &sup,
            &format!("{base}/api/v1/plan-items/{id_311}/reports"),
            ureq::json!({"unit": unit, "reported_on": "2008-07-21", "status": "in_progress", "text": text}),
        );
        assert_eq!(code, 201, "{body}");
    }
    let all_311 = [
        "办公室：决策规则已起草",
        "法制办：合法性审查意见",
        "财政局：经费保障到位",
        "统计局：指标体系已拟定",
    ];
    let (_, lead_page) = page(&go, &format!("{base}{href_311}"));
    for text in all_311 {
        assert!(lead_page.contains(text), "the lead unit reads {text}");
    }
    let lead_file = attachment_link(&lead_page, "决策规则草案.txt");
    let participant_file = attachment_link(&lead_page, "法制办意见.txt");
    assert_eq!(
        page(&go, &format!("{base}{participant_file}")),
        (200, "意见内容".to_string())
    );

    // 信访局 has no part in 三(一)1: it reads the item, not the reports nor their files.
    let (code, outsider_page) = page(&pb, &format!("{base}{href_311}"));
    assert_eq!(code, 200, "the item itself stays readable");
    for text in all_311 {
        assert!(!outsider_page.contains(text), "信访局 must not read {text}");
    }
    assert!(!outsider_page.contains("/attachments/"));
    assert!(
        outsider_page.contains("仅显示本单位可查阅的进展报告"),
        "the page says why"
    );
    for link in [&lead_file, &participant_file] {
        assert_eq!(page(&pb, &format!("{base}{link}")).0, 403, "{link}");
    }
    // Supervisor, auditor and administrator read everything.
    for (who, agent) in [("fazhiban", &sup), ("shenji", &aud), ("admin", &admin)] {
        let (_, p) = page(agent, &format!("{base}{href_311}"));
        for text in all_311 {
            assert!(p.contains(text), "{who} reads {text}");
        }
        assert_eq!(
            page(agent, &format!("{base}{lead_file}")),
            (200, "草案内容".to_string()),
            "{who}"
        );
    }

    // 三(三)1: 信访局 leads (its demo report), 市政府办公室 and 财政局 participate.
    let (code, body) = post_json(
        &go,
        &format!("{base}/api/v1/plan-items/{id_331}/reports"),
        ureq::json!({"reported_on": "2008-07-22", "status": "in_progress", "text": "办公室：信访信息已公开"}),
    );
    assert_eq!(code, 201, "{body}");
    let (code, body) = post_json(
        &sup,
        &format!("{base}/api/v1/plan-items/{id_331}/reports"),
        ureq::json!({"unit": "finance-bureau", "reported_on": "2008-07-22", "status": "in_progress", "text": "财政局：信访经费已保障"}),
    );
    assert_eq!(code, 201, "{body}");
    let lead_report = "建立信访、行政复议、行政诉讼衔接联席会议制度";
    let (_, participant_page) = page(&go, &format!("{base}{href_331}"));
    assert!(
        participant_page.contains(lead_report),
        "a participant reads the lead's report"
    );
    assert!(
        participant_page.contains("办公室：信访信息已公开"),
        "and its own"
    );
    assert!(
        !participant_page.contains("财政局：信访经费已保障"),
        "but not another participant's"
    );
    let (_, lead_page) = page(&pb, &format!("{base}{href_331}"));
    for text in [
        lead_report,
        "办公室：信访信息已公开",
        "财政局：信访经费已保障",
    ] {
        assert!(lead_page.contains(text), "the lead unit reads {text}");
    }
}
