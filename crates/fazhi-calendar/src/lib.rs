//! The official working-day calendar of mainland China (工作日历) and the law's rules for counting
//! periods (期间计算).
//!
//! This crate owns: reading and validating the State Council holiday notices
//! (`data/calendar/*.toml`), answering working-day questions in constant time, and the counting
//! rules that every procedure shares (start day not counted; a calendar-day period ending on a rest
//! day runs to the next working day; month periods clamp to the month's last day).
//!
//! It must not know about procedures, rules or cases (that is `fazhi-deadline`), and it does no
//! I/O: data comes in as `&str`, and [`Calendar::bundled`] compiles the repository's data in.
//!
//! A date in a year that has no annual notice is an error ([`CalendarError::NotCovered`]), unless
//! the caller explicitly asks for the labelled "weekends only" assumption
//! ([`Calendar::assuming_weekends_only`]).

mod error;
mod load;
mod period;
mod source;
pub mod statute;
mod table;

pub use error::{CalendarError, LoadError};
pub use load::{Holiday, Notice, NoticeKind};
pub use period::{end_of_month, Period, Unit};
pub use source::Source;

use chrono::{Datelike, NaiveDate, Weekday};
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use table::Table;

/// Path of the bundled data file, relative to the repository root (for messages).
pub const BUNDLED_FILE: &str = "data/calendar/cn-mainland.toml";
const BUNDLED_TEXT: &str = include_str!("../../../data/calendar/cn-mainland.toml");

/// Why a day is, or is not, a working day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayKind<'a> {
    /// Monday–Friday with nothing declared.
    Weekday,
    /// Saturday or Sunday with nothing declared.
    Weekend,
    /// A rest day of a holiday block in a notice (weekends inside the block included).
    Holiday {
        holiday: &'a Holiday,
        notice: &'a Notice,
    },
    /// A weekend day a notice declared a working day (调休上班).
    MakeUpWorkingDay {
        holiday: &'a Holiday,
        notice: &'a Notice,
    },
    /// Outside the data, under the caller's explicit "weekends only" assumption.
    AssumedWeekday,
    /// Outside the data, under the caller's explicit "weekends only" assumption.
    AssumedWeekend,
}

impl DayKind<'_> {
    pub fn is_working(&self) -> bool {
        matches!(
            self,
            DayKind::Weekday | DayKind::MakeUpWorkingDay { .. } | DayKind::AssumedWeekday
        )
    }

    /// A short reason in Chinese, e.g. "春节假期" or "周末".
    pub fn reason_zh(&self) -> String {
        match self {
            DayKind::Weekday => "工作日".into(),
            DayKind::Weekend => "周末".into(),
            DayKind::Holiday { holiday, .. } => format!("{}假期", holiday.name),
            DayKind::MakeUpWorkingDay { holiday, .. } => format!("{}调休上班", holiday.name),
            DayKind::AssumedWeekday => "工作日（无放假安排数据，按仅周末休息推定）".into(),
            DayKind::AssumedWeekend => "周末（无放假安排数据，按仅周末休息推定）".into(),
        }
    }

    /// A short reason in English, e.g. "Spring Festival holiday" or "weekend".
    pub fn reason_en(&self) -> String {
        match self {
            DayKind::Weekday => "working day".into(),
            DayKind::Weekend => "weekend".into(),
            DayKind::Holiday { holiday, .. } => format!("{} holiday", holiday.name_en),
            DayKind::MakeUpWorkingDay { holiday, .. } => {
                format!("make-up working day ({})", holiday.name_en)
            }
            DayKind::AssumedWeekday => "weekday (no holiday data: weekends-only assumption)".into(),
            DayKind::AssumedWeekend => "weekend (no holiday data: weekends-only assumption)".into(),
        }
    }
}

/// Where a declared day came from: indexes into `notices` and the notice's `holidays`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Mark {
    pub working: bool,
    pub notice: usize,
    pub holiday: usize,
}

#[derive(Debug)]
struct Inner {
    file: String,
    notices: Vec<Notice>,
    marks: HashMap<NaiveDate, Mark>,
    table: Table,
}

/// The working-day calendar. Cheap to clone (the tables are shared).
#[derive(Debug, Clone)]
pub struct Calendar {
    inner: Arc<Inner>,
    weekends_only: bool,
}

impl Calendar {
    /// Parse and validate a calendar file. `file` names it in error messages.
    pub fn parse(file: &str, text: &str) -> Result<Self, LoadError> {
        Self::parse_files(&[(file, text)], usize::MAX)
    }

    /// The bundled data plus files a deployment loaded at run time (`fazhi calendar load`), in
    /// the order they were loaded. A loaded file may add years and supplementary notices; it
    /// must cite each notice in full, and each annual notice must arrange the statutory number
    /// of holiday days of its year ([`statute`]). Errors name the loaded file and its line.
    pub fn bundled_with(loaded: &[(&str, &str)]) -> Result<Self, LoadError> {
        let mut files = Vec::with_capacity(loaded.len() + 1);
        files.push((BUNDLED_FILE, BUNDLED_TEXT));
        files.extend_from_slice(loaded);
        Self::parse_files(&files, 1)
    }

    fn parse_files(files: &[(&str, &str)], strict_from: usize) -> Result<Self, LoadError> {
        let sources: Vec<Source> = files
            .iter()
            .map(|(file, text)| Source { file, text })
            .collect();
        let (notices, marks) = load::parse_many(&sources, strict_from)?;
        let file = files.first().map(|f| f.0).unwrap_or_default();
        let table = Table::build(&notices, &marks);
        Ok(Self {
            inner: Arc::new(Inner {
                file: file.to_owned(),
                notices,
                marks,
                table,
            }),
            weekends_only: false,
        })
    }

    /// The calendar compiled from `data/calendar/cn-mainland.toml`, parsed once per process.
    pub fn bundled() -> &'static Calendar {
        static CAL: OnceLock<Calendar> = OnceLock::new();
        CAL.get_or_init(|| {
            // The bundled file is validated by this crate's tests, so failure here is a build bug.
            Calendar::parse(BUNDLED_FILE, BUNDLED_TEXT).expect("bundled calendar data is valid")
        })
    }

    /// The same calendar, but years without a notice are treated as "weekends only" instead of
    /// being an error. Only for callers that asked for that assumption and label the result.
    pub fn assuming_weekends_only(&self) -> Calendar {
        Calendar {
            inner: Arc::clone(&self.inner),
            weekends_only: true,
        }
    }

    pub fn is_assuming_weekends_only(&self) -> bool {
        self.weekends_only
    }

    /// The file the data came from.
    pub fn source_file(&self) -> &str {
        &self.inner.file
    }

    /// All notices, in file order.
    pub fn notices(&self) -> &[Notice] {
        &self.inner.notices
    }

    /// The years that have an annual notice (the strict coverage), ascending.
    pub fn covered_years(&self) -> Vec<i32> {
        let mut years: Vec<i32> = self
            .inner
            .notices
            .iter()
            .filter(|n| n.kind == NoticeKind::Annual)
            .map(|n| n.year)
            .collect();
        years.sort_unstable();
        years
    }

    /// The years from `from`'s to `to`'s (inclusive, either order) that have no annual notice:
    /// a period that runs through them is only provisional.
    pub fn missing_years(&self, from: NaiveDate, to: NaiveDate) -> Vec<i32> {
        let (a, b) = (from.year().min(to.year()), from.year().max(to.year()));
        (a..=b)
            .filter(|y| !self.inner.table.year_covered(*y))
            .collect()
    }

    /// The earliest and latest dates the precomputed table can answer for at all.
    pub fn table_range() -> (NaiveDate, NaiveDate) {
        (table::first_date(), table::last_date())
    }

    fn index(&self, d: NaiveDate) -> Result<usize, CalendarError> {
        self.inner.table.index(d).ok_or(CalendarError::OutOfRange {
            date: d,
            first: table::first_date(),
            last: table::last_date(),
        })
    }

    /// Fails unless every day in table indexes `lo..=hi` is in a covered year (or assumed).
    #[inline]
    fn check_covered(&self, lo: usize, hi: usize) -> Result<(), CalendarError> {
        if self.weekends_only || self.inner.table.covered(lo, hi) {
            return Ok(());
        }
        let t = &self.inner.table;
        let missing = (lo..=hi)
            .map(|i| t.date(i))
            .find(|d| !t.year_covered(d.year()))
            .unwrap_or_else(|| t.date(lo));
        Err(self.not_covered(missing))
    }

    fn not_covered(&self, date: NaiveDate) -> CalendarError {
        let years = self.covered_years();
        CalendarError::NotCovered {
            date,
            first_year: years.first().copied().unwrap_or(0),
            last_year: years.last().copied().unwrap_or(0),
        }
    }

    /// Is `d` a working day?
    #[inline]
    pub fn is_working_day(&self, d: NaiveDate) -> Result<bool, CalendarError> {
        let i = self.index(d)?;
        self.check_covered(i, i)?;
        Ok(self.inner.table.is_working(i))
    }

    /// What kind of day `d` is, with the notice behind it.
    pub fn day_kind(&self, d: NaiveDate) -> Result<DayKind<'_>, CalendarError> {
        let i = self.index(d)?;
        let weekend = matches!(d.weekday(), Weekday::Sat | Weekday::Sun);
        if !self.inner.table.covered(i, i) {
            if !self.weekends_only {
                return Err(self.not_covered(d));
            }
            return Ok(if weekend {
                DayKind::AssumedWeekend
            } else {
                DayKind::AssumedWeekday
            });
        }
        Ok(match self.inner.marks.get(&d) {
            Some(m) => {
                let notice = &self.inner.notices[m.notice];
                let holiday = &notice.holidays[m.holiday];
                if m.working {
                    DayKind::MakeUpWorkingDay { holiday, notice }
                } else {
                    DayKind::Holiday { holiday, notice }
                }
            }
            None if weekend => DayKind::Weekend,
            None => DayKind::Weekday,
        })
    }

    /// The `n`th working day after `d` (`d` itself is not counted). `n = 0` gives `d`.
    #[inline]
    pub fn add_working_days(&self, d: NaiveDate, n: u32) -> Result<NaiveDate, CalendarError> {
        if n == 0 {
            return Ok(d);
        }
        let i = self.index(d)?;
        let t = &self.inner.table;
        let (r, date) = t
            .nth_working_after_dated(i, n)
            .ok_or_else(|| self.past_end(d))?;
        self.check_covered(i + 1, r)?;
        Ok(date)
    }

    /// The `n`th working day before `d` (`d` itself is not counted). `n = 0` gives `d`.
    pub fn sub_working_days(&self, d: NaiveDate, n: u32) -> Result<NaiveDate, CalendarError> {
        if n == 0 {
            return Ok(d);
        }
        let i = self.index(d)?;
        let t = &self.inner.table;
        let r = t.nth_working_before(i, n).ok_or_else(|| self.past_end(d))?;
        self.check_covered(r, i - 1)?;
        Ok(t.date(r))
    }

    /// Number of working days in `(from, to]`; negative (the count in `(to, from]`) if `to < from`.
    #[inline]
    pub fn working_days_between(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<i64, CalendarError> {
        let a = self.index(from)?;
        let b = self.index(to)?;
        if a != b {
            self.check_covered(a.min(b) + 1, a.max(b))?;
        }
        Ok(self.inner.table.working_between(a, b))
    }

    /// `d` if it is a working day, else the next working day.
    pub fn next_working_day_from(&self, d: NaiveDate) -> Result<NaiveDate, CalendarError> {
        let i = self.index(d)?;
        let t = &self.inner.table;
        let r = t
            .first_working_at_or_after(i)
            .ok_or_else(|| self.past_end(d))?;
        self.check_covered(i, r)?;
        Ok(t.date(r))
    }

    fn past_end(&self, d: NaiveDate) -> CalendarError {
        CalendarError::OutOfRange {
            date: d,
            first: table::first_date(),
            last: table::last_date(),
        }
    }

    /// The rest days in `(from, to]` with their reasons, for explanations (walks the days).
    pub fn rest_days_between(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<(NaiveDate, DayKind<'_>)>, CalendarError> {
        let mut out = Vec::new();
        let mut d = from;
        while d < to {
            d = d.succ_opt().ok_or_else(|| self.past_end(d))?;
            let k = self.day_kind(d)?;
            if !k.is_working() {
                out.push((d, k));
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn bundled_loads() {
        let c = Calendar::bundled();
        assert_eq!(c.covered_years().first(), Some(&2004));
        assert_eq!(c.covered_years().last(), Some(&2026));
    }

    #[test]
    fn make_up_days_of_2008_are_working_days() {
        let c = Calendar::bundled();
        for s in [
            "2007-12-29",
            "2008-02-02",
            "2008-02-03",
            "2008-05-04",
            "2008-09-27",
            "2008-09-28",
        ] {
            assert!(c.is_working_day(d(s)).unwrap(), "{s}");
            match c.day_kind(d(s)).unwrap() {
                DayKind::MakeUpWorkingDay { notice, .. } => assert_eq!(notice.year, 2008, "{s}"),
                other => panic!("{s}: {other:?}"),
            }
        }
    }

    /// A made-up 2027 notice that arranges the statute's 13 days (shared by the tests).
    const NOTICE_2027: &str = include_str!("../tests/data/notice-2027-test.toml");

    #[test]
    fn every_bundled_annual_notice_arranges_the_statutory_days() {
        let bad: Vec<String> = Calendar::bundled()
            .notices()
            .iter()
            .filter(|n| n.kind == NoticeKind::Annual)
            .filter_map(|n| statute::check_annual(n).err())
            .collect();
        assert!(bad.is_empty(), "{bad:#?}");
    }

    #[test]
    fn a_loaded_year_extends_the_bundled_data_and_is_checked_against_the_statute() {
        // New Year and Spring Festival alone take 1 + 4 working days: short of the statutory 13,
        // the notice is refused, naming the loaded file and the notice's line.
        let short = NOTICE_2027
            .split("[[notice.holiday]]\nname = \"清明节\"")
            .next()
            .unwrap();
        let e = Calendar::bundled_with(&[("2027.toml", short)]).unwrap_err();
        assert_eq!((e.file.as_str(), e.line), ("2027.toml", 4), "{e}");
        assert!(e.message.contains("13"), "{e}");
        let full = NOTICE_2027.to_string();
        let c = Calendar::bundled_with(&[("2027.toml", &full)]).unwrap();
        assert_eq!(c.covered_years().last(), Some(&2027));
        assert!(!c.is_working_day(d("2027-02-08")).unwrap());
        assert!(c.is_working_day(d("2027-02-14")).unwrap());
        assert!(c.missing_years(d("2026-12-01"), d("2027-03-01")).is_empty());
        assert_eq!(
            Calendar::bundled().missing_years(d("2026-12-01"), d("2028-01-05")),
            vec![2027, 2028]
        );
        // A year already bundled is refused unless it comes as a supplementary notice.
        let again = full.replace("2027", "2026");
        let e = Calendar::bundled_with(&[("again.toml", &again)]).unwrap_err();
        assert!(e.message.contains("duplicate year 2026"), "{e}");
        assert!(e.message.contains(BUNDLED_FILE), "{e}");
        // A loaded notice must cite its source.
        let e = Calendar::bundled_with(&[(
            "x.toml",
            &full.replace("document_number = \"国办发明电〔2026〕99号\"\n", ""),
        )])
        .unwrap_err();
        assert!(e.message.contains("document_number"), "{e}");
    }

    #[test]
    fn year_without_notice_is_an_error_unless_assumed() {
        let c = Calendar::bundled();
        let e = c.is_working_day(d("2027-03-01")).unwrap_err();
        assert!(matches!(e, CalendarError::NotCovered { .. }), "{e}");
        assert!(c
            .assuming_weekends_only()
            .is_working_day(d("2027-03-01"))
            .unwrap());
        assert!(!c
            .assuming_weekends_only()
            .is_working_day(d("2027-03-06"))
            .unwrap());
        // A period that runs off the end of the data is an error too.
        assert!(c.add_working_days(d("2026-12-20"), 20).is_err());
    }
}
