//! The engine's errors: a stable code and a message in Chinese and in English. Bad rule files
//! are [`LoadError`]s naming the file and line.

use serde::Serialize;

/// Bad input to a deadline computation (events, dates, rule id), or a date the calendar cannot
/// answer. `code` is stable for machines; `zh` and `en` are for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{zh}\n{en}")]
pub struct DeadlineError {
    pub code: &'static str,
    pub zh: String,
    pub en: String,
}

impl DeadlineError {
    pub fn new(code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            code,
            zh: zh.into(),
            en: en.into(),
        }
    }
}

impl From<fazhi_calendar::CalendarError> for DeadlineError {
    fn from(e: fazhi_calendar::CalendarError) -> Self {
        let code = match e {
            fazhi_calendar::CalendarError::NotCovered { .. } => "calendar_not_covered",
            fazhi_calendar::CalendarError::OutOfRange { .. } => "calendar_out_of_range",
        };
        Self {
            code,
            zh: e.message_zh(),
            en: e.message_en(),
        }
    }
}

/// A rule file that does not parse or validate: the calendar's error, naming file and line.
pub use fazhi_calendar::LoadError;
