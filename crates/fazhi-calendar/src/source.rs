//! Where a data file says something: the loaders of the calendar, the deadline rules and the
//! procedures all report errors as `file:line: message` through this one type.

use crate::LoadError;
use chrono::NaiveDate;

/// A data file being loaded: its name (as shown in errors) and its text.
#[derive(Clone, Copy, Debug)]
pub struct Source<'a> {
    pub file: &'a str,
    pub text: &'a str,
}

impl Source<'_> {
    /// The 1-based line of a byte offset.
    pub fn line(&self, offset: usize) -> usize {
        let end = offset.min(self.text.len());
        self.text.as_bytes()[..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    }

    /// An error at a byte offset.
    pub fn error(&self, offset: usize, message: impl Into<String>) -> LoadError {
        LoadError {
            file: self.file.to_owned(),
            line: self.line(offset),
            message: message.into(),
        }
    }

    /// The same, as a result.
    pub fn err<T>(&self, offset: usize, message: impl Into<String>) -> Result<T, LoadError> {
        Err(self.error(offset, message))
    }

    /// A TOML date that must be a plain, valid date (no time).
    pub fn toml_date(&self, d: &toml::value::Datetime, at: usize) -> Result<NaiveDate, LoadError> {
        match (d.date, d.time) {
            (Some(x), None) => {
                NaiveDate::from_ymd_opt(i32::from(x.year), x.month.into(), x.day.into())
                    .ok_or_else(|| self.error(at, format!("{d} is not a valid date")))
            }
            _ => self.err(at, format!("{d} must be a plain date (YYYY-MM-DD)")),
        }
    }
}
