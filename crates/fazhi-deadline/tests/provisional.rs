//! A period that runs into a year without a State Council notice is counted on weekdays alone
//! and marked provisional; loading that year's notice makes it exact. Real dates: the bundled
//! data ends with the 2026 notice.

use chrono::NaiveDate;
use fazhi_calendar::Calendar;
use fazhi_deadline::{compute, explain, Event, RuleBook};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn events(s: &str) -> Vec<Event> {
    Event::parse_all(s).unwrap()
}

/// A 2027 notice as a deployment would load it: New Year's Day on Friday 1 January, and the
/// other holidays so that the statute's 13 days are arranged.
const NOTICE_2027: &str = include_str!("../../fazhi-calendar/tests/data/notice-2027-test.toml");

#[test]
fn working_days_into_a_year_without_a_notice_are_provisional_then_exact() {
    let book = RuleBook::bundled();
    let rule = book.require("disclosure.reply").unwrap();
    let ev = events("received=2026-12-15");
    // Strictly, the bundled calendar cannot answer: that is the error cases used to get.
    assert!(compute(Calendar::bundled(), rule, &ev, d("2026-12-15")).is_err());
    // 20 working days: 12 in December 2026 (16th–31st), then 1, 4–8, 11, 12 January 2027 on
    // weekdays alone (New Year's Day counted: the 2027 notice is missing).
    let cal = Calendar::bundled().assuming_weekends_only();
    let p = explain(&cal, rule, book.kinds(), &ev, d("2026-12-15")).unwrap();
    assert_eq!(p.due, Some(d("2027-01-12")));
    assert_eq!(p.provisional_years, vec![2027]);
    let last = p.explanation.last().unwrap();
    assert!(
        last.zh.contains("待确认") && last.zh.contains("2027年部分节假日安排"),
        "{}",
        last.zh
    );
    assert!(last.en.contains("provisional"), "{}", last.en);
    assert_eq!(p.to_json()["provisional"], true);
    // With the notice loaded, 1 January is a holiday: one day later, and exact.
    let loaded = Calendar::bundled_with(&[("2027.toml", NOTICE_2027)])
        .unwrap()
        .assuming_weekends_only();
    let x = explain(&loaded, rule, book.kinds(), &ev, d("2026-12-15")).unwrap();
    assert_eq!(x.due, Some(d("2027-01-13")));
    assert!(!x.is_provisional());
    assert!(!x.explanation.iter().any(|l| l.zh.contains("待确认")));
}

#[test]
fn a_calendar_day_period_ending_on_a_weekend_of_a_year_without_notice_runs_to_monday() {
    let book = RuleBook::bundled();
    let rule = book.require("petition.handling").unwrap();
    // 信访工作条例 (2022) Art 35: 60 days from acceptance on 2026-12-01: Saturday 2027-01-30,
    // rolled to Monday 2027-02-01 on weekdays alone.
    let cal = Calendar::bundled().assuming_weekends_only();
    let ev = events("accepted=2026-12-01");
    let p = compute(&cal, rule, &ev, d("2027-03-01")).unwrap();
    assert_eq!(p.due, Some(d("2027-02-01")));
    assert!(p.is_provisional());
    assert_eq!(
        p.status.name(),
        "overdue",
        "a provisional deadline still alarms"
    );
    // A period wholly inside the data stays exact under the same calendar.
    let ev = events("accepted=2026-03-02");
    let x = compute(&cal, rule, &ev, d("2026-03-02")).unwrap();
    assert!(!x.is_provisional());
}
