//! The statutory number of holiday days a year (《全国年节及纪念日放假办法》 Article 2), read
//! from `data/calendar/statutory-holidays.toml`, and the check that an annual notice arranges
//! exactly that many.

use crate::{LoadError, Notice, Source};
use chrono::{Datelike, Weekday};
use serde::Deserialize;
use std::sync::OnceLock;
use toml::Spanned;

pub const BUNDLED_FILE: &str = "data/calendar/statutory-holidays.toml";
const BUNDLED_TEXT: &str = include_str!("../../../data/calendar/statutory-holidays.toml");

/// One version of Article 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatuteVersion {
    pub version: String,
    pub version_en: String,
    pub from_year: i32,
    pub days: i64,
    pub holidays: String,
    pub article: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    version: Vec<RawVersion>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVersion {
    version: String,
    version_en: String,
    from_year: Spanned<i32>,
    days: Spanned<i64>,
    holidays: String,
    article: String,
}

/// Parse and validate the versions: ascending years, a plausible number of days.
pub fn parse(file: &str, text: &str) -> Result<Vec<StatuteVersion>, LoadError> {
    let cx = Source { file, text };
    let raw: RawFile = toml::from_str(text).map_err(|e| {
        cx.error(
            e.span().map(|s| s.start).unwrap_or(0),
            e.message().to_owned(),
        )
    })?;
    let mut out: Vec<StatuteVersion> = Vec::new();
    for v in raw.version {
        let year = *v.from_year.get_ref();
        if let Some(prev) = out.last() {
            if year <= prev.from_year {
                return cx.err(
                    v.from_year.span().start,
                    format!("from_year {year} must come after {}", prev.from_year),
                );
            }
        }
        let days = *v.days.get_ref();
        if !(1..=30).contains(&days) {
            return cx.err(
                v.days.span().start,
                format!("days = {days}: a year has between 1 and 30 holiday days"),
            );
        }
        out.push(StatuteVersion {
            version: v.version,
            version_en: v.version_en,
            from_year: year,
            days,
            holidays: v.holidays,
            article: v.article,
        });
    }
    if out.is_empty() {
        return cx.err(0, "no [[version]] entries");
    }
    Ok(out)
}

/// The bundled versions, parsed once per process.
pub fn bundled() -> &'static [StatuteVersion] {
    static V: OnceLock<Vec<StatuteVersion>> = OnceLock::new();
    V.get_or_init(|| parse(BUNDLED_FILE, BUNDLED_TEXT).expect("bundled statute data is valid"))
}

/// The version governing `year`'s arrangement.
pub fn version_for(year: i32) -> Option<&'static StatuteVersion> {
    bundled().iter().rev().find(|v| v.from_year <= year)
}

/// The working days an annual notice takes away: rest days on Monday–Friday less make-up
/// working days.
pub fn days_arranged(notice: &Notice) -> i64 {
    let weekday = |d: &chrono::NaiveDate| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun);
    notice
        .holidays
        .iter()
        .map(|h| h.rest.iter().filter(|d| weekday(d)).count() as i64 - h.work.len() as i64)
        .sum()
}

/// `Err(message)` unless the notice arranges the statutory number of days of its year.
pub fn check_annual(notice: &Notice) -> Result<(), String> {
    let Some(v) = version_for(notice.year) else {
        return Err(format!(
            "no version of 全国年节及纪念日放假办法 Article 2 governs {} (see {BUNDLED_FILE})",
            notice.year
        ));
    };
    let arranged = days_arranged(notice);
    if arranged != v.days {
        return Err(format!(
            "the {} notice arranges {arranged} holiday days (rest days on Monday–Friday less make-up working days), but {} {} gives {}: {}; check the rest and work days",
            notice.year, v.version, v.article, v.days, v.holidays
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_by_year() {
        assert_eq!(version_for(2007).unwrap().days, 10);
        assert_eq!(version_for(2008).unwrap().days, 11);
        assert_eq!(version_for(2024).unwrap().days, 11);
        assert_eq!(version_for(2025).unwrap().days, 13);
        assert_eq!(version_for(2040).unwrap().days, 13);
        assert!(version_for(1990).is_none());
    }

    #[test]
    fn bad_versions_name_their_line() {
        let e = parse(
            "s.toml",
            "[[version]]\nversion = \"a\"\nversion_en = \"a\"\nfrom_year = 2008\ndays = 11\nholidays = \"\"\narticle = \"\"\n\
             [[version]]\nversion = \"b\"\nversion_en = \"b\"\nfrom_year = 2007\ndays = 11\nholidays = \"\"\narticle = \"\"\n",
        )
        .unwrap_err();
        assert_eq!((e.file.as_str(), e.line), ("s.toml", 11), "{e}");
    }
}
