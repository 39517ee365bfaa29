//! The real `fazhi` binary: `procedure list` and `procedure check`.

use std::process::{Command, Output};

fn fazhi(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fazhi"))
        .args(args)
        .output()
        .expect("run fazhi")
}

fn repo(path: &str) -> String {
    format!("{}/../../{path}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn list_names_the_five_procedures_plain_and_json() {
    let o = fazhi(&["procedure", "list"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8(o.stdout).unwrap();
    for id in [
        "disclosure_request",
        "petition",
        "reconsideration",
        "litigation",
        "licensing",
    ] {
        assert!(out.contains(id), "{id} missing:\n{out}");
    }
    assert!(out.contains("reply=disclosure.reply"));
    let o = fazhi(&["procedure", "list", "--json"]);
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 5);
    assert_eq!(v[0]["id"], "disclosure_request");
    assert_eq!(v[0]["versions"][0]["effective_from"], "2008-05-01");
    assert!(v[0]["personal_fields"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x == "applicant_name"));
}

#[test]
fn check_accepts_the_bundled_files() {
    let files: Vec<String> = [
        "disclosure-request",
        "petition",
        "reconsideration",
        "litigation",
        "licensing",
    ]
    .iter()
    .map(|f| repo(&format!("data/procedures/{f}.toml")))
    .collect();
    let args: Vec<&str> = ["procedure", "check"]
        .into_iter()
        .chain(files.iter().map(|s| s.as_str()))
        .collect();
    let o = fazhi(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(String::from_utf8(o.stdout).unwrap().lines().count(), 5);
    // One file alone: its links to other procedures resolve against the bundled ones.
    let o = fazhi(&["procedure", "check", &repo("data/procedures/petition.toml")]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn check_refuses_a_bad_file_naming_file_and_line_with_exit_2() {
    let dir = std::env::temp_dir().join(format!("fazhi-proc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let text = std::fs::read_to_string(repo("data/procedures/licensing.toml"))
        .unwrap()
        .replace("rule = \"licensing.decision\"", "rule = \"licensing.nope\"");
    let line = text[..text.find("licensing.nope").unwrap()]
        .matches('\n')
        .count()
        + 1;
    let path = dir.join("bad.toml");
    std::fs::write(&path, text).unwrap();
    let p = path.to_str().unwrap();
    let o = fazhi(&["procedure", "check", p]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(
        err.contains(&format!("{p}:{line}: unknown rule \"licensing.nope\"")),
        "{err}"
    );
    let o = fazhi(&["procedure", "check", "/nonexistent.toml"]);
    assert_eq!(o.status.code(), Some(2));
    std::fs::remove_dir_all(&dir).ok();
}
