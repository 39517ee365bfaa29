//! Reading and validating a calendar file. Every error names the file and the line.

use crate::{LoadError, Mark};
use chrono::{Datelike, NaiveDate, Weekday};
use serde::Deserialize;
use std::collections::HashMap;
use toml::Spanned;

/// Whether a notice is the year's arrangement or a later change to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    /// 国务院办公厅关于某年部分节假日安排的通知: one per year.
    Annual,
    /// A later notice changing that year's arrangement (e.g. the 2020 Spring Festival extension).
    Supplementary,
}

impl NoticeKind {
    /// The name the data files use: "annual" or "supplementary".
    pub fn name(self) -> &'static str {
        match self {
            NoticeKind::Annual => "annual",
            NoticeKind::Supplementary => "supplementary",
        }
    }
}

/// One State Council notice, as the data file records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub year: i32,
    pub kind: NoticeKind,
    pub title: String,
    pub document_number: Option<String>,
    pub published: Option<NaiveDate>,
    pub url: Option<String>,
    /// True when title, number and date were checked against a copy of the notice.
    pub source_checked: bool,
    pub holidays: Vec<Holiday>,
    /// The data file it was read from.
    pub file: String,
    /// Line of the `[[notice]]` entry's `year` key in the data file.
    pub line: usize,
}

impl Notice {
    /// "title（document number）" for explanations.
    pub fn citation(&self) -> String {
        match &self.document_number {
            Some(n) => format!("《{}》（{}）", self.title, n),
            None => format!("《{}》", self.title),
        }
    }
}

/// One holiday block of a notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holiday {
    pub name: String,
    pub name_en: String,
    pub rest: Vec<NaiveDate>,
    pub work: Vec<NaiveDate>,
    pub cancel_work: Vec<NaiveDate>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    notice: Vec<RawNotice>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNotice {
    year: Spanned<i32>,
    kind: Spanned<String>,
    title: String,
    document_number: Option<String>,
    published: Option<Spanned<toml::value::Datetime>>,
    url: Option<String>,
    source_checked: bool,
    #[serde(default)]
    holiday: Vec<RawHoliday>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHoliday {
    name: String,
    name_en: String,
    #[serde(default)]
    rest: Vec<Spanned<String>>,
    #[serde(default)]
    work: Vec<Spanned<String>>,
    #[serde(default)]
    cancel_work: Vec<Spanned<String>>,
}

type Ctx<'a> = crate::Source<'a>;

impl Ctx<'_> {
    fn date(&self, s: &str, offset: usize) -> Result<NaiveDate, LoadError> {
        match NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d") {
            Ok(d) => Ok(d),
            Err(_) => self.err(offset, format!("`{s}` is not a valid date (YYYY-MM-DD)")),
        }
    }

    /// "YYYY-MM-DD" or "YYYY-MM-DD..YYYY-MM-DD" (inclusive).
    fn days(&self, item: &Spanned<String>) -> Result<Vec<NaiveDate>, LoadError> {
        let at = item.span().start;
        let s = item.get_ref();
        let (a, b) = match s.split_once("..") {
            Some((a, b)) => (self.date(a, at)?, self.date(b, at)?),
            None => {
                let d = self.date(s, at)?;
                (d, d)
            }
        };
        if b < a {
            return self.err(at, format!("range `{s}` ends before it starts"));
        }
        if (b - a).num_days() > 31 {
            return self.err(at, format!("range `{s}` is longer than a month; a typo?"));
        }
        Ok(a.iter_days().take_while(|d| *d <= b).collect())
    }
}

pub(crate) type Parsed = (Vec<Notice>, HashMap<NaiveDate, Mark>);

#[cfg(test)]
pub(crate) fn parse(file: &str, text: &str) -> Result<Parsed, LoadError> {
    parse_many(&[Ctx { file, text }], usize::MAX)
}

/// Read several files as one calendar, in order: a later file may add years and supplementary
/// notices to the earlier ones, never redeclare a day. Files from `strict_from` on (those a
/// deployment loads at run time) must also cite their source in full and give each annual
/// notice the statutory number of holiday days (see [`crate::statute`]).
pub(crate) fn parse_many(sources: &[Ctx<'_>], strict_from: usize) -> Result<Parsed, LoadError> {
    let mut notices = Vec::new();
    let mut marks: HashMap<NaiveDate, Mark> = HashMap::new();
    // Where each day was declared ("file:line"), for "declared twice" messages.
    let mut declared_at: HashMap<NaiveDate, String> = HashMap::new();
    let mut annual_years: HashMap<i32, String> = HashMap::new();
    for (si, cx) in sources.iter().enumerate() {
        parse_one(
            cx,
            si >= strict_from,
            &mut notices,
            &mut marks,
            &mut declared_at,
            &mut annual_years,
        )?;
    }
    Ok((notices, marks))
}

fn parse_one(
    cx: &Ctx<'_>,
    strict: bool,
    notices: &mut Vec<Notice>,
    marks: &mut HashMap<NaiveDate, Mark>,
    declared_at: &mut HashMap<NaiveDate, String>,
    annual_years: &mut HashMap<i32, String>,
) -> Result<(), LoadError> {
    let raw: RawFile = match toml::from_str(cx.text) {
        Ok(r) => r,
        Err(e) => {
            let at = e.span().map(|s| s.start).unwrap_or(0);
            return cx.err(at, e.message().to_owned());
        }
    };
    if raw.notice.is_empty() {
        return cx.err(0, "no [[notice]] entries");
    }
    let at_line = |offset: usize| {
        if cx.file.is_empty() {
            format!("line {}", cx.line(offset))
        } else {
            format!("{}:{}", cx.file, cx.line(offset))
        }
    };

    for rn in raw.notice.into_iter() {
        let ni = notices.len();
        let year = *rn.year.get_ref();
        let year_at = rn.year.span().start;
        let kind = match rn.kind.get_ref().as_str() {
            "annual" => NoticeKind::Annual,
            "supplementary" => NoticeKind::Supplementary,
            other => {
                return cx.err(
                    rn.kind.span().start,
                    format!("kind must be \"annual\" or \"supplementary\", not {other:?}"),
                )
            }
        };
        match kind {
            NoticeKind::Annual => {
                if let Some(prev) = annual_years.insert(year, at_line(year_at)) {
                    return cx.err(
                        year_at,
                        format!("duplicate year {year}: an annual notice for it is already at {prev} (a change to a year already arranged is a \"supplementary\" notice)"),
                    );
                }
            }
            NoticeKind::Supplementary => {
                if !annual_years.contains_key(&year) {
                    return cx.err(
                        year_at,
                        format!("supplementary notice for {year} comes before (or without) that year's annual notice"),
                    );
                }
            }
        }
        if crate::table::first_date().year() > year - 1 || crate::table::last_date().year() < year {
            return cx.err(
                year_at,
                format!("year {year} is outside the supported range"),
            );
        }
        let published = match &rn.published {
            Some(p) => Some(cx.date(&p.get_ref().to_string(), p.span().start)?),
            None => None,
        };
        if strict {
            if rn.title.trim().is_empty() {
                return cx.err(year_at, "title is empty: give the notice's title");
            }
            if rn
                .document_number
                .as_deref()
                .is_none_or(|n| n.trim().is_empty())
            {
                return cx.err(year_at, "document_number is missing: give the notice's number, e.g. 国办发明电〔2025〕7号");
            }
            if published.is_none() {
                return cx.err(
                    year_at,
                    "published is missing: give the date the notice was issued",
                );
            }
            if rn.url.as_deref().is_none_or(|u| u.trim().is_empty()) {
                return cx.err(
                    year_at,
                    "url is missing: give where the notice was published",
                );
            }
        }

        // Days of this notice, to reject a day both off and on within one notice.
        let mut rest_here: HashMap<NaiveDate, usize> = HashMap::new();
        let mut work_here: HashMap<NaiveDate, usize> = HashMap::new();
        let mut holidays = Vec::with_capacity(rn.holiday.len());

        for (hi, rh) in rn.holiday.into_iter().enumerate() {
            let mut h = Holiday {
                name: rh.name,
                name_en: rh.name_en,
                rest: Vec::new(),
                work: Vec::new(),
                cancel_work: Vec::new(),
            };
            if rh.rest.is_empty() && rh.work.is_empty() {
                return cx.err(
                    year_at,
                    format!("holiday {} has neither rest nor work days", h.name),
                );
            }
            for item in &rh.cancel_work {
                let at = item.span().start;
                if kind != NoticeKind::Supplementary {
                    return cx.err(at, "cancel_work is only allowed in a supplementary notice");
                }
                for d in cx.days(item)? {
                    match marks.get(&d) {
                        Some(m) if m.working => {
                            marks.remove(&d);
                            declared_at.remove(&d);
                            h.cancel_work.push(d);
                        }
                        _ => {
                            return cx.err(
                                at,
                                format!("cancel_work {d}: no earlier notice made it a working day"),
                            )
                        }
                    }
                }
            }
            for (items, working) in [(&rh.rest, false), (&rh.work, true)] {
                for item in items {
                    let at = item.span().start;
                    for d in cx.days(item)? {
                        let here = cx.line(at);
                        let in_year = d.year() == year || (d.year() == year - 1 && d.month() == 12);
                        if !in_year {
                            return cx.err(
                                at,
                                format!("{d} is not in {year} (nor the December before)"),
                            );
                        }
                        if working && !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
                            return cx.err(
                                at,
                                format!(
                                    "make-up working day {d} is a {:?}, not a weekend day",
                                    d.weekday()
                                ),
                            );
                        }
                        let (same, other) = if working {
                            (&mut work_here, &rest_here)
                        } else {
                            (&mut rest_here, &work_here)
                        };
                        if let Some(line) = other.get(&d) {
                            return cx.err(
                                at,
                                format!("{d} is both a holiday and a make-up working day (see line {line})"),
                            );
                        }
                        if let Some(line) = same.insert(d, here) {
                            return cx.err(
                                at,
                                format!("{d} is listed twice in this notice (see line {line})"),
                            );
                        }
                        if let Some(place) = declared_at.get(&d) {
                            return cx.err(
                                at,
                                format!("{d} is already declared by an earlier notice at {place}"),
                            );
                        }
                        if working {
                            h.work.push(d);
                        } else {
                            h.rest.push(d);
                        }
                    }
                }
            }
            for &d in h.rest.iter().chain(&h.work) {
                let working = h.work.contains(&d);
                let line = *rest_here.get(&d).or(work_here.get(&d)).unwrap_or(&0);
                declared_at.insert(
                    d,
                    if cx.file.is_empty() {
                        format!("line {line}")
                    } else {
                        format!("{}:{line}", cx.file)
                    },
                );
                marks.insert(
                    d,
                    Mark {
                        working,
                        notice: ni,
                        holiday: hi,
                    },
                );
            }
            holidays.push(h);
        }
        let notice = Notice {
            year,
            kind,
            title: rn.title,
            document_number: rn.document_number,
            published,
            url: rn.url,
            source_checked: rn.source_checked,
            holidays,
            file: cx.file.to_owned(),
            line: cx.line(year_at),
        };
        if strict && kind == NoticeKind::Annual {
            if let Err(message) = crate::statute::check_annual(&notice) {
                return cx.err(year_at, message);
            }
        }
        notices.push(notice);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str =
        "[[notice]]\nyear = 2008\nkind = \"annual\"\ntitle = \"t\"\nsource_checked = true\n";

    fn load(body: &str) -> Result<Parsed, LoadError> {
        parse("bad.toml", &format!("{HEAD}{body}"))
    }

    #[test]
    fn a_day_both_off_and_on_is_rejected_with_its_line() {
        let e = load(
            "[[notice.holiday]]\nname = \"春节\"\nname_en = \"SF\"\nrest = [\"2008-02-06..2008-02-12\"]\n\
             work = [\"2008-02-09\"]\n",
        )
        .unwrap_err();
        assert_eq!(e.file, "bad.toml");
        assert_eq!(e.line, 10, "{e}");
        assert!(
            e.message
                .contains("both a holiday and a make-up working day"),
            "{e}"
        );
    }

    #[test]
    fn a_make_up_day_on_a_weekday_is_rejected() {
        let e =
            load("[[notice.holiday]]\nname = \"a\"\nname_en = \"a\"\nwork = [\"2008-02-04\"]\n")
                .unwrap_err();
        assert_eq!(e.line, 9, "{e}");
        assert!(e.message.contains("not a weekend day"), "{e}");
    }

    #[test]
    fn a_duplicate_year_is_rejected() {
        let e = load(&format!(
            "[[notice.holiday]]\nname = \"a\"\nname_en = \"a\"\nrest = [\"2008-01-01\"]\n{HEAD}"
        ))
        .unwrap_err();
        assert_eq!(e.line, 11, "{e}");
        assert!(e.message.contains("duplicate year 2008"), "{e}");
    }

    #[test]
    fn an_impossible_date_and_a_syntax_error_name_the_line() {
        let e =
            load("[[notice.holiday]]\nname = \"a\"\nname_en = \"a\"\nrest = [\"2008-02-30\"]\n")
                .unwrap_err();
        assert_eq!((e.line, e.file.as_str()), (9, "bad.toml"), "{e}");
        let e = load("[[notice.holiday]]\nname = \"a\"\nname_en = \"a\"\nrest = [\"2008-02-03\"\n")
            .unwrap_err();
        assert!(e.line >= 9, "{e}");
        let e =
            load("[[notice.holiday]]\nname = \"a\"\nname_en = \"a\"\nrset = [\"2008-02-03\"]\n")
                .unwrap_err();
        assert_eq!(e.line, 9, "{e}");
    }

    #[test]
    fn a_day_from_the_wrong_year_is_rejected() {
        let e =
            load("[[notice.holiday]]\nname = \"a\"\nname_en = \"a\"\nrest = [\"2009-01-01\"]\n")
                .unwrap_err();
        assert!(e.message.contains("not in 2008"), "{e}");
        // The December before is fine: 2007-12-29 belongs to the 2008 notice.
        load("[[notice.holiday]]\nname = \"a\"\nname_en = \"a\"\nwork = [\"2007-12-29\"]\n")
            .unwrap();
    }

    #[test]
    fn supplementary_needs_its_annual_and_cancel_needs_a_make_up_day() {
        let supp = "[[notice]]\nyear = 2008\nkind = \"supplementary\"\ntitle = \"s\"\nsource_checked = true\n";
        let e = parse("s.toml", &format!("{supp}[[notice.holiday]]\nname = \"a\"\nname_en = \"a\"\nrest = [\"2008-02-04\"]\n"))
            .unwrap_err();
        assert!(e.message.contains("annual"), "{e}");
        let e = load(&format!(
            "[[notice.holiday]]\nname = \"a\"\nname_en = \"a\"\nrest = [\"2008-02-06\"]\n{supp}\
             [[notice.holiday]]\nname = \"a\"\nname_en = \"a\"\nrest = [\"2008-02-09\"]\ncancel_work = [\"2008-02-09\"]\n"
        ))
        .unwrap_err();
        assert!(
            e.message
                .contains("no earlier notice made it a working day"),
            "{e}"
        );
        assert_eq!(e.line, 19, "{e}");
    }
}
