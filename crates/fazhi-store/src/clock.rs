//! The one clock fazhi reads. The law counts in China Standard Time (UTC+8, no daylight saving),
//! so "today" is the Beijing date whatever the server's time zone.
//!
//! A demonstration can pin "today" to a fixed date (`FAZHI_TODAY` with `serve --demo`), so that
//! browser tests and demos do not depend on the day they run. Pinning shifts the clock by whole
//! days: time still moves, sessions still expire, and stored timestamps stay in order. Nothing
//! else can move the clock, and `serve` refuses `FAZHI_TODAY` without `--demo`, so a production
//! database always runs on the real date.

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Utc};
use std::sync::atomic::{AtomicI64, Ordering};

/// Whole days added to the real clock; 0 unless a demo pinned today.
static SHIFT_DAYS: AtomicI64 = AtomicI64::new(0);

/// China Standard Time.
pub fn beijing() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// Now, in UTC.
pub fn now() -> DateTime<Utc> {
    Utc::now() + Duration::days(SHIFT_DAYS.load(Ordering::Relaxed))
}

/// Now, in Beijing time.
pub fn now_beijing() -> DateTime<FixedOffset> {
    now().with_timezone(&beijing())
}

/// Today's date in Beijing: the day the law counts in.
pub fn today() -> NaiveDate {
    now_beijing().date_naive()
}

/// Make [`today`] answer `date` from now on, for a demonstration or test database only. The
/// caller (`serve --demo`) is the guard; see the module comment.
pub fn pin_today_for_demo(date: NaiveDate) {
    let real = Utc::now().with_timezone(&beijing()).date_naive();
    SHIFT_DAYS.store((date - real).num_days(), Ordering::Relaxed);
}

/// The first day fazhi counts working days on: the calendar's data starts with the 2004 notice.
pub fn first_countable_day() -> NaiveDate {
    let first = fazhi_calendar::Calendar::bundled()
        .covered_years()
        .first()
        .copied()
        .unwrap_or(2004);
    NaiveDate::from_ymd_opt(first, 1, 1).expect("January 1st exists")
}

/// A date a person records (an opening, an action, a report, a closing, a decision): it has
/// happened (not after today in Beijing) and lies inside the calendar's years. `what_zh` and
/// `what_en` name the date in the message, e.g. "报告日期" / "a report's date".
pub fn check_recorded_date(
    field: &'static str,
    what_zh: &str,
    what_en: &str,
    date: NaiveDate,
) -> crate::StoreResult<()> {
    check_recorded_date_on(field, what_zh, what_en, date, today())
}

fn check_recorded_date_on(
    field: &'static str,
    what_zh: &str,
    what_en: &str,
    date: NaiveDate,
    today: NaiveDate,
) -> crate::StoreResult<()> {
    if date > today {
        return Err(crate::StoreError::invalid(
            field,
            format!("{what_zh}{date}晚于今天({today}，北京时间)：不能登记尚未发生的日期"),
            format!("{what_en} {date} is after today ({today}, Beijing time): a date that has not happened cannot be recorded"),
        ));
    }
    let first = first_countable_day();
    if date < first {
        return Err(crate::StoreError::invalid(
            field,
            format!("{what_zh}{date}早于工作日历的起始日({first})，无法计算期限"),
            format!("{what_en} {date} is before the calendar's first day ({first}): no period can be counted from it"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_dates_are_not_in_the_future_nor_before_the_calendar() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let today = d("2026-12-02");
        assert!(check_recorded_date_on("on", "日期", "date", d("2026-12-02"), today).is_ok());
        assert!(check_recorded_date_on("on", "日期", "date", d("2004-01-01"), today).is_ok());
        let e = check_recorded_date_on("on", "日期", "date", d("2026-12-03"), today).unwrap_err();
        assert!(e.to_string().contains("2026-12-03"), "{e}");
        assert!(check_recorded_date_on("on", "日期", "date", d("0000-01-01"), today).is_err());
        assert!(check_recorded_date_on("on", "日期", "date", d("2003-12-31"), today).is_err());
    }

    #[test]
    fn beijing_date_is_utc_plus_eight() {
        let utc: DateTime<Utc> = "2026-12-01T16:30:00Z".parse().unwrap();
        assert_eq!(
            utc.with_timezone(&beijing()).date_naive(),
            NaiveDate::from_ymd_opt(2026, 12, 2).unwrap()
        );
        let utc: DateTime<Utc> = "2026-12-01T15:59:59Z".parse().unwrap();
        assert_eq!(
            utc.with_timezone(&beijing()).date_naive(),
            NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
        );
    }
}
