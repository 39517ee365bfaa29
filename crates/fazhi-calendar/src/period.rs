//! The law's rules for the end of a period (民法典 Arts 200–204; 民事诉讼法 period article;
//! 行政诉讼法 Art 101; 行政复议法 1999 Art 40 / 2023 Art 88):
//! - the day of the triggering event is not counted;
//! - a calendar-day (or month) period whose last day is a rest day ends on the next working day,
//!   while rest days inside the period are not deducted;
//! - a month period ends on the same-numbered day, or the month's last day if there is none;
//! - a working-day period counts working days only.

use crate::{Calendar, CalendarError};
use chrono::{Months, NaiveDate};

/// The unit a period is counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Unit {
    WorkingDay,
    CalendarDay,
    Month,
}

impl Unit {
    pub fn zh(self) -> &'static str {
        match self {
            Unit::WorkingDay => "个工作日",
            Unit::CalendarDay => "日",
            Unit::Month => "个月",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            Unit::WorkingDay => "working days",
            Unit::CalendarDay => "days",
            Unit::Month => "months",
        }
    }
}

/// A statutory period: a length and a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Period {
    pub length: u32,
    pub unit: Unit,
}

impl Period {
    pub fn working_days(length: u32) -> Self {
        Self {
            length,
            unit: Unit::WorkingDay,
        }
    }
    pub fn days(length: u32) -> Self {
        Self {
            length,
            unit: Unit::CalendarDay,
        }
    }
    pub fn months(length: u32) -> Self {
        Self {
            length,
            unit: Unit::Month,
        }
    }
}

/// The last day of `month` in `year`: for "before the end of July"-style deadlines. Such a fixed
/// day (期日) is not a period, so it is not moved off a rest day.
pub fn end_of_month(year: i32, month: u32) -> Option<NaiveDate> {
    let first = NaiveDate::from_ymd_opt(year, month, 1)?;
    first.checked_add_months(Months::new(1))?.pred_opt()
}

impl Calendar {
    /// The raw last day of a period started by an event on `start`, before the rest-day rule.
    /// Working-day periods are already on a working day.
    pub fn period_raw_end(
        &self,
        start: NaiveDate,
        period: Period,
    ) -> Result<NaiveDate, CalendarError> {
        let past = || CalendarError::OutOfRange {
            date: start,
            first: Calendar::table_range().0,
            last: Calendar::table_range().1,
        };
        match period.unit {
            Unit::WorkingDay => self.add_working_days(start, period.length),
            Unit::CalendarDay => start
                .checked_add_days(chrono::Days::new(u64::from(period.length)))
                .ok_or_else(past),
            // chrono clamps to the month's last day, which is what the law says.
            Unit::Month => start
                .checked_add_months(Months::new(period.length))
                .ok_or_else(past),
        }
    }

    /// The last day of a period started by an event on `start`, by the law's counting rules.
    pub fn period_end(&self, start: NaiveDate, period: Period) -> Result<NaiveDate, CalendarError> {
        let raw = self.period_raw_end(start, period)?;
        match period.unit {
            Unit::WorkingDay => Ok(raw),
            Unit::CalendarDay | Unit::Month => self.next_working_day_from(raw),
        }
    }

    /// `n` calendar days after `d`, moved to the next working day if that is a rest day.
    pub fn add_days_rolled(&self, d: NaiveDate, n: u32) -> Result<NaiveDate, CalendarError> {
        self.period_end(d, Period::days(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn month_periods_clamp_and_roll() {
        let c = Calendar::bundled();
        // 2023-01-31 + 1 month = 2023-02-28 (Tue).
        assert_eq!(
            c.period_end(d("2023-01-31"), Period::months(1)).unwrap(),
            d("2023-02-28")
        );
        // 2024-01-31 + 1 month = 2024-02-29, a Thursday in a leap year.
        assert_eq!(
            c.period_end(d("2024-01-31"), Period::months(1)).unwrap(),
            d("2024-02-29")
        );
        // 2024-08-01 + 2 months = 2024-10-01, National Day: ends 2024-10-08.
        assert_eq!(
            c.period_end(d("2024-08-01"), Period::months(2)).unwrap(),
            d("2024-10-08")
        );
    }

    #[test]
    fn calendar_day_period_ending_on_a_holiday_moves_to_the_next_working_day() {
        let c = Calendar::bundled();
        // 2020-01-10 + 15 days = 2020-01-25, Spring Festival, extended to 2020-02-02.
        assert_eq!(
            c.add_days_rolled(d("2020-01-10"), 15).unwrap(),
            d("2020-02-03")
        );
        // Ending on a make-up working day (Sunday 2020-01-19) stays there.
        assert_eq!(
            c.add_days_rolled(d("2020-01-04"), 15).unwrap(),
            d("2020-01-19")
        );
    }

    #[test]
    fn end_of_month_deadlines() {
        assert_eq!(end_of_month(2024, 7), Some(d("2024-07-31")));
        assert_eq!(end_of_month(2024, 2), Some(d("2024-02-29")));
        assert_eq!(end_of_month(2023, 12), Some(d("2023-12-31")));
        assert_eq!(end_of_month(2023, 13), None);
    }
}
