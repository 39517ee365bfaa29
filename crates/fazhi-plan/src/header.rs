//! The notice header: issuing body, document number, addressees, signature date, and the title
//! of the plan it publishes; and where the plan's own text begins.

use crate::date::full_dates;
use crate::text::{
    char_before, is_close_paren, is_colon, is_open_paren, is_space, trim, trim_with, FW_COMMA,
};
use chrono::NaiveDate;

#[derive(Debug, Default)]
pub(crate) struct Header {
    pub issuer: Option<String>,
    pub doc_number: Option<String>,
    pub addressees: Vec<String>,
    pub issued_on: Option<NaiveDate>,
    pub title: Option<String>,
    pub title_start: usize,
    /// Byte index where the plan's text (preamble and sections) begins.
    pub body_start: usize,
}

/// How far into the text a notice heading ("…关于印发…的通知") may start.
const HEADING_WINDOW: usize = 1200;

pub(crate) fn read(text: &str) -> Header {
    let mut h = Header::default();
    let heading = find_heading(text);
    let mut header_end = 0;
    if let Some((hs, about, he)) = heading {
        header_end = he;
        let before = trim(&text[hs..about]);
        h.issuer = if before.is_empty() {
            previous_line(text, hs)
        } else {
            Some(before.to_string())
        };
        h.title = title_in_heading(&text[about..he]);
    }

    // The plan's text starts after the title is repeated (not inside 《》) below the heading.
    let mut body_found = false;
    if let Some(title) = h.title.clone() {
        let mut from = header_end;
        while let Some(k) = text[from..].find(title.as_str()) {
            let at = from + k;
            let end = at + title.len();
            let quoted = char_before(text, at) == Some('《');
            if !quoted {
                h.title_start = at;
                h.body_start = end;
                body_found = true;
                break;
            }
            from = end;
        }
    }

    // The signature date: the last date between heading and plan, preferring Chinese numerals.
    let limit = if body_found {
        h.title_start
    } else {
        floor_boundary(text, header_end + HEADING_WINDOW)
    };
    let dates: Vec<_> = full_dates(&text[..limit])
        .into_iter()
        .filter(|d| d.start >= header_end)
        .collect();
    let signature = dates
        .iter()
        .rev()
        .find(|d| d.chinese)
        .or(dates.last())
        .copied();
    if heading.is_some() || body_found {
        h.issued_on = signature.map(|d| d.date);
    }
    if !body_found {
        match (heading, signature) {
            // A notice without the title repeated: the plan starts after the signature date,
            // and its first line is the title.
            (Some(_), Some(d)) => {
                let (t, start, end) = first_line(text, d.end);
                if h.title.is_none() {
                    h.title = t;
                }
                h.title_start = start;
                h.body_start = end;
            }
            (Some(_), None) => h.body_start = header_end,
            (None, _) => {
                let (t, start, end) = first_line(text, 0);
                if t.as_deref().is_some_and(|t| !starts_with_marker(t)) {
                    h.title = t;
                    h.title_start = start;
                    h.body_start = end;
                }
            }
        }
    }

    let region_end = if body_found {
        h.title_start
    } else {
        h.body_start
    };
    let region = &text[..region_end.max(header_end).min(text.len())];
    let mut after = header_end;
    if let Some((s, e, number)) = find_doc_number(region) {
        h.doc_number = Some(number);
        if s >= header_end.saturating_sub(HEADING_WINDOW) {
            after = after.max(e);
        }
    }
    if heading.is_some() {
        h.addressees = addressees(text, after, region_end);
    }
    h
}

/// (line start, index of "关于", end of "通知") of the notice heading.
fn find_heading(text: &str) -> Option<(usize, usize, usize)> {
    let window = floor_boundary(text, HEADING_WINDOW);
    let about = text[..window].find("关于")?;
    let rest = &text[about..];
    let end_rel = rest.find("通知")?;
    // A heading is one line (or two, when the issuer sits on its own line): no sentence ends in it.
    if end_rel > 400 || rest[..end_rel].contains('。') {
        return None;
    }
    let line_start = text[..about]
        .rfind(|c: char| is_space(c) || c == '号')
        .map_or(0, |i| i + char_len_at(text, i));
    Some((line_start, about, about + end_rel + "通知".len()))
}

fn char_len_at(s: &str, i: usize) -> usize {
    s[i..].chars().next().map_or(1, char::len_utf8)
}

fn floor_boundary(s: &str, mut i: usize) -> usize {
    if i >= s.len() {
        return s.len();
    }
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn previous_line(text: &str, before: usize) -> Option<String> {
    let head = trim(&text[..before]);
    let start = head.rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let line = trim(&head[start..]);
    (!line.is_empty() && line.chars().count() <= 40).then(|| line.to_string())
}

/// "关于印发《X》的通知" → X; "关于印发X的通知" → X.
fn title_in_heading(h: &str) -> Option<String> {
    if let (Some(a), Some(b)) = (h.find('《'), h.rfind('》')) {
        if a < b {
            return Some(h[a + '《'.len_utf8()..b].to_string());
        }
    }
    let start = h.find("印发").map(|i| i + "印发".len())?;
    let end = h.rfind("的通知").or_else(|| h.rfind("通知"))?;
    (start < end)
        .then(|| trim(&h[start..end]).to_string())
        .filter(|t| !t.is_empty())
}

/// The line starting at or after `from`: (text, start, end). In flattened text a line ends at
/// whitespace as well.
fn first_line(text: &str, from: usize) -> (Option<String>, usize, usize) {
    let rest = &text[from..];
    let skip = rest.len() - rest.trim_start_matches(is_space).len();
    let start = from + skip;
    let end = text[start..]
        .find(is_space)
        .map_or(text.len(), |i| start + i);
    let line = &text[start..end];
    if line.is_empty() || line.chars().count() > 80 {
        return (None, from, from);
    }
    (Some(line.to_string()), start, end)
}

pub(crate) fn starts_with_marker(s: &str) -> bool {
    crate::structure::marker_at(s, 0).is_some()
}

/// The first document number ("巴府办发[2008]14号", "西政办〔2020〕20号") in `region`.
pub(crate) fn find_doc_number(region: &str) -> Option<(usize, usize, String)> {
    for (i, c) in region.char_indices() {
        if !(is_open_paren(c) || matches!(c, '[' | '〔' | '【' | '［')) {
            continue;
        }
        let after = &region[i + c.len_utf8()..];
        let digits = after.chars().take_while(char::is_ascii_digit).count();
        if digits != 4 {
            continue;
        }
        let mut rest = after[4..].chars();
        let Some(close) = rest.next() else { continue };
        if !(is_close_paren(close) || matches!(close, ']' | '〕' | '】' | '］')) {
            continue;
        }
        let tail = &after[4 + close.len_utf8()..];
        let n = tail.chars().take_while(char::is_ascii_digit).count();
        if n == 0 || !tail[n..].starts_with('号') {
            continue;
        }
        let end = region.len() - tail.len() + n + '号'.len_utf8();
        // The issuer's abbreviation before the bracket: up to 10 CJK characters.
        let mut start = i;
        for (k, ch) in region[..i].char_indices().rev().take(10) {
            if ('\u{4e00}'..='\u{9fff}').contains(&ch) {
                start = k;
            } else {
                break;
            }
        }
        if start == i {
            continue;
        }
        return Some((start, end, region[start..end].to_string()));
    }
    None
}

/// "各县(区)人民政府,市级各部门,…:" — the text before the first colon after the heading.
fn addressees(text: &str, from: usize, limit: usize) -> Vec<String> {
    let limit = limit.max(from).min(text.len());
    let region = &text[from..limit];
    let Some(colon) = region.find(is_colon) else {
        return Vec::new();
    };
    let list = trim_with(&region[..colon], &[',', FW_COMMA]);
    if list.is_empty() || list.contains('。') || list.chars().count() > 200 {
        return Vec::new();
    }
    crate::assign::split_units(list, false).unwrap_or_default()
}
