//! Bad input gives a clear error in both languages, never a panic; bad rule files name file and line.

use chrono::NaiveDate;
use fazhi_calendar::Calendar;
use fazhi_deadline::{compute, Event, RuleBook, BUNDLED_KINDS};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn run(rule: &str, events: &[&str]) -> Result<(), fazhi_deadline::DeadlineError> {
    let book = RuleBook::bundled();
    let rule = book.require(rule)?;
    let mut ev = Vec::new();
    for e in events {
        ev.extend(Event::parse_all(e)?);
    }
    compute(Calendar::bundled(), rule, &ev, d("2024-06-01")).map(|_| ())
}

fn code(rule: &str, events: &[&str]) -> &'static str {
    let e = run(rule, events).unwrap_err();
    assert!(!e.zh.is_empty() && !e.en.is_empty());
    e.code
}

#[test]
fn bad_inputs_have_codes() {
    assert_eq!(
        code("disclosure.reply", &["received=2024-02-30"]),
        "bad_date"
    );
    assert_eq!(code("disclosure.reply", &["received=2024-2-3"]), "bad_date");
    assert_eq!(
        code("disclosure.reply", &["recieved=2024-02-03"]),
        "bad_event"
    );
    assert_eq!(
        code("no.such_rule", &["received=2024-02-03"]),
        "unknown_rule"
    );
    assert_eq!(
        code(
            "disclosure.reply",
            &["received=2024-03-01", "closed=2024-02-01"]
        ),
        "events_out_of_order"
    );
    assert_eq!(
        code("disclosure.reply", &["closed=2024-02-01"]),
        "no_trigger"
    );
    assert_eq!(
        code(
            "licensing.decision",
            &[
                "accepted=2024-03-01",
                "suspended:hearing=2024-03-05..2024-03-10",
                "suspended:testing=2024-03-08..2024-03-12"
            ]
        ),
        "overlapping_suspensions"
    );
    assert_eq!(
        code(
            "licensing.decision",
            &[
                "accepted=2024-03-01",
                "suspended:hearing=2024-03-05",
                "closed=2024-03-20"
            ]
        ),
        "open_suspension_on_closed_case"
    );
    assert_eq!(
        code(
            "licensing.decision",
            &["accepted=2024-03-01", "suspended=2024-03-05"]
        ),
        "bad_suspension_kind"
    );
    assert_eq!(
        code(
            "petition.acceptance",
            &["received=2024-03-01", "suspended=2024-03-05"]
        ),
        "suspension_not_allowed"
    );
    assert_eq!(
        code(
            "petition.acceptance",
            &["received=2024-03-01", "extended=2024-03-05"]
        ),
        "extension_not_allowed"
    );
    assert_eq!(
        code(
            "petition.handling",
            &["accepted=2024-03-01", "extended:45=2024-03-05"]
        ),
        "bad_extension"
    );
    assert_eq!(
        code(
            "petition.handling",
            &["accepted=2024-03-01", "resumed=2024-03-05"]
        ),
        "resumed_without_suspension"
    );
    assert_eq!(
        code(
            "disclosure.reply",
            &["received=2024-03-01", "received=2024-03-02"]
        ),
        "duplicate_event"
    );
    assert_eq!(
        code("disclosure.reply", &["received=2008-01-10"]),
        "no_version"
    );
    assert_eq!(
        code("disclosure.reply", &["received=2026-12-20"]),
        "calendar_not_covered"
    );
}

#[test]
fn bad_rule_files_name_file_and_line() {
    let good = include_str!("../../../data/rules/petition/acceptance.toml");
    let bad = good.replacen(
        "unit = \"day\" }\n\n[[version]]",
        "unit = \"fortnight\" }\n\n[[version]]",
        1,
    );
    let e = RuleBook::parse(BUNDLED_KINDS, &[("x/acceptance.toml", &bad)]).unwrap_err();
    assert_eq!(e.file, "x/acceptance.toml");
    let expect = bad.lines().position(|l| l.contains("fortnight")).unwrap() + 1;
    assert_eq!(e.line, expect, "{e}");

    let bad = good.replace("effective_to = 2022-04-30", "effective_to = 2022-05-30");
    let e = RuleBook::parse(BUNDLED_KINDS, &[("y.toml", &bad)]).unwrap_err();
    assert!(e.message.contains("overlap"), "{e}");

    let bad = good.replacen("trigger = [\"received\"]", "trigger = [\"recieved\"]", 1);
    let e = RuleBook::parse(BUNDLED_KINDS, &[("z.toml", &bad)]).unwrap_err();
    assert_eq!(
        e.line,
        bad.lines().position(|l| l.contains("recieved")).unwrap() + 1,
        "{e}"
    );

    let e = RuleBook::parse(BUNDLED_KINDS, &[("a.toml", good), ("b.toml", good)]).unwrap_err();
    assert!(e.message.contains("duplicate rule id"), "{e}");
}
