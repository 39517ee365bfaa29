//! Golden dates from the State Council notices, hand-checked against the notice texts, and
//! property tests of the working-day arithmetic.

use chrono::{Datelike, NaiveDate};
use fazhi_calendar::{Calendar, CalendarError, DayKind};
use proptest::prelude::*;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn cal() -> &'static Calendar {
    Calendar::bundled()
}

#[test]
fn law_md_facts_hold() {
    let c = cal();
    // 2008 make-up working days, 2007-12-29 included (it is in the 2008 notice).
    for s in [
        "2007-12-29",
        "2008-02-02",
        "2008-02-03",
        "2008-05-04",
        "2008-09-27",
        "2008-09-28",
    ] {
        assert!(c.is_working_day(d(s)).unwrap(), "{s}");
    }
    // 2008: 清明 4-4..6, 端午 6-7..9, 中秋 9-13..15 are rest days.
    for s in [
        "2008-04-04",
        "2008-06-09",
        "2008-09-15",
        "2008-09-29",
        "2008-10-03",
    ] {
        assert!(!c.is_working_day(d(s)).unwrap(), "{s}");
    }
    // 2020: 2-1 (Sat) was a make-up day until the extension notice; 1-31 and 2-2 were added.
    for s in ["2020-01-31", "2020-02-01", "2020-02-02"] {
        assert!(!c.is_working_day(d(s)).unwrap(), "{s}");
        match c.day_kind(d(s)).unwrap() {
            DayKind::Holiday { notice, .. } => {
                assert_eq!(
                    notice.document_number.as_deref(),
                    Some("国办发明电〔2020〕1号")
                )
            }
            k => panic!("{s}: {k:?}"),
        }
    }
    assert!(c.is_working_day(d("2020-02-03")).unwrap());
    assert!(c.is_working_day(d("2020-01-19")).unwrap());
    // Every make-up working day so far is a Saturday or Sunday (validated at load too).
    for n in c.notices() {
        for h in &n.holidays {
            for w in &h.work {
                assert!(w.weekday().number_from_monday() >= 6, "{w}");
            }
        }
    }
}

#[test]
fn the_2006_notice_makes_saturday_2005_12_31_a_working_day() {
    // 国办发明电〔2005〕35号: "将12月31日（星期六）、1月1日（星期日）两个公休日调至1月2日（星期一）、
    // 3日（星期二），12月31日（星期六）上班。" (issue #23; chinesecalendar has it as a rest day.)
    let c = cal();
    assert!(c.is_working_day(d("2005-12-31")).unwrap());
    match c.day_kind(d("2005-12-31")).unwrap() {
        DayKind::MakeUpWorkingDay { notice, holiday } => {
            assert_eq!(notice.year, 2006);
            assert_eq!(
                notice.document_number.as_deref(),
                Some("国办发明电〔2005〕35号")
            );
            assert_eq!(holiday.name, "元旦");
        }
        k => panic!("2005-12-31: {k:?}"),
    }
    for s in ["2006-01-01", "2006-01-02", "2006-01-03"] {
        assert!(!c.is_working_day(d(s)).unwrap(), "{s}");
    }
    // The working day after Friday 2005-12-30 is that Saturday; the next, Wednesday 2006-01-04.
    assert_eq!(
        c.add_working_days(d("2005-12-30"), 1).unwrap(),
        d("2005-12-31")
    );
    assert_eq!(
        c.add_working_days(d("2005-12-30"), 2).unwrap(),
        d("2006-01-04")
    );
}

#[test]
fn statutory_holiday_counts_per_law_md() {
    // From 2025, 13 statutory days (春节 4, 劳动节 2); the notice blocks contain them.
    let c = cal();
    let sf_2025: Vec<_> = (0..8)
        .map(|i| d("2025-01-28") + chrono::Days::new(i))
        .collect();
    for x in &sf_2025 {
        assert!(!c.is_working_day(*x).unwrap(), "{x}");
    }
    assert!(c.is_working_day(d("2025-01-26")).unwrap()); // Sunday make-up day
    assert!(c.is_working_day(d("2025-02-08")).unwrap()); // Saturday make-up day
}

#[test]
fn nth_working_day_across_spring_festival_and_national_day() {
    let c = cal();
    // 2024 春节: rest 2-10..2-17, make-up Sunday 2-18. The day after Friday 2-9 is Sunday 2-18.
    assert_eq!(
        c.add_working_days(d("2024-02-09"), 1).unwrap(),
        d("2024-02-18")
    );
    assert_eq!(
        c.add_working_days(d("2024-02-09"), 2).unwrap(),
        d("2024-02-19")
    );
    // 2023 国庆+中秋: rest 9-29..10-6, make-up Sat 10-7 and Sun 10-8.
    assert_eq!(
        c.add_working_days(d("2023-09-28"), 1).unwrap(),
        d("2023-10-07")
    );
    assert_eq!(
        c.add_working_days(d("2023-09-28"), 3).unwrap(),
        d("2023-10-09")
    );
    // Backwards too.
    assert_eq!(
        c.sub_working_days(d("2023-10-07"), 1).unwrap(),
        d("2023-09-28")
    );
    // Working days in (2024-02-01, 2024-02-29]: 20 weekdays after Feb 1, minus 2-12..2-16 (5),
    // plus the Sunday make-up days 2-4 and 2-18 = 17.
    assert_eq!(
        c.working_days_between(d("2024-02-01"), d("2024-02-29"))
            .unwrap(),
        17
    );
    assert_eq!(
        c.working_days_between(d("2024-02-29"), d("2024-02-01"))
            .unwrap(),
        -17
    );
    assert_eq!(
        c.working_days_between(d("2024-02-01"), d("2024-02-01"))
            .unwrap(),
        0
    );
}

#[test]
fn out_of_data_and_out_of_range_are_errors() {
    let c = cal();
    assert!(matches!(
        c.is_working_day(d("2003-06-02")),
        Err(CalendarError::NotCovered { .. })
    ));
    assert!(matches!(
        c.is_working_day(d("1900-01-01")),
        Err(CalendarError::OutOfRange { .. })
    ));
    let e = c.add_working_days(d("2026-12-01"), 40).unwrap_err();
    assert!(e.to_string().contains("2027"), "{e}");
    assert!(e.to_string().contains("没有国务院放假安排数据"), "{e}");
}

fn covered_date() -> impl Strategy<Value = NaiveDate> {
    (0u64..8000).prop_map(|i| d("2004-01-01") + chrono::Days::new(i))
}

proptest! {
    #[test]
    fn adding_then_counting_round_trips(start in covered_date(), n in 0u32..200) {
        let c = cal();
        let end = c.add_working_days(start, n).unwrap();
        prop_assert_eq!(c.working_days_between(start, end).unwrap(), i64::from(n));
        if n > 0 {
            prop_assert!(c.is_working_day(end).unwrap());
            prop_assert!(end > start);
            // Going back from a working day lands on the last working day not after start
            // (unless that is before the data begins, which must then be an error).
            match c.sub_working_days(end, n) {
                Ok(back) => {
                    prop_assert!(back <= start);
                    prop_assert_eq!(c.working_days_between(back, start).unwrap(), 0);
                }
                Err(e) => prop_assert!(matches!(e, CalendarError::NotCovered { .. }), "{}", e),
            }
        }
    }

    #[test]
    fn results_are_monotone_in_n(start in covered_date(), n in 0u32..200) {
        let c = cal();
        prop_assert!(c.add_working_days(start, n).unwrap() < c.add_working_days(start, n + 1).unwrap());
        prop_assert!(c.add_days_rolled(start, n).unwrap() <= c.add_days_rolled(start, n + 1).unwrap());
    }

    #[test]
    fn rolled_calendar_periods_end_on_working_days(start in covered_date(), n in 0u32..100) {
        let c = cal();
        let end = c.add_days_rolled(start, n).unwrap();
        prop_assert!(c.is_working_day(end).unwrap());
        prop_assert!(end >= start + chrono::Days::new(u64::from(n)));
        // Only rest days are skipped: every day between the raw end and the result is a rest day.
        let mut x = start + chrono::Days::new(u64::from(n));
        while x < end {
            prop_assert!(!c.is_working_day(x).unwrap());
            x = x.succ_opt().unwrap();
        }
    }

    #[test]
    fn table_agrees_with_a_day_walk(start in covered_date(), len in 0u64..120) {
        let c = cal();
        let end = start + chrono::Days::new(len);
        let walked = start.iter_days().skip(1).take_while(|x| *x <= end)
            .filter(|x| c.day_kind(*x).unwrap().is_working()).count() as i64;
        prop_assert_eq!(c.working_days_between(start, end).unwrap(), walked);
    }
}
