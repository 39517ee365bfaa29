//! Dates as plans write them: full dates in the header ("二○○八年四月十四日"), and deadline
//! phrases in items ("7月底前", "2008年7月底前", "二季度", "上半年", "年底前", "6月30日前").

use crate::text::{char_before, digit_value, is_arabic_digit, parse_small_number, parse_year};
use chrono::{Datelike, NaiveDate};

/// A deadline phrase found in text: byte span and the last day it allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DatePhrase {
    pub start: usize,
    pub end: usize,
    pub date: NaiveDate,
}

/// A full date "Y年M月D日" (Arabic or Chinese numerals): byte span, date, and whether it was
/// written in Chinese numerals (the form of a notice's signature date).
#[derive(Debug, Clone, Copy)]
pub(crate) struct FullDate {
    pub start: usize,
    pub end: usize,
    pub date: NaiveDate,
    pub chinese: bool,
}

pub(crate) fn last_day_of_month(year: i32, month: u32) -> Option<NaiveDate> {
    let (y, m) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1)?.pred_opt()
}

fn plausible_year(y: i32) -> bool {
    (1949..=2100).contains(&y)
}

/// Every full date in `text`.
pub(crate) fn full_dates(text: &str) -> Vec<FullDate> {
    let mut out = Vec::new();
    for (i, c) in text.char_indices() {
        if digit_value(c).is_none() {
            continue;
        }
        // A year starts here only if the previous character is not a digit too.
        if char_before(text, i).and_then(digit_value).is_some() {
            continue;
        }
        let Some((y, n)) = parse_year(&text[i..]) else {
            continue;
        };
        let rest = &text[i + n..];
        let Some(rest) = rest.strip_prefix('年') else {
            continue;
        };
        let Some((m, mn)) = parse_small_number(rest, 3) else {
            continue;
        };
        let Some(rest2) = rest[mn..].strip_prefix('月') else {
            continue;
        };
        let Some((d, dn)) = parse_small_number(rest2, 3) else {
            continue;
        };
        if !rest2[dn..].starts_with('日') {
            continue;
        }
        let Some(date) = NaiveDate::from_ymd_opt(y, m, d).filter(|_| plausible_year(y)) else {
            continue;
        };
        let end = text.len() - rest2.len() + dn + '日'.len_utf8();
        out.push(FullDate {
            start: i,
            end,
            date,
            chinese: !is_arabic_digit(c),
        });
    }
    out
}

/// Every deadline phrase in `text`, reading a missing year as `year`.
pub(crate) fn phrases(text: &str, year: i32) -> Vec<DatePhrase> {
    // Every phrase contains 月, 季 or 年 within its first dozen characters, so only the text just
    // before each of those is tried, rather than every character.
    let mut out: Vec<DatePhrase> = Vec::new();
    let mut done = 0;
    for (anchor, _) in text.match_indices(['月', '季', '年']) {
        if anchor < done {
            continue;
        }
        let window = text[done..anchor]
            .char_indices()
            .rev()
            .take(12)
            .last()
            .map_or(anchor, |(k, _)| done + k);
        for (k, c) in text[window..anchor + '月'.len_utf8()].char_indices() {
            if let Some(p) = phrase_at(text, window + k, c, year).filter(|p| p.end > anchor) {
                done = p.end;
                out.push(p);
                break;
            }
        }
    }
    out
}

fn phrase_at(text: &str, i: usize, c: char, plan_year: i32) -> Option<DatePhrase> {
    if !(matches!(c, '上' | '下' | '年' | '第' | '十') || digit_value(c).is_some()) {
        return None;
    }
    let s = &text[i..];
    let prev_is_digit = char_before(text, i).and_then(digit_value).is_some();
    let mk = |len: usize, date: NaiveDate| {
        Some(DatePhrase {
            start: i,
            end: i + len,
            date,
        })
    };

    // Phrases that begin with a word rather than a number.
    for (word, month, day) in [
        ("上半年", 6, 30),
        ("下半年", 12, 31),
        ("年底前", 12, 31),
        ("年底", 12, 31),
        ("年末", 12, 31),
    ] {
        if s.starts_with(word) {
            // "2008年底" is read below from the year; here only the bare word counts.
            if prev_is_digit {
                return None;
            }
            let len = s.strip_prefix(word).map_or(word.len(), |r| {
                if r.starts_with('前') {
                    word.len() + '前'.len_utf8()
                } else {
                    word.len()
                }
            });
            return mk(
                len.min(s.len()),
                NaiveDate::from_ymd_opt(plan_year, month, day)?,
            );
        }
    }
    if c == '第' || c == '十' || digit_value(c).is_some() {
        if prev_is_digit {
            return None;
        }
        let (year, after_year) = match parse_year(s) {
            Some((y, n)) if s[n..].starts_with('年') && plausible_year(y) => {
                (y, n + '年'.len_utf8())
            }
            _ => (plan_year, 0),
        };
        let r = &s[after_year..];
        if after_year > 0 {
            for (word, month, day) in [
                ("底前", 12, 31),
                ("底", 12, 31),
                ("年末", 12, 31),
                ("上半年", 6, 30),
                ("下半年", 12, 31),
            ] {
                if r.starts_with(word) {
                    return mk(
                        after_year + word.len(),
                        NaiveDate::from_ymd_opt(year, month, day)?,
                    );
                }
            }
        }
        // Quarter: [第]N季度[末|前|底].
        let (q_off, r_q) = match r.strip_prefix('第') {
            Some(t) => ('第'.len_utf8(), t),
            None => (0, r),
        };
        if let Some((q, qn)) = parse_small_number(r_q, 1) {
            if let Some(t) = r_q[qn..].strip_prefix("季度") {
                if (1..=4).contains(&q) {
                    let tail = ["末前", "末", "前", "底"]
                        .iter()
                        .find(|w| t.starts_with(*w))
                        .map_or(0, |w| w.len());
                    let len = after_year + q_off + qn + "季度".len() + tail;
                    return mk(len, last_day_of_month(year, q * 3)?);
                }
            }
        }
        if q_off > 0 {
            return None;
        }
        // Month: N月(底前|底|末|上旬|中旬|下旬|D日[前]).
        let (m, mn) = parse_small_number(r, 3)?;
        let t = r[mn..].strip_prefix('月')?;
        if !(1..=12).contains(&m) {
            return None;
        }
        let base = after_year + mn + '月'.len_utf8();
        for (word, day) in [
            ("底前", 0),
            ("底", 0),
            ("末", 0),
            ("上旬", 10),
            ("中旬", 20),
            ("下旬", 0),
        ] {
            if t.starts_with(word) {
                let mut len = base + word.len();
                if s[len..].starts_with('前') {
                    len += '前'.len_utf8();
                }
                let date = if day == 0 {
                    last_day_of_month(year, m)?
                } else {
                    NaiveDate::from_ymd_opt(year, m, day)?
                };
                return mk(len, date);
            }
        }
        let (d, dn) = parse_small_number(t, 3)?;
        let t2 = t[dn..].strip_prefix('日')?;
        let mut len = base + dn + '日'.len_utf8();
        if t2.starts_with('前') {
            len += '前'.len_utf8();
        }
        return mk(len, NaiveDate::from_ymd_opt(year, m, d)?);
    }
    None
}

/// Last day of the year, the default deadline.
pub(crate) fn end_of_year(year: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MAX)
}

pub(crate) fn year_of(d: NaiveDate) -> i32 {
    d.year()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(s: &str) -> Option<NaiveDate> {
        let v = phrases(s, 2008);
        v.first().map(|p| p.date)
    }

    fn d(y: i32, m: u32, dd: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, dd)
    }

    #[test]
    fn deadline_phrases() {
        assert_eq!(one("于2008年7月底前向本级政府"), d(2008, 7, 31));
        assert_eq!(one("7月底前完成"), d(2008, 7, 31));
        assert_eq!(one("二季度"), d(2008, 6, 30));
        assert_eq!(one("第三季度末"), d(2008, 9, 30));
        assert_eq!(one("年底前完成"), d(2008, 12, 31));
        assert_eq!(one("上半年"), d(2008, 6, 30));
        assert_eq!(one("6月30日前"), d(2008, 6, 30));
        assert_eq!(one("九月中旬"), d(2008, 9, 20));
        assert_eq!(one("2月底"), d(2008, 2, 29));
        assert_eq!(one("2009年3月底前"), d(2009, 3, 31));
        assert_eq!(one("2009年底前"), d(2009, 12, 31));
        assert_eq!(one("2008年是关键一年"), None);
        assert_eq!(one("十七大"), None);
        assert_eq!(one("(2004—2008)"), None);
        assert_eq!(one("13月底"), None);
    }

    #[test]
    fn header_dates() {
        let v = full_dates("…印发。 二○○八年四月十四日 巴中市");
        assert_eq!(v.len(), 1);
        assert_eq!(Some(v[0].date), d(2008, 4, 14));
        assert!(v[0].chinese);
        let v = full_dates("2020年4月10日");
        assert_eq!(Some(v[0].date), d(2020, 4, 10));
        assert!(!v[0].chinese);
    }
}
