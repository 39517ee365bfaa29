//! Work items laid out as a table and flattened into text: a header row
//! (序号 / 工作内容 / 责任部门 / 完成时限 …) followed by rows whose first cell is the next row
//! number. Cells are separated by whitespace, tabs or the `|` of a text rendering.

use crate::text::is_space;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Number,
    Content,
    Lead,
    CoLead,
    Participants,
    Deadline,
    Other,
}

const HEADERS: &[(&str, Col)] = &[
    ("序号", Col::Number),
    ("工作内容", Col::Content),
    ("工作任务", Col::Content),
    ("主要任务", Col::Content),
    ("任务内容", Col::Content),
    ("工作事项", Col::Content),
    ("具体工作", Col::Content),
    ("重点工作", Col::Content),
    ("工作措施", Col::Content),
    ("具体措施", Col::Content),
    ("任务", Col::Content),
    ("内容", Col::Content),
    ("牵头单位", Col::Lead),
    ("牵头部门", Col::Lead),
    ("责任单位", Col::Lead),
    ("责任部门", Col::Lead),
    ("主要责任单位", Col::Lead),
    ("主责单位", Col::Lead),
    ("共同责任单位", Col::CoLead),
    ("配合单位", Col::Participants),
    ("配合部门", Col::Participants),
    ("参加单位", Col::Participants),
    ("参与单位", Col::Participants),
    ("协办单位", Col::Participants),
    ("完成时限", Col::Deadline),
    ("完成时间", Col::Deadline),
    ("完成期限", Col::Deadline),
    ("时间节点", Col::Deadline),
    ("时间要求", Col::Deadline),
    ("时限", Col::Deadline),
    ("备注", Col::Other),
];

/// One row, byte offsets relative to the scanned segment.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub number: u32,
    pub start: usize,
    pub content: String,
    pub lead: Option<String>,
    pub co_lead: Option<String>,
    pub participants: Option<String>,
    pub deadline: Option<String>,
    pub complete: bool,
}

fn tokens(s: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    for (i, c) in s.char_indices() {
        if is_space(c) {
            if let Some(st) = start.take() {
                out.push((st, i));
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(st) = start {
        out.push((st, s.len()));
    }
    out
}

/// The rows of a flattened table in `seg`, or `None` when `seg` holds no table header.
pub(crate) fn rows(seg: &str) -> Option<Vec<Row>> {
    let at = seg.find("序号")?;
    let toks = tokens(&seg[at..]);
    let mut cols = Vec::new();
    for &(s, e) in &toks {
        match HEADERS.iter().find(|(h, _)| *h == &seg[at + s..at + e]) {
            Some((_, col)) => cols.push(*col),
            None => break,
        }
    }
    let has = |c: Col| cols.contains(&c);
    if cols.len() < 3
        || cols[0] != Col::Number
        || !has(Col::Content)
        || !(has(Col::Lead) || has(Col::CoLead) || has(Col::Participants))
    {
        return None;
    }
    let rest = &toks[cols.len()..];
    let data_cols = &cols[1..];
    let ci = data_cols.iter().position(|&c| c == Col::Content)?;

    // Split the cells into rows at each next row number.
    // (row number, start, cell spans)
    type Grouped = (u32, usize, Vec<(usize, usize)>);
    let mut grouped: Vec<Grouped> = Vec::new();
    let mut expected = 1u32;
    for &(s, e) in rest {
        let tok = &seg[at + s..at + e];
        let num = tok.trim_end_matches(['、', '.', '．']);
        if num.parse::<u32>().ok() == Some(expected) {
            grouped.push((expected, at + s, Vec::new()));
            expected += 1;
        } else if let Some(row) = grouped.last_mut() {
            row.2.push((at + s, at + e));
        }
    }
    let mut out = Vec::with_capacity(grouped.len());
    for (number, start, cells) in grouped {
        let text = |c: &(usize, usize)| seg[c.0..c.1].to_string();
        let k = data_cols.len();
        let mut assigned: Vec<(Col, String)> = Vec::with_capacity(k);
        let complete = cells.len() >= k;
        if complete {
            let after = k - 1 - ci;
            for (col, cell) in data_cols[..ci].iter().zip(&cells[..ci]) {
                assigned.push((*col, text(cell)));
            }
            let content: String = cells[ci..cells.len() - after].iter().map(text).collect();
            assigned.push((Col::Content, content));
            for (col, cell) in data_cols[ci + 1..]
                .iter()
                .zip(&cells[cells.len() - after..])
            {
                assigned.push((*col, text(cell)));
            }
        } else {
            for (col, cell) in data_cols.iter().zip(&cells) {
                assigned.push((*col, text(cell)));
            }
        }
        let get = |want: Col| {
            assigned
                .iter()
                .find(|(c, _)| *c == want)
                .map(|(_, v)| v.clone())
        };
        out.push(Row {
            number,
            start,
            content: get(Col::Content).unwrap_or_default(),
            lead: get(Col::Lead),
            co_lead: get(Col::CoLead),
            participants: get(Col::Participants),
            deadline: get(Col::Deadline),
            complete,
        });
    }
    Some(out)
}
