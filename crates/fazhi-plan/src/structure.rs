//! The plan's section hierarchy (一、 / (一) / 1、 / (1), full- and half-width) and its work
//! items, including items laid out as a table flattened into text.
//!
//! Markers are accepted only in sequence (after "2、" only "3、", or "1、" under a new parent), and
//! only after a boundary (start, whitespace, 。;:!?), so numbers inside prose ("统一、规范",
//! "(2004—2008)") are not mistaken for sections even when the text has lost its line breaks.

use crate::assign::{self, Assignment, Label};
use crate::date::{self, DatePhrase};
use crate::text::{
    is_arabic_digit, is_chinese_numeral, is_close_paren, is_open_paren, is_sentence_end, is_space,
    parse_small_number, trim, trim_with, CharOffsets, FW_COLON, FW_COMMA,
};
use crate::{DeadlineSource, Item, Milestone, Section, UnitRef, Warning};
use chrono::NaiveDate;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Style {
    /// 一、
    Chinese = 0,
    /// (一)
    ParenChinese = 1,
    /// 1、 1. 1．
    Arabic = 2,
    /// (1)
    ParenArabic = 3,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct RawMarker {
    pub style: Style,
    pub n: u32,
    pub len: usize,
}

const CHINESE_DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];

fn chinese_number(n: u32) -> String {
    match n {
        0..=9 => CHINESE_DIGITS[n as usize].to_string(),
        10..=19 => format!(
            "十{}",
            if n == 10 {
                ""
            } else {
                CHINESE_DIGITS[(n - 10) as usize]
            }
        ),
        20..=99 => format!(
            "{}十{}",
            CHINESE_DIGITS[(n / 10) as usize],
            if n % 10 == 0 {
                ""
            } else {
                CHINESE_DIGITS[(n % 10) as usize]
            }
        ),
        _ => n.to_string(),
    }
}

/// The marker's part of an item number ("三", "(一)", "4", "(1)"), in half-width form.
fn path_part(style: Style, n: u32) -> String {
    match style {
        Style::Chinese => chinese_number(n),
        Style::ParenChinese => format!("({})", chinese_number(n)),
        Style::Arabic => n.to_string(),
        Style::ParenArabic => format!("({n})"),
    }
}

/// A section marker at byte `i` of `s`, if one is written there (boundary not checked).
pub(crate) fn marker_at(s: &str, i: usize) -> Option<RawMarker> {
    let rest = &s[i..];
    let c = rest.chars().next()?;
    if is_open_paren(c) {
        let inner = &rest[c.len_utf8()..];
        let first = inner.chars().next()?;
        let (n, nlen) = parse_small_number(inner, 3)?;
        let close = inner[nlen..].chars().next()?;
        if !is_close_paren(close) || n == 0 {
            return None;
        }
        let style = if is_arabic_digit(first) {
            Style::ParenArabic
        } else {
            Style::ParenChinese
        };
        return Some(RawMarker {
            style,
            n,
            len: c.len_utf8() + nlen + close.len_utf8(),
        });
    }
    if is_chinese_numeral(c) && !matches!(c, '〇' | '○' | '零' | '两') {
        let (n, nlen) = parse_small_number(rest, 3)?;
        return rest[nlen..].starts_with('、').then_some(RawMarker {
            style: Style::Chinese,
            n,
            len: nlen + '、'.len_utf8(),
        });
    }
    if is_arabic_digit(c) {
        let (n, nlen) = parse_small_number(rest, 2)?;
        let after = &rest[nlen..];
        let sep = after.chars().next()?;
        let ok = match sep {
            '、' | '．' => true,
            // "1." but not "1.5".
            '.' => !after[1..].starts_with(|d: char| d.is_ascii_digit()),
            _ => false,
        };
        return (ok && n > 0).then_some(RawMarker {
            style: Style::Arabic,
            n,
            len: nlen + sep.len_utf8(),
        });
    }
    None
}

#[derive(Debug, Clone)]
pub(crate) struct Span {
    pub start: usize,
    pub content_start: usize,
    pub end: usize,
    pub depth: usize,
    pub path: String,
    pub parent: Option<usize>,
}

/// Byte positions just after a marker boundary (see [`is_marker_boundary`]), found by scanning
/// bytes: this runs over the whole text, and decoding every character here was the parser's
/// largest single cost.
fn boundary_ends(text: &str, from: usize) -> impl Iterator<Item = usize> + '_ {
    let b = text.as_bytes();
    (from..b.len()).filter_map(move |i| {
        let len = match b[i] {
            b' ' | b'\t' | b'\n' | b'\r' | b'|' | b';' | b':' | b'!' | b'?' | 0x0b | 0x0c => 1,
            // U+3000 ideographic space, U+3002 。
            0xE3 if b.get(i + 1) == Some(&0x80) && matches!(b.get(i + 2), Some(0x80 | 0x82)) => 3,
            // U+FF01 !, U+FF1A :, U+FF1B ;, U+FF1F ?
            0xEF if b.get(i + 1) == Some(&0xBC)
                && matches!(b.get(i + 2), Some(0x81 | 0x9A | 0x9B | 0x9F)) =>
            {
                3
            }
            // U+00A0 no-break space
            0xC2 if b.get(i + 1) == Some(&0xA0) => 2,
            _ => return None,
        };
        Some(i + len)
    })
}

/// Every accepted section marker from `from` on, with the extent of its own text.
pub(crate) fn sections(text: &str, from: usize) -> Vec<Span> {
    let mut out: Vec<Span> = Vec::new();
    let mut cur = [0u32; 4];
    let mut last = [0u32; 4];
    let mut stack: Vec<(Style, String, usize)> = Vec::new();
    let mut next_allowed = from;
    for i in std::iter::once(from).chain(boundary_ends(text, from)) {
        if i < next_allowed || i >= text.len() {
            continue;
        }
        let Some(m) = marker_at(text, i) else {
            continue;
        };
        let s = m.style as usize;
        let in_sequence = m.n == cur[s] + 1 || (cur[s] == 0 && last[s] > 0 && m.n == last[s] + 1);
        if !in_sequence {
            continue;
        }
        cur[s] = m.n;
        last[s] = m.n;
        for c in cur.iter_mut().skip(s + 1) {
            *c = 0;
        }
        while stack.last().is_some_and(|(st, _, _)| *st >= m.style) {
            stack.pop();
        }
        let parent = stack.last().map(|(_, _, idx)| *idx);
        stack.push((m.style, path_part(m.style, m.n), out.len()));
        if let Some(prev) = out.last_mut() {
            prev.end = i;
        }
        out.push(Span {
            start: i,
            content_start: i + m.len,
            end: text.len(),
            depth: stack.len(),
            path: stack.iter().map(|(_, p, _)| p.as_str()).collect(),
            parent,
        });
        next_allowed = i + m.len;
    }
    out
}

/// Title (first clause) and where the body starts, skipping labelled parts.
fn title_and_body(seg: &str, labels: &[Label]) -> (String, usize) {
    let mut title_start: Option<usize> = None;
    let mut li = 0;
    let mut skip_to = 0;
    for (p, c) in seg.char_indices() {
        if p < skip_to {
            continue;
        }
        while li < labels.len() && labels[li].end <= p {
            li += 1;
        }
        if li < labels.len() && labels[li].start <= p {
            if let Some(ts) = title_start {
                return (clean_title(&seg[ts..p]), p);
            }
            skip_to = labels[li].end;
            continue;
        }
        match title_start {
            None if is_space(c) => {}
            None => title_start = Some(p),
            Some(ts) => {
                if is_space(c) || is_sentence_end(c) {
                    return (clean_title(&seg[ts..p]), p + c.len_utf8());
                }
            }
        }
    }
    match title_start {
        Some(ts) => (clean_title(&seg[ts..]), seg.len()),
        None => (String::new(), seg.len()),
    }
}

fn clean_title(t: &str) -> String {
    trim_with(t, &[',', FW_COMMA, ':', FW_COLON, '、']).to_string()
}

/// Everything the item builder needs about one candidate item.
struct Candidate {
    path: String,
    /// Byte offset of the item in the whole text.
    start: usize,
    title: String,
    body: String,
    assignment: Assignment,
    deadline_text: Option<String>,
    /// Text to search for a deadline / milestones: labels blanked (same byte offsets as `seg`).
    clean: String,
    title_len: usize,
    parent: Option<usize>,
    is_last: bool,
}

pub(crate) struct Built {
    pub sections: Vec<Section>,
    pub items: Vec<Item>,
    pub warnings: Vec<Warning>,
}

pub(crate) fn build(text: &str, body_start: usize, year: i32) -> Built {
    let spans = sections(text, body_start);
    let mut offsets = CharOffsets::new(text);
    let mut warnings = Vec::new();
    let mut sections_out = Vec::with_capacity(spans.len());
    let mut candidates: Vec<Candidate> = Vec::new();
    let mut own: Vec<Assignment> = Vec::with_capacity(spans.len());

    for (k, sp) in spans.iter().enumerate() {
        let seg = &text[sp.content_start..sp.end];
        let labels = assign::find_labels(seg);
        let (title, _) = title_and_body(seg, &labels);
        sections_out.push(Section {
            number: sp.path.clone(),
            depth: sp.depth,
            title,
            offset: offsets.at(sp.start),
        });
        let is_leaf = spans.get(k + 1).is_none_or(|n| n.depth <= sp.depth);
        if !is_leaf {
            own.push(assign::read(seg, &labels));
            continue;
        }
        if let Some(rows) = crate::table::rows(seg) {
            own.push(Assignment::default());
            push_table(
                &mut candidates,
                &mut warnings,
                text,
                sp.content_start,
                &sp.path,
                rows,
                Some(k),
            );
            continue;
        }
        let c = candidate(text, sp.content_start, sp.end, &sp.path, sp.parent, labels);
        // Only enclosing (non-leaf) sections pass an assignment down; a leaf's stays with it.
        own.push(Assignment::default());
        candidates.push(c);
    }
    if spans.is_empty() {
        if let Some(rows) = crate::table::rows(&text[body_start..]) {
            push_table(
                &mut candidates,
                &mut warnings,
                text,
                body_start,
                "",
                rows,
                None,
            );
        }
    }

    // Which candidates are work items: those that assign work, inherit an assignment from an
    // enclosing section, or stand among siblings that do (they are then flagged).
    let inherited = |mut p: Option<usize>| {
        while let Some(i) = p {
            if !own[i].is_empty() {
                return Some(i);
            }
            p = spans[i].parent;
        }
        None
    };
    let n_cand = candidates.len();
    let mut keep = vec![false; n_cand];
    for (i, c) in candidates.iter_mut().enumerate() {
        if !c.assignment.is_empty() {
            keep[i] = true;
        } else if let Some(a) = inherited(c.parent) {
            c.assignment = Assignment {
                sentence_spans: Vec::new(),
                ..own[a].clone()
            };
            keep[i] = true;
        }
    }
    for i in 0..n_cand {
        if !keep[i]
            && candidates
                .iter()
                .enumerate()
                .any(|(j, o)| keep[j] && o.parent == candidates[i].parent)
        {
            keep[i] = true;
            if !candidates[i].is_last {
                let message = format!("item {} names no responsible unit", candidates[i].path);
                warnings.push(Warning {
                    offset: offsets.at(candidates[i].start),
                    message,
                });
            }
        }
    }

    let mut items = Vec::new();
    for (i, c) in candidates.into_iter().enumerate() {
        if !keep[i] {
            continue;
        }
        let offset = offsets.at(c.start);
        let mut c = c;
        if c.is_last {
            match truncated(&c) {
                Truncation::Complete => {}
                Truncation::Trimmed(kept) => {
                    let fragment: String = c.clean[kept..].chars().take(20).collect();
                    let message = format!("the text ends with an unfinished fragment after item {} (\"{}\"), which was left out", c.path, trim(&fragment));
                    warnings.push(Warning { offset, message });
                    c.clean.truncate(kept);
                    c.body = trim(&c.clean[c.title_len.min(kept)..]).to_string();
                    c.assignment = assign::read(&c.clean, &[]);
                }
                Truncation::Dropped => {
                    let message = format!(
                        "the text ends inside item {}; the item was left out",
                        c.path
                    );
                    warnings.push(Warning { offset, message });
                    continue;
                }
            }
        }
        items.push(finish(c, offset, year, &mut warnings));
    }
    Built {
        sections: sections_out,
        items,
        warnings,
    }
}

fn candidate(
    text: &str,
    start: usize,
    end: usize,
    path: &str,
    parent: Option<usize>,
    labels: Vec<Label>,
) -> Candidate {
    let seg = &text[start..end];
    let (title, body_from) = title_and_body(seg, &labels);
    let clean = assign::blank_labels(seg, &labels);
    let assignment = assign::read_clean(&clean, &labels);
    let deadline_text = assignment.deadline_label.clone();
    let title_len = body_from;
    Candidate {
        path: path.to_string(),
        start,
        title,
        body: trim(&seg[body_from..]).to_string(),
        assignment,
        deadline_text,
        clean,
        title_len,
        parent,
        is_last: trim(&text[end..]).is_empty(),
    }
}

fn push_table(
    out: &mut Vec<Candidate>,
    warnings: &mut Vec<Warning>,
    text: &str,
    base: usize,
    path: &str,
    rows: Vec<crate::table::Row>,
    parent: Option<usize>,
) {
    for r in rows {
        if !r.complete {
            let message = format!(
                "table row {path}{} has fewer cells than the header; it was left out",
                r.number
            );
            warnings.push(Warning {
                offset: text[..(base + r.start).min(text.len())].chars().count(),
                message,
            });
            continue;
        }
        let (title, _) = title_and_body(&r.content, &[]);
        let mut assignment = Assignment::default();
        for (role, cell) in [(0, &r.lead), (1, &r.co_lead), (2, &r.participants)] {
            let names = cell
                .as_deref()
                .and_then(|c| assign::split_units(c, false))
                .unwrap_or_default();
            let list = match role {
                0 => &mut assignment.lead,
                1 => &mut assignment.co_lead,
                _ => &mut assignment.participants,
            };
            list.extend(names);
        }
        assignment.labelled = true;
        out.push(Candidate {
            path: format!("{path}{}", r.number),
            start: base + r.start,
            title,
            body: r.content.clone(),
            assignment,
            deadline_text: r.deadline.clone(),
            clean: r.content.clone(),
            title_len: 0,
            parent,
            is_last: false,
        });
    }
}

enum Truncation {
    Complete,
    /// The item is whole up to this byte of its text; a fragment after it was cut off.
    Trimmed(usize),
    Dropped,
}

/// The last item of a cut-off copy ends without a full stop. A labelled item may end without one
/// legitimately, so it counts as complete; otherwise the item is kept only if the text up to its
/// last full stop still assigns the work (the cut fell in a fragment after it, such as "(四").
fn truncated(c: &Candidate) -> Truncation {
    let tail = trim(&c.clean);
    let ends = tail.is_empty()
        || tail.ends_with(|c: char| {
            is_sentence_end(c) || is_close_paren(c) || matches!(c, '”' | '」' | '"')
        });
    if ends || (c.assignment.labelled && !c.assignment.is_empty()) {
        return Truncation::Complete;
    }
    let Some(stop) = c.clean.rfind(is_sentence_end) else {
        return Truncation::Dropped;
    };
    let kept = stop + c.clean[stop..].chars().next().map_or(1, char::len_utf8);
    if kept > c.title_len && !assign::read(&c.clean[..kept], &[]).is_empty() {
        Truncation::Trimmed(kept)
    } else {
        Truncation::Dropped
    }
}

/// The sentence around bytes `at..end` of `s`, not reaching back before `floor` (the title's end).
fn sentence_around(s: &str, at: usize, end: usize, floor: usize) -> &str {
    let is_stop = |c: char| is_sentence_end(c) || c == '\n' || c == '\r';
    let floor = if floor <= at { floor } else { 0 };
    let start = s[floor..at].rfind(is_stop).map_or(floor, |i| {
        floor + i + s[floor + i..].chars().next().map_or(1, char::len_utf8)
    });
    let stop = s[end..].find(is_stop).map_or(s.len(), |i| end + i);
    trim(&s[start..stop])
}

fn finish(c: Candidate, offset: usize, year: i32, warnings: &mut Vec<Warning>) -> Item {
    let phrases = date::phrases(&c.clean, year);
    let mut used: Option<DatePhrase> = None;
    let mut deadline: Option<NaiveDate> = None;
    if let Some(t) = &c.deadline_text {
        match date::phrases(t, year).last() {
            Some(p) => deadline = Some(p.date),
            None => warnings.push(Warning {
                offset,
                message: format!(
                    "item {}: cannot read the time limit \"{t}\"; using the end of the plan year",
                    c.path
                ),
            }),
        }
    }
    if deadline.is_none() {
        // A date in the title or in the sentence that assigns the work is the item's deadline.
        let pick = phrases.iter().find(|p| p.end <= c.title_len).or_else(|| {
            phrases.iter().rev().find(|p| {
                c.assignment
                    .sentence_spans
                    .iter()
                    .any(|&(s, e)| p.start >= s && p.end <= e)
            })
        });
        let pick = pick.or_else(|| {
            // "…。年底前完成。": a short sentence that only states when.
            phrases.iter().rev().find(|p| {
                let sentence = sentence_around(&c.clean, p.start, p.end, c.title_len);
                sentence.chars().count() <= 12
                    && (sentence.contains("完成") || sentence == &c.clean[p.start..p.end])
            })
        });
        if let Some(p) = pick {
            deadline = Some(p.date);
            used = Some(*p);
        }
    }
    let milestones = phrases
        .iter()
        .filter(|p| Some(**p) != used)
        .map(|p| Milestone {
            date: p.date,
            text: sentence_around(&c.clean, p.start, p.end, c.title_len).to_string(),
        })
        .collect();
    let refs = |v: Vec<String>| v.into_iter().map(UnitRef::unresolved).collect::<Vec<_>>();
    Item {
        number: c.path,
        title: c.title,
        body: c.body,
        lead: refs(c.assignment.lead),
        co_lead: refs(c.assignment.co_lead),
        participants: refs(c.assignment.participants),
        deadline: deadline.unwrap_or_else(|| date::end_of_year(year)),
        deadline_source: if deadline.is_some() {
            DeadlineSource::Explicit
        } else {
            DeadlineSource::EndOfPlanYear
        },
        milestones,
        offset,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers() {
        assert!(matches!(
            marker_at("一、指导", 0),
            Some(RawMarker {
                style: Style::Chinese,
                n: 1,
                ..
            })
        ));
        assert!(matches!(
            marker_at("十二、", 0),
            Some(RawMarker {
                style: Style::Chinese,
                n: 12,
                ..
            })
        ));
        assert!(matches!(
            marker_at("(一)深化", 0),
            Some(RawMarker {
                style: Style::ParenChinese,
                n: 1,
                ..
            })
        ));
        assert!(matches!(
            marker_at("（四）", 0),
            Some(RawMarker {
                style: Style::ParenChinese,
                n: 4,
                ..
            })
        ));
        assert!(matches!(
            marker_at("4、深化", 0),
            Some(RawMarker {
                style: Style::Arabic,
                n: 4,
                ..
            })
        ));
        assert!(matches!(
            marker_at("１．", 0),
            Some(RawMarker {
                style: Style::Arabic,
                n: 1,
                ..
            })
        ));
        assert!(matches!(
            marker_at("(3)", 0),
            Some(RawMarker {
                style: Style::ParenArabic,
                n: 3,
                ..
            })
        ));
        assert!(marker_at("1.5倍", 0).is_none());
        assert!(marker_at("(2004—2008)", 0).is_none());
        assert!(marker_at("(区)", 0).is_none());
    }

    #[test]
    fn sequence_guards_prose() {
        let s = sections("一、甲 统一、规范 二、乙 (一)丙 1、丁 2、戊 三、己", 0);
        let paths: Vec<_> = s.iter().map(|s| s.path.as_str()).collect();
        assert_eq!(paths, ["一", "二", "二(一)", "二(一)1", "二(一)2", "三"]);
    }
}
