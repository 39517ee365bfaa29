//! End-to-end discretion pages against the real binary with the demo: the public benchmark
//! pages and JSON downloads, try-a-case for an officer (bad facts and dates refused in both
//! languages), recording a decision (outside the recommendation only with a reason), the
//! supervisor's deviation list, and no party name on any public page.

use std::process::Command;
use std::time::Duration;

mod common;
use common::{csrf_of, Server, BIN};

fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(30))
        .build()
}

fn signed_in(base: &str, username: &str) -> ureq::Agent {
    let a = agent();
    a.post(&format!("{base}/api/v1/session"))
        .send_json(ureq::json!({"username": username, "password": "fazhi-demo-2008"}))
        .unwrap();
    a
}

/// Status and body, for 2xx and 4xx alike.
fn get(a: &ureq::Agent, url: &str) -> (u16, String) {
    match a.get(url).call() {
        Ok(r) => (r.status(), r.into_string().unwrap()),
        Err(ureq::Error::Status(code, r)) => (code, r.into_string().unwrap()),
        Err(e) => panic!("{url}: {e}"),
    }
}

fn post_form(a: &ureq::Agent, url: &str, form: &[(&str, &str)]) -> (u16, String) {
    match a.post(url).send_form(form) {
        Ok(r) => (r.status(), r.into_string().unwrap()),
        Err(ureq::Error::Status(code, r)) => (code, r.into_string().unwrap()),
        Err(e) => panic!("{url}: {e}"),
    }
}

fn post_json(a: &ureq::Agent, url: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
    match a.post(url).send_json(body) {
        Ok(r) => (r.status(), r.into_json().unwrap()),
        Err(ureq::Error::Status(code, r)) => (code, r.into_json().unwrap()),
        Err(e) => panic!("{url}: {e}"),
    }
}

const IDS: [&str; 3] = [
    "municipal-waste-42-dumping",
    "air-119-2-burning",
    "food-safety-122-unlicensed",
];

/// The demo's parties (crates/fazhi-store/src/penalties.rs `load_demo`) and this test's own.
const PARTIES: [&str; 5] = [
    "周德顺",
    "巴中市兴旺再生资源回收有限公司",
    "孙桂兰",
    "何小军",
    "测试当事人甲",
];

const TRY: &str =
    "/discretion/try?benchmark=air-119-2-burning&violation=2023-10-01&decision=2023-10-15\
                   &f.party=individual&f.burned_kg=5&f.harm=none";

#[test]
fn discretion_pages_end_to_end() {
    let t = fazhi_store::testing::fresh_sqlite("e2e_discretion");
    let s = Server::start(&t.url);
    let base = s.base.as_str();
    let public = agent();

    // The public page: the three benchmarks in force, with their articles and effective dates.
    let (code, page) = get(&public, &format!("{base}/discretion"));
    assert_eq!(code, 200);
    for (title, article) in [
        ("随意倾倒、抛洒、堆放城市生活垃圾", "第四十二条"),
        (
            "在人口集中地区焚烧产生有毒有害烟尘和恶臭气体的物质",
            "第一百一十九条第二款",
        ),
        (
            "未取得食品生产经营许可从事食品生产经营活动",
            "第一百二十二条第一款",
        ),
    ] {
        assert!(page.contains(title), "{title}");
        assert!(page.contains(article), "{article}");
    }
    assert!(page.contains("2021-04-29"), "the food version in force");
    assert!(
        !page.contains("第八十四条"),
        "the 2009 food version is no longer in force"
    );
    assert!(page.contains("individual-minor") && page.contains("500 元至 800 元"));
    for id in IDS {
        assert!(page.contains(&format!("/discretion/{id}.json")), "{id}");
    }
    assert!(page.contains("处罚决定统计"), "agency-level counts");
    let (_, en) = get(&public, &format!("{base}/discretion?lang=en"));
    assert!(en.contains("Penalty discretion benchmarks") && en.contains("fine 500–800 yuan"));
    let (_, portal) = get(&public, &format!("{base}/"));
    assert!(
        portal.contains("href=\"/discretion\""),
        "the portal links it"
    );

    // Printable page and JSON downloads.
    let (code, printable) = get(
        &public,
        &format!("{base}/discretion/food-safety-122-unlicensed"),
    );
    assert_eq!(code, 200);
    assert!(printable.contains("第八十四条") && printable.contains("第一百二十二条第一款"));
    assert!(printable.contains("goods_value"), "the facts table");
    let (_, css) = get(&public, &format!("{base}/static/app.css"));
    assert!(css.contains("@media print"));
    for id in IDS {
        let (code, body) = get(&public, &format!("{base}/discretion/{id}.json"));
        assert_eq!(code, 200, "{id}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["id"], id);
        let current = v["versions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["in_force"] == true)
            .expect("a version in force");
        assert!(!current["tiers"].as_array().unwrap().is_empty());
        assert!(current["penalty_basis"]["article"].is_string());
    }
    let all: serde_json::Value = public
        .get(&format!("{base}/api/v1/discretion/benchmarks"))
        .call()
        .unwrap()
        .into_json()
        .unwrap();
    assert_eq!(all.as_array().unwrap().len(), 3);
    let (code, _) = get(&public, &format!("{base}/discretion/no-such.json"));
    assert_eq!(code, 404);

    // Trying a case needs a login.
    let (code, _) = get(&public, &format!("{base}{TRY}"));
    assert_eq!(code, 401);

    // An officer tries a case: 500–800 yuan, and 1,500 needs a written reason.
    let officer = signed_in(base, "bangongshi");
    let (code, page) = get(&officer, &format!("{base}{TRY}&decided=1500"));
    assert_eq!(code, 200, "{page}");
    assert!(page.contains("500.00 – 800.00"), "the recommended range");
    assert!(
        page.contains("第一百一十九条第二款"),
        "the explanation cites the article"
    );
    assert!(page.contains("须书面说明理由"), "a reason is required");
    // The form offers the benchmark's facts.
    assert!(page.contains("name=\"f.burned_kg\"") && page.contains("name=\"f.near_sensitive\""));

    // Bad input: a clear error in both languages.
    for (query, zh, en) in [
        ("&f.weight=5", "未知事实“weight”", "unknown fact 'weight'"),
        ("&f.near_sensitive=perhaps", "类型错误", "is not a yes/no"),
    ] {
        let (code, page) = get(&officer, &format!("{base}{TRY}{query}"));
        assert_eq!(code, 422, "{query}");
        assert!(page.contains(zh), "{query}: {zh}");
        let (_, page) = get(&officer, &format!("{base}{TRY}{query}&lang=en"));
        assert!(
            page.contains(&en.replace('\'', "&#39;")) || page.contains(en),
            "{query}: {en}"
        );
    }
    let early = TRY.replace("2023-10-01", "2015-12-31");
    let (code, page) = get(&officer, &format!("{base}{early}"));
    assert_eq!(code, 422);
    assert!(page.contains("没有施行中的版本"));
    let (code, page) = get(&officer, &format!("{base}{early}&lang=en"));
    assert_eq!(code, 422);
    assert!(page.contains("no version in force"));

    // The API says the same, with the engine's codes.
    let (code, r) = post_json(
        &officer,
        &format!("{base}/api/v1/discretion/evaluate"),
        ureq::json!({"benchmark": "air-119-2-burning", "violation": "2023-10-01", "decision": "2023-10-15",
                     "facts": {"party": "individual", "burned_kg": 5, "harm": "none"}, "decided": "1500"}),
    );
    assert_eq!(code, 200, "{r}");
    assert_eq!(r["recommended_fine"]["min_fen"], 50_000);
    assert_eq!(r["decision"]["requires_reason"], true);
    let (code, r) = post_json(
        &officer,
        &format!("{base}/api/v1/discretion/evaluate"),
        ureq::json!({"benchmark": "air-119-2-burning", "violation": "2023-10-01",
                     "facts": {"party": "individual", "weight": 5, "harm": "none"}}),
    );
    assert_eq!(code, 422);
    assert_eq!(r["code"], "unknown_fact");
    assert!(r["message_zh"].as_str().unwrap().contains("weight"));

    // Only the benchmark's agency records a decision under it: the general office is not an
    // agency of the burning benchmark, so its officer is refused (403, both languages), by the
    // form and by the API, and nothing is stored.
    let csrf = csrf_of(&page);
    let form = |csrf: &str, unit: &str, number: &str, reason: &str| {
        vec![
            ("csrf", csrf.to_string()),
            ("benchmark", "air-119-2-burning".to_string()),
            ("violation", "2023-10-01".into()),
            ("decision", "2023-10-15".into()),
            ("f.party", "individual".into()),
            ("f.burned_kg", "5".into()),
            ("f.harm", "none".into()),
            ("unit", unit.into()),
            ("case_number", number.into()),
            ("party", "测试当事人甲".into()),
            ("decided", "1500".into()),
            ("reason", reason.into()),
        ]
    };
    let send = |who: &ureq::Agent, f: Vec<(&str, String)>| {
        let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
        post_form(who, &format!("{base}/discretion/decisions"), &pairs)
    };
    let (code, page) = send(
        &officer,
        form(&csrf, "general-office", "巴府办罚〔2023〕1号", "从重"),
    );
    assert_eq!(code, 403, "{page}");
    assert!(
        page.contains("不是裁量基准“air-119-2-burning”的实施机关"),
        "{page}"
    );
    let (code, r) = post_json(
        &officer,
        &format!("{base}/api/v1/discretion/decisions"),
        ureq::json!({"benchmark": "air-119-2-burning", "case_number": "巴府办罚〔2023〕1号",
                     "party_name": "测试当事人甲", "violation": "2023-10-01", "decision": "2023-10-15",
                     "facts": {"party": "individual", "burned_kg": 5, "harm": "none"}, "decided": "600"}),
    );
    assert_eq!(code, 403, "{r}");
    assert_eq!(r["code"], "not_benchmark_agency");
    assert!(
        r["message_zh"].as_str().unwrap().contains("综合行政执法局"),
        "{r}"
    );
    assert!(
        r["message_en"].as_str().unwrap().contains("not an agency"),
        "{r}"
    );
    assert!(r["request_id"].as_str().is_some_and(|id| !id.is_empty()));
    let mine: serde_json::Value = officer
        .get(&format!("{base}/api/v1/discretion/decisions"))
        .call()
        .unwrap()
        .into_json()
        .unwrap();
    assert!(mine.as_array().unwrap().is_empty(), "nothing stored");

    // A supervisor records for the agency: outside the recommendation without a reason is
    // refused and nothing is stored; with a reason it is stored and shown.
    let sup = signed_in(base, "fazhiban");
    let (code, sup_page) = get(&sup, &format!("{base}{TRY}&decided=1500"));
    assert_eq!(code, 200);
    let sup_csrf = csrf_of(&sup_page);
    let city = |reason: &str| {
        form(
            &sup_csrf,
            "urban-management-bureau",
            "巴城管罚〔2023〕1号",
            reason,
        )
    };
    let (code, page) = send(&sup, city(""));
    assert_eq!(code, 422);
    assert!(page.contains("未登记") && page.contains("须书面说明理由"));
    assert!(
        page.contains("测试当事人甲"),
        "the form keeps what was typed"
    );
    let (code, page) = send(&sup, city("当事人拒不停止焚烧，经集体讨论从重处罚"));
    assert_eq!(code, 200, "{page}");
    assert!(page.contains("巴城管罚〔2023〕1号") && page.contains("测试当事人甲"));
    assert!(page.contains("超出建议幅度"));
    let (code, _) = send(&sup, city("again"));
    assert_eq!(code, 422, "the same decision number twice");

    // The supervisor's review list: the demo's outside decision with its reason, and rates.
    let (code, page) = get(&sup, &format!("{base}/discretion/decisions"));
    assert_eq!(code, 200);
    assert!(
        page.contains("巴环罚决字〔2026〕第0012号"),
        "the demo's deviation"
    );
    assert!(page.contains("重污染天气橙色预警"), "with its reason");
    assert!(page.contains("巴城管罚〔2023〕1号"), "and the supervisor's");
    assert!(page.contains("市环境保护局") && page.contains("100.0%"));
    assert!(page.contains("市城市管理局") && page.contains("33.3%"));
    let dev: serde_json::Value = sup
        .get(&format!("{base}/api/v1/discretion/deviations"))
        .call()
        .unwrap()
        .into_json()
        .unwrap();
    assert_eq!(dev.as_array().unwrap().len(), 2);
    let rates: serde_json::Value = sup
        .get(&format!("{base}/api/v1/discretion/rates"))
        .call()
        .unwrap()
        .into_json()
        .unwrap();
    assert_eq!(rates.as_array().unwrap().len(), 3);
    // The officer sees their own unit only.
    let (_, page) = get(&officer, &format!("{base}/discretion/decisions"));
    assert!(!page.contains("巴环罚决字〔2026〕第0012号"));

    // No party name on any public page.
    let mut paths = vec![
        "/".to_string(),
        "/?lang=en".into(),
        "/discretion".into(),
        "/discretion?lang=en".into(),
        "/api/v1/discretion/benchmarks".into(),
        "/api/v1/openapi.json".into(),
    ];
    for id in IDS {
        paths.push(format!("/discretion/{id}"));
        paths.push(format!("/discretion/{id}.json"));
    }
    for path in &paths {
        let (code, body) = get(&public, &format!("{base}{path}"));
        assert_eq!(code, 200, "{path}");
        for p in PARTIES {
            assert!(!body.contains(p), "{path} shows the party {p}");
        }
    }
    drop(s);
    let (code, out) = {
        let o = Command::new(BIN)
            .args(["audit", "verify", "--db", &t.url])
            .output()
            .unwrap();
        (
            o.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&o.stdout).to_string(),
        )
    };
    assert_eq!(code, 0, "{out}");
}
