//! Text fields are bounded and hold no control characters, whatever the caller (web, API or
//! CLI): a NUL reached PostgreSQL as a 500, and a 200,000-character name was accepted.

mod support;
use fazhi_procedure::*;
use support::*;

fn open_with(name: &str, sought: &str) -> Result<CaseState, Refusal> {
    open(
        ProcedureSet::bundled(),
        "disclosure_request",
        d("2020-03-02"),
        &officer(),
        f(&[
            ("channel", "online"),
            ("applicant_name", name),
            ("information_sought", sought),
        ]),
    )
}

#[test]
fn control_characters_and_overlong_text_are_refused_in_both_languages() {
    let e = open_with("a\u{0}b", "预算").unwrap_err();
    assert_eq!(e.code, "bad_field");
    assert!(
        e.message_zh.contains("控制字符") && e.message_en.contains("U+0000"),
        "{e:?}"
    );
    // A name takes 200 characters (max_chars in the data), free text the default.
    let e = open_with(&"名".repeat(201), "预算").unwrap_err();
    assert!(
        e.message_zh.contains("最多 200 个字符") && e.message_en.contains("too long"),
        "{e:?}"
    );
    let long = "文".repeat(DEFAULT_MAX_CHARS as usize + 1);
    let e = open_with("张三", &long).unwrap_err();
    assert!(
        e.message_en
            .contains(&format!("at most {DEFAULT_MAX_CHARS}")),
        "{e:?}"
    );
    // Tabs and line breaks are text; so is a value at the limit.
    open_with("张\t三", "第一段\n第二段").unwrap();
    open_with(&"名".repeat(200), &long[..long.len() - "文".len()]).unwrap();
}

#[test]
fn max_chars_is_checked_at_load() {
    let text = include_str!("../../../data/procedures/disclosure-request.toml");
    let bad = text.replacen("personal = true", "personal = true\nmax_chars = 0", 1);
    let e = ProcedureSet::parse(&[("d.toml", &bad)]).unwrap_err();
    assert!(e.message.contains("max_chars"), "{e}");
    assert_eq!(e.file, "d.toml");
}
