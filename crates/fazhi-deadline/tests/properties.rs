//! Property tests: no event sequence panics; suspension never shortens a period; results are
//! monotone in the period length.

use chrono::{Days, NaiveDate};
use fazhi_calendar::{Calendar, Period};
use fazhi_deadline::{compute, explain, Event, EventKind, RuleBook};
use proptest::prelude::*;

fn base() -> NaiveDate {
    NaiveDate::from_ymd_opt(2004, 1, 1).unwrap()
}

fn event() -> impl Strategy<Value = Event> {
    (
        prop::sample::select(EventKind::ALL.to_vec()),
        0u64..9000,
        prop::option::of(prop::sample::select(vec![
            "hearing",
            "appraisal",
            "supplement",
            "third_party_consultation",
            "10",
            "0",
            "x",
        ])),
    )
        .prop_map(|(k, off, det)| Event {
            kind: k,
            date: base() + Days::new(off),
            detail: det.map(String::from),
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn no_event_sequence_panics(rule_ix in 0usize..15, events in prop::collection::vec(event(), 0..8), today in 0u64..9000) {
        let book = RuleBook::bundled();
        let rule = &book.rules()[rule_ix % book.rules().len()];
        let today = base() + Days::new(today);
        let _ = compute(Calendar::bundled(), rule, &events, today);
        let _ = explain(Calendar::bundled(), rule, book.kinds(), &events, today);
    }

    #[test]
    fn suspension_never_shortens_a_period(start in 0u64..8000, a in 0u64..60, len in 0u64..30, rule_ix in 0usize..4) {
        let book = RuleBook::bundled();
        let id = ["licensing.decision", "reconsideration.decision", "petition.re_review", "licensing.joint_decision"][rule_ix];
        let rule = book.get(id).unwrap();
        let kind = rule.versions[0].not_counted[0].clone();
        let s = base() + Days::new(start);
        let today = s;
        let trig = if id.starts_with("petition") { EventKind::Received } else { EventKind::Accepted };
        let plain = vec![Event::new(trig, s)];
        let Ok(p) = compute(Calendar::bundled(), rule, &plain, today) else { return Ok(()) };
        let from = s + Days::new(a);
        let susp = vec![
            Event::new(trig, s),
            Event::with_detail(EventKind::Suspended, from, kind),
            Event::new(EventKind::Resumed, from + Days::new(len)),
        ];
        let Ok(q) = compute(Calendar::bundled(), rule, &susp, today) else { return Ok(()) };
        prop_assert!(q.due >= p.due, "{:?} < {:?}", q.due, p.due);
    }

    #[test]
    fn period_end_is_monotone_and_on_a_working_day(start in 0u64..8000, n in 1u32..100, unit in 0usize..3) {
        let cal = Calendar::bundled();
        let s = base() + Days::new(start);
        let mk = |n| match unit { 0 => Period::working_days(n), 1 => Period::days(n), _ => Period::months(n) };
        if let (Ok(x), Ok(y)) = (cal.period_end(s, mk(n)), cal.period_end(s, mk(n + 1))) {
            prop_assert!(x <= y);
            prop_assert!(cal.is_working_day(x).unwrap());
        }
    }
}
