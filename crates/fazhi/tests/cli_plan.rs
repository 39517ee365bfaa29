//! `fazhi plan parse` and `fazhi org resolve`, run as a person would run them.

use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_fazhi");

fn seed_path() -> String {
    format!(
        "{}/../../data/seed/bazhong-2008-plan.txt",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn run(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

#[test]
fn plan_parse_json_on_the_seed() {
    let o = run(&["plan", "parse", &seed_path(), "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["title"], "巴中市人民政府全面推进依法行政工作2008年度安排");
    assert_eq!(v["doc_number"], "巴府办发[2008]14号");
    assert_eq!(v["issuer"], "四川省巴中市人民政府办公室");
    assert_eq!(v["issued_on"], "2008-04-14");
    let items = v["items"].as_array().unwrap();
    assert_eq!(items.len(), 15);
    assert_eq!(items[0]["number"], "三(一)1");
    assert_eq!(
        items[0]["lead"][0],
        serde_json::json!({"name": "市政府办公室", "units": ["市政府办公室"]})
    );
    assert_eq!(
        items[0]["participants"][5],
        serde_json::json!({"name": "法制", "units": ["市政府法制办公室"]})
    );
    assert_eq!(
        items[1]["participants"][0],
        serde_json::json!({"name": "市级相关部门", "units": []})
    );
    let last = &items[14];
    assert_eq!(last["number"], "三(四)");
    assert_eq!(last["co_lead"].as_array().unwrap().len(), 4);
    assert_eq!(last["deadline"], "2008-12-31");
    assert_eq!(last["milestones"][0]["date"], "2008-07-31");
}

#[test]
fn plan_parse_text() {
    let o = run(&["plan", "parse", &seed_path()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.starts_with("巴中市人民政府全面推进依法行政工作2008年度安排\n"),
        "{out}"
    );
    assert!(out.contains("15 items"));
    assert!(
        out.contains(
            "三(二)3 积极稳妥开展相对集中行政处罚权工作\n  lead: 巴州区人民政府; 南江县人民政府\n"
        ),
        "{out}"
    );
    assert!(out.contains("  milestone: 2008-07-31 "));
}

#[test]
fn plan_parse_errors() {
    let o = run(&["plan", "parse", "/nonexistent/plan.txt"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no such file"));

    let dir = std::env::temp_dir().join(format!("fazhi-cli-plan-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("not-a-plan.txt");
    std::fs::write(&bad, "2020年工作总结 今年我们做了很多工作。").unwrap();
    let o = run(&["plan", "parse", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(
        e.contains("at character 9") && e.contains("no work items"),
        "{e}"
    );

    let gbk = dir.join("gbk.txt");
    std::fs::write(&gbk, [0xB0u8, 0xCD, 0xD6, 0xD0]).unwrap();
    let o = run(&["plan", "parse", gbk.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not UTF-8"));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn org_resolve_names() {
    let o = run(&["org", "resolve", "法制"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "市政府法制办公室\n");

    let o = run(&["org", "resolve", "巴州区、南江县人民政府"]);
    assert_eq!(o.status.code(), Some(1), "a list is not a name");

    let o = run(&["org", "resolve", "各县(区)人民政府"]);
    assert!(o.status.success());
    assert_eq!(
        stdout(&o),
        "巴州区人民政府\n通江县人民政府\n南江县人民政府\n平昌县人民政府\n"
    );

    let o = run(&["org", "resolve", "市人事局(市编办)", "--json"]);
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["resolution"], "unit");
    assert_eq!(v["units"], serde_json::json!(["市人事局"]));
    assert_eq!(v["keys"], serde_json::json!(["personnel-bureau"]));
}

#[test]
fn org_resolve_unknown_and_choose_exit_1() {
    let o = run(&["org", "resolve", "市外星人事务局"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).is_empty());
    assert!(
        stderr(&o).contains("no unit or unit group is named \"市外星人事务局\""),
        "{}",
        stderr(&o)
    );

    let o = run(&["org", "resolve", "市财政厅"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("did you mean: 市财政局"),
        "{}",
        stderr(&o)
    );

    let o = run(&["org", "resolve", "市级相关部门", "--json"]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["resolution"], "choose");
    assert_eq!(v["group"], "related-municipal-departments");
    assert!(stderr(&o).contains("chosen per plan item"));
}
