//! Errors of the calendar: bad data files (for whoever maintains `data/calendar/`) and questions
//! the data cannot answer (for the person asking, in Chinese and English).

use chrono::NaiveDate;

/// A calendar file that does not parse or does not validate. Names the file and line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct LoadError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

/// A question about a date the calendar cannot answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("{}", self.bilingual())]
    NotCovered {
        date: NaiveDate,
        first_year: i32,
        last_year: i32,
    },
    #[error("{}", self.bilingual())]
    OutOfRange {
        date: NaiveDate,
        first: NaiveDate,
        last: NaiveDate,
    },
}

impl CalendarError {
    pub fn message_zh(&self) -> String {
        match self {
            CalendarError::NotCovered { date, first_year, last_year } => format!(
                "{date} 所在年份没有国务院放假安排数据（已有 {first_year}–{last_year} 年），无法确定是否为工作日"
            ),
            CalendarError::OutOfRange { date, first, last } => {
                format!("日期 {date} 超出日历可计算范围（{first} 至 {last}）")
            }
        }
    }

    pub fn message_en(&self) -> String {
        match self {
            CalendarError::NotCovered { date, first_year, last_year } => format!(
                "no State Council holiday notice for the year of {date} (data covers {first_year}–{last_year}); \
                 cannot tell whether it is a working day"
            ),
            CalendarError::OutOfRange { date, first, last } => {
                format!("date {date} is outside the calendar's range ({first} to {last})")
            }
        }
    }

    fn bilingual(&self) -> String {
        format!("{}\n{}", self.message_zh(), self.message_en())
    }
}
