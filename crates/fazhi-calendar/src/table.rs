//! Precomputed day tables that make every working-day query O(1): prefix counts of working days,
//! the position of the k-th working day, and prefix counts of days outside the data.

use crate::{Mark, Notice, NoticeKind};
use chrono::{Datelike, NaiveDate, Weekday};
use std::collections::{HashMap, HashSet};

const FIRST_YEAR: i32 = 1990;
const LAST_YEAR: i32 = 2099;

pub(crate) fn first_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(FIRST_YEAR, 1, 1).expect("valid")
}

pub(crate) fn last_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(LAST_YEAR, 12, 31).expect("valid")
}

#[derive(Debug)]
pub(crate) struct Table {
    base: i32,
    /// `cum[i]` = working days among table days `0..i`.
    cum: Vec<u32>,
    /// `pos[k]` = table index of the (k+1)-th working day.
    pos: Vec<u32>,
    /// `pos_date[k]` = the date of the (k+1)-th working day, so an answer is one more load.
    pos_date: Vec<NaiveDate>,
    /// When the covered years are one unbroken run: its first and last index. Lets the hot path
    /// check coverage with two comparisons instead of a table load.
    covered_run: Option<(usize, usize)>,
    /// `uncovered[i]` = days among `0..i` in a year with no annual notice.
    uncovered: Vec<u32>,
    /// Index → date, so answers need no date arithmetic.
    dates: Vec<NaiveDate>,
    covered_years: HashSet<i32>,
}

impl Table {
    pub fn build(notices: &[Notice], marks: &HashMap<NaiveDate, Mark>) -> Self {
        let covered_years: HashSet<i32> = notices
            .iter()
            .filter(|n| n.kind == NoticeKind::Annual)
            .map(|n| n.year)
            .collect();
        let first = first_date();
        let n = (last_date() - first).num_days() as usize + 1;
        let mut cum = Vec::with_capacity(n + 1);
        let mut uncovered = Vec::with_capacity(n + 1);
        let mut pos = Vec::with_capacity(n);
        let mut dates = Vec::with_capacity(n);
        let (mut w, mut u) = (0u32, 0u32);
        for (i, d) in first.iter_days().take(n).enumerate() {
            cum.push(w);
            uncovered.push(u);
            dates.push(d);
            let weekend = matches!(d.weekday(), Weekday::Sat | Weekday::Sun);
            let working = match marks.get(&d) {
                Some(m) => m.working,
                None => !weekend,
            };
            if working {
                pos.push(i as u32);
                w += 1;
            }
            if !covered_years.contains(&d.year()) {
                u += 1;
            }
        }
        cum.push(w);
        uncovered.push(u);
        let pos_date = pos.iter().map(|&i| dates[i as usize]).collect();
        let lo = covered_years.iter().min().copied();
        let hi = covered_years.iter().max().copied();
        let covered_run = match (lo, hi) {
            (Some(lo), Some(hi)) if (lo..=hi).all(|y| covered_years.contains(&y)) => {
                let ix = |d: NaiveDate| (d - first).num_days().clamp(0, n as i64 - 1) as usize;
                let a = NaiveDate::from_ymd_opt(lo, 1, 1).map(ix);
                let b = NaiveDate::from_ymd_opt(hi, 12, 31).map(ix);
                a.zip(b)
            }
            _ => None,
        };
        Self {
            base: first.num_days_from_ce(),
            cum,
            pos,
            pos_date,
            covered_run,
            uncovered,
            dates,
            covered_years,
        }
    }

    #[inline]
    pub fn index(&self, d: NaiveDate) -> Option<usize> {
        let i = d.num_days_from_ce() - self.base;
        if i >= 0 && (i as usize) < self.dates.len() {
            Some(i as usize)
        } else {
            None
        }
    }

    #[inline]
    pub fn date(&self, i: usize) -> NaiveDate {
        self.dates[i]
    }

    #[inline]
    pub fn is_working(&self, i: usize) -> bool {
        self.cum[i + 1] != self.cum[i]
    }

    /// Are all days with indexes `lo..=hi` in covered years?
    #[inline]
    pub fn covered(&self, lo: usize, hi: usize) -> bool {
        match self.covered_run {
            Some((a, b)) => lo >= a && hi <= b,
            None => self.uncovered[hi + 1] == self.uncovered[lo],
        }
    }

    /// The (k+1)-th working day as (index, date): for answers that need both.
    #[inline]
    pub fn working_day(&self, k: usize) -> Option<(usize, NaiveDate)> {
        Some((*self.pos.get(k)? as usize, *self.pos_date.get(k)?))
    }

    /// The `n`th working day after index `i` (n ≥ 1), as (index, date).
    #[inline]
    pub fn nth_working_after_dated(&self, i: usize, n: u32) -> Option<(usize, NaiveDate)> {
        self.working_day(self.cum[i + 1] as usize + n as usize - 1)
    }

    pub fn year_covered(&self, year: i32) -> bool {
        self.covered_years.contains(&year)
    }

    #[inline]
    pub fn nth_working_before(&self, i: usize, n: u32) -> Option<usize> {
        let k = (self.cum[i] as usize).checked_sub(n as usize)?;
        self.pos.get(k).map(|&p| p as usize)
    }

    #[inline]
    pub fn working_between(&self, a: usize, b: usize) -> i64 {
        i64::from(self.cum[b + 1]) - i64::from(self.cum[a + 1])
    }

    #[inline]
    pub fn first_working_at_or_after(&self, i: usize) -> Option<usize> {
        self.pos.get(self.cum[i] as usize).map(|&p| p as usize)
    }
}
