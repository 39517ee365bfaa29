//! Text fields are bounded and hold no control characters, whatever the caller (web, API or
//! CLI): a NUL reached PostgreSQL as a 500, and a 200,000-character name was accepted.

mod support;
use fazhi_procedure::*;
use support::*;

fn open_with(name: &str) -> Result<CaseState, Refusal> {
    open(
        ProcedureSet::bundled(),
        "disclosure_request",
        d("2020-03-02"),
        &officer(),
        f(&[("channel", "online"), ("applicant_name", name)]),
    )
}

#[test]
fn control_characters_and_overlong_text_are_refused_in_both_languages() {
    let e = open_with("a\u{0}b").unwrap_err();
    assert_eq!(e.code, "bad_field");
    assert!(
        e.message_zh.contains("控制字符") && e.message_en.contains("U+0000"),
        "{e:?}"
    );
    let e = open_with(&"名".repeat(DEFAULT_MAX_CHARS as usize + 1)).unwrap_err();
    assert!(
        e.message_zh.contains("过长") && e.message_en.contains("too long"),
        "{e:?}"
    );
    // Tabs and line breaks are text; so is a value at the limit.
    open_with("张\t三\n").unwrap();
    open_with(&"名".repeat(DEFAULT_MAX_CHARS as usize)).unwrap();
}

#[test]
fn max_chars_is_checked_at_load() {
    let text = include_str!("../../../data/procedures/disclosure-request.toml");
    let bad = text.replacen("personal = true", "personal = true\nmax_chars = 0", 1);
    let e = ProcedureSet::parse(&[("d.toml", &bad)]).unwrap_err();
    assert!(e.message.contains("max_chars"), "{e}");
    assert_eq!(e.file, "d.toml");
}
