//! The real `fazhi` binary: calendar, deadline and rules commands, plain and JSON, and bad input.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn fazhi(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fazhi"))
        .args(args)
        .output()
        .expect("run fazhi")
}

fn ok(args: &[&str]) -> String {
    let o = fazhi(args);
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

fn fails_with_2(args: &[&str]) -> String {
    let o = fazhi(args);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stdout)
    );
    String::from_utf8(o.stderr).unwrap()
}

#[test]
fn is_workday_prints_true_or_false() {
    assert_eq!(ok(&["calendar", "is-workday", "2008-02-02"]), "true\n"); // make-up Saturday
    assert_eq!(ok(&["calendar", "is-workday", "2020-02-01"]), "false\n"); // cancelled make-up day
    assert_eq!(ok(&["calendar", "is-workday", "2024-10-01"]), "false\n");
    let j: serde_json::Value =
        serde_json::from_str(&ok(&["calendar", "is-workday", "2008-02-02", "--json"])).unwrap();
    assert_eq!(j["working_day"], true);
    assert!(j["reason_zh"].as_str().unwrap().contains("调休"));
}

#[test]
fn add_and_between() {
    assert_eq!(ok(&["calendar", "add", "2024-02-09", "1"]), "2024-02-18\n");
    assert_eq!(
        ok(&["calendar", "add", "2023-01-06", "15", "--days"]),
        "2023-01-28\n"
    );
    assert_eq!(
        ok(&["calendar", "between", "2024-02-01", "2024-02-29"]),
        "17\n"
    );
    let j: serde_json::Value =
        serde_json::from_str(&ok(&["calendar", "add", "2024-02-09", "1", "--json"])).unwrap();
    assert_eq!(j["result"], "2024-02-18");
}

#[test]
fn add_batch_from_stdin() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fazhi"))
        .args(["calendar", "add", "--stdin", "20"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"2018-02-01\n2019-05-15\n")
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success());
    assert_eq!(
        String::from_utf8(o.stdout).unwrap(),
        "2018-03-06\n2019-06-13\n"
    );
}

#[test]
fn deadline_plain_and_json() {
    let out = ok(&[
        "deadline",
        "disclosure.reply",
        "--event",
        "received=2018-02-01",
        "--today",
        "2018-02-23",
    ]);
    assert!(
        out.starts_with("due: 2018-02-27\nwarning: 2018-02-23\nstatus: due_soon\n"),
        "{out}"
    );
    assert!(
        out.contains("政府信息公开条例") && out.contains("春节假期"),
        "{out}"
    );
    assert!(
        out.contains("Regulations on Open Government Information"),
        "{out}"
    );
    let j: serde_json::Value = serde_json::from_str(&ok(&[
        "deadline",
        "licensing.decision",
        "-e",
        "accepted=2024-03-01",
        "-e",
        "suspended:hearing=2024-03-11",
        "-e",
        "resumed=2024-03-22",
        "-e",
        "extended=2024-04-10",
        "--today",
        "2024-04-25",
        "--json",
    ]))
    .unwrap();
    assert_eq!(j["due"], "2024-04-28");
    assert_eq!(j["original_due"], "2024-04-15");
    assert_eq!(j["status"], "due_soon");
    assert_eq!(j["suspensions"][0]["kind"], "hearing");
}

#[test]
fn rules_list() {
    let out = ok(&["rules", "list"]);
    assert!(
        out.contains("disclosure.reply") && out.contains("第三十三条"),
        "{out}"
    );
    let j: serde_json::Value = serde_json::from_str(&ok(&["rules", "list", "--json"])).unwrap();
    assert_eq!(
        j.as_array().unwrap().len(),
        26,
        "15 rules of the issue, appeal (2), time to sue, the clarification window, the petition \
         review and re-review request windows, the reconsideration copy to the respondent (2) \
         and simplified reply, the licensing hearing request and hearing"
    );
}

#[test]
fn bad_input_exits_2_with_both_languages() {
    let e = fails_with_2(&["calendar", "is-workday", "2024-02-30"]);
    assert!(
        e.contains("不是有效日期") && e.contains("not a valid date"),
        "{e}"
    );
    let e = fails_with_2(&["calendar", "is-workday", "2030-01-02"]);
    assert!(e.contains("no State Council holiday notice"), "{e}");
    assert_eq!(
        ok(&[
            "calendar",
            "is-workday",
            "2030-01-02",
            "--assume-weekends-only"
        ]),
        "true\n"
    );
    let e = fails_with_2(&[
        "deadline",
        "no.such",
        "--event",
        "received=2024-01-02",
        "--today",
        "2024-01-03",
    ]);
    assert!(e.contains("未知规则") && e.contains("unknown rule"), "{e}");
    let e = fails_with_2(&[
        "deadline",
        "disclosure.reply",
        "-e",
        "received=2024-03-01",
        "-e",
        "closed=2024-02-01",
        "--today",
        "2024-03-02",
    ]);
    assert!(
        e.contains("事件顺序错误") && e.contains("out of order"),
        "{e}"
    );
    let e = fails_with_2(&[
        "deadline",
        "licensing.decision",
        "-e",
        "accepted=2024-03-01",
        "-e",
        "suspended:hearing=2024-03-05",
        "-e",
        "closed=2024-03-20",
        "--today",
        "2024-03-21",
    ]);
    assert!(e.contains("no end date"), "{e}");
}
