//! Who is given the work: lead, co-lead and participating units, read from the common ways
//! plans assign an item —
//! - sentences: "此项工作由A、B牵头负责,C参加", "A牵头,B负责落实", "由A,B等部门共同负责";
//! - labelled parts: "牵头单位:A 配合单位:B", "责任单位:A", "(牵头单位:A;配合单位:B)",
//!   with "完成时限:…" as the item's deadline.
//!
//! Names are returned as written (after splitting lists); resolving them is fazhi-org's job.

use crate::text::{
    char_before, is_close_paren, is_colon, is_comma, is_open_paren, is_semicolon, is_sentence_end,
    is_space, trim, trim_with, FW_COLON, FW_COMMA,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Lead,
    CoLead,
    Participant,
    /// "负责" alone: the lead when it comes first in its sentence, otherwise a participant.
    LeadIfFirst,
    Deadline,
}

/// Label words that may precede ":"; longest first so that "主要责任单位" wins over "责任单位".
const LABELS: &[(&str, Role)] = &[
    ("共同牵头单位", Role::CoLead),
    ("共同责任单位", Role::CoLead),
    ("主要责任单位", Role::Lead),
    ("牵头单位", Role::Lead),
    ("牵头部门", Role::Lead),
    ("责任单位", Role::Lead),
    ("责任部门", Role::Lead),
    ("主责单位", Role::Lead),
    ("主办单位", Role::Lead),
    ("配合单位", Role::Participant),
    ("配合部门", Role::Participant),
    ("参加单位", Role::Participant),
    ("参加部门", Role::Participant),
    ("参与单位", Role::Participant),
    ("协办单位", Role::Participant),
    ("协助单位", Role::Participant),
    ("协同单位", Role::Participant),
    ("完成时限", Role::Deadline),
    ("完成时间", Role::Deadline),
    ("完成期限", Role::Deadline),
    ("时间要求", Role::Deadline),
    ("时间节点", Role::Deadline),
    ("时限要求", Role::Deadline),
    ("办结时限", Role::Deadline),
    ("时限", Role::Deadline),
];

/// Words that end an assignment clause, longest first ("牵头负责" before "负责").
///
/// "负责落实" is read as participating: the lead answers for the item and the other units carry
/// it out under the lead's coordination, the relationship the glossary calls 参加/配合.
const ROLE_ENDINGS: &[(&str, Role)] = &[
    ("为牵头单位", Role::Lead),
    ("牵头负责", Role::Lead),
    ("牵头抓总", Role::Lead),
    ("共同负责", Role::CoLead),
    ("共同牵头", Role::CoLead),
    ("分别负责", Role::CoLead),
    ("联合负责", Role::CoLead),
    ("配合落实", Role::Participant),
    ("负责落实", Role::Participant),
    ("具体落实", Role::Participant),
    ("抓好落实", Role::Participant),
    ("组织落实", Role::Participant),
    ("负责实施", Role::Participant),
    ("具体实施", Role::Participant),
    ("负总责", Role::Lead),
    ("牵头", Role::Lead),
    ("主办", Role::Lead),
    ("参加", Role::Participant),
    ("参与", Role::Participant),
    ("配合", Role::Participant),
    ("协助", Role::Participant),
    ("协办", Role::Participant),
    ("负责", Role::LeadIfFirst),
];

/// Openings that introduce the responsible units of a clause ("此项工作由…").
const BY_PREFIXES: &[&str] = &[
    "此项工作由",
    "该项工作由",
    "本项工作由",
    "以上工作由",
    "上述工作由",
    "各项工作由",
    "工作由",
    "由",
];

/// Characters that never occur in a unit name but often in prose; a "list" containing one is
/// prose that happens to end in 负责/参加 ("组织全市公务员参加"), not an assignment.
const PROSE_CHARS: &[char] = &[
    '的', '要', '对', '把', '将', '是', '了', '按', '做', '使', '如', '并', '从', '向', '于', '在',
    '“', '《', '。',
];

/// Name endings that mark a complete unit name; used to decide whether "和/及/与" joins two
/// units ("各县(区)政府和市级各部门") or is part of one name ("市发展和改革委员会").
const UNIT_END_CHARS: &[char] = &[
    '局', '委', '办', '室', '心', '构', '府', '门', '位', '会', '院', '所', '站', '队', '厅', '处',
    '部',
];

/// Suffixes that distribute over a list of places: "巴州区、南江县人民政府" is two governments.
const DISTRIBUTED_SUFFIXES: &[&str] = &["人民政府", "管理委员会", "管委会", "政府"];
const PLACE_END_CHARS: &[char] = &['县', '区', '市', '园', '镇', '乡'];

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Assignment {
    pub lead: Vec<String>,
    pub co_lead: Vec<String>,
    pub participants: Vec<String>,
    /// Raw text of a labelled deadline ("完成时限:7月底前").
    pub deadline_label: Option<String>,
    /// Byte spans (in the scanned text) of sentences that assign work; a date in one of them is
    /// the item's deadline.
    pub sentence_spans: Vec<(usize, usize)>,
    pub labelled: bool,
}

impl Assignment {
    pub fn is_empty(&self) -> bool {
        self.lead.is_empty() && self.co_lead.is_empty() && self.participants.is_empty()
    }

    fn add(&mut self, role: Role, names: Vec<String>) {
        let list = match role {
            Role::Lead | Role::LeadIfFirst => &mut self.lead,
            Role::CoLead => &mut self.co_lead,
            Role::Participant => &mut self.participants,
            Role::Deadline => return,
        };
        for n in names {
            if !list.contains(&n) {
                list.push(n);
            }
        }
    }
}

/// A labelled part: its byte span (including enclosing brackets) and role.
#[derive(Debug, Clone)]
pub(crate) struct Label {
    pub start: usize,
    pub end: usize,
    pub role: Role,
    pub value: String,
}

/// Every "label:value" part of `s`.
pub(crate) fn find_labels(s: &str) -> Vec<Label> {
    // First the label words (start, value start, role), then each value runs to the next label.
    let mut heads: Vec<(usize, usize, Role)> = Vec::new();
    let bytes = s.as_bytes();
    // Colons found by bytes (":" or U+FF1A), not by decoding every character.
    let colons = (0..bytes.len()).filter_map(|i| match bytes[i] {
        b':' => Some((i, 1)),
        0xEF if bytes.get(i + 1) == Some(&0xBC) && bytes.get(i + 2) == Some(&0x9A) => Some((i, 3)),
        _ => None,
    });
    for (i, clen) in colons {
        let before = s[..i].trim_end_matches(is_space);
        let Some((word, role)) = LABELS.iter().find(|(w, _)| before.ends_with(w)) else {
            continue;
        };
        let start = before.len() - word.len();
        // A label starts a part: it must not be the tail of a longer word.
        let ok = match char_before(s, start) {
            None => true,
            Some(p) => {
                is_space(p)
                    || is_open_paren(p)
                    || is_semicolon(p)
                    || is_comma(p)
                    || matches!(p, '。' | '、' | '【' | '[' | ']' | '】')
            }
        };
        if ok {
            heads.push((start, i + clen, *role));
        }
    }
    let mut out = Vec::with_capacity(heads.len());
    for (k, &(start, value_start, role)) in heads.iter().enumerate() {
        let limit = heads.get(k + 1).map_or(s.len(), |h| h.0);
        let mut depth = 0i32;
        let mut end = limit;
        let mut swallow = 0;
        for (j, c) in s[value_start..limit].char_indices() {
            let at = value_start + j;
            if is_open_paren(c) {
                depth += 1;
            } else if is_close_paren(c) {
                if depth == 0 {
                    end = at;
                    swallow = c.len_utf8();
                    break;
                }
                depth -= 1;
            } else if c == '。' || is_semicolon(c) || c == '\n' || c == '\r' {
                end = at;
                swallow = c.len_utf8();
                break;
            }
        }
        let value = trim_with(&s[value_start..end], &[',', FW_COMMA, '、']).to_string();
        let mut span_start = start;
        if let Some(p) = char_before(s, start).filter(|&p| is_open_paren(p) || p == '【') {
            span_start -= p.len_utf8();
        }
        out.push(Label {
            start: span_start,
            end: end + swallow,
            role,
            value,
        });
    }
    out
}

/// Read the assignment of an item. `s` is the item's text; label spans are handled here.
pub(crate) fn read(s: &str, labels: &[Label]) -> Assignment {
    if labels.is_empty() {
        return read_clean(s, labels);
    }
    read_clean(&blank_labels(s, labels), labels)
}

/// [`read`] for a text whose label spans are already blanked (see [`blank_labels`]).
pub(crate) fn read_clean(clean: &str, labels: &[Label]) -> Assignment {
    let mut a = Assignment::default();
    for l in labels {
        if l.role == Role::Deadline {
            if !l.value.is_empty() {
                a.deadline_label = Some(l.value.clone());
            }
            continue;
        }
        if let Some(names) = split_units(&l.value, false) {
            a.labelled = true;
            a.add(l.role, names);
        }
    }
    // Sentences are read with label spans blanked out, so a label is never read twice.
    let mut sentence_start = 0;
    for (j, c) in clean.char_indices() {
        if is_sentence_end(c) || c == '\n' {
            if sentence_start < j {
                read_sentence(clean, sentence_start, j, &mut a);
            }
            sentence_start = j + c.len_utf8();
        }
    }
    if sentence_start < clean.len() {
        read_sentence(clean, sentence_start, clean.len(), &mut a);
    }
    a
}

/// `s` with every label span replaced by line breaks of the same byte length, so byte offsets
/// still line up with `s` and each label reads as a sentence break.
pub(crate) fn blank_labels(s: &str, labels: &[Label]) -> String {
    let mut clean = s.to_string();
    for l in labels {
        clean.replace_range(l.start..l.end, &"\n".repeat(l.end - l.start));
    }
    clean
}

fn read_sentence(s: &str, start: usize, end: usize, a: &mut Assignment) {
    let sentence = &s[start..end];
    let mut found: Vec<(Role, Vec<String>)> = Vec::new();
    let mut pending: Option<String> = None;
    let mut continuations = 0;
    for clause in sentence.split(|c: char| is_comma(c) || is_colon(c)) {
        let clause = trim(clause);
        if clause.is_empty() {
            continue;
        }
        let (opened, body) = strip_by(clause);
        let text: std::borrow::Cow<str> = match pending.take() {
            Some(p) => format!("{p},{body}").into(),
            None => body.into(),
        };
        match role_ending(&text) {
            Some((role, list)) => {
                continuations = 0;
                let (main, joint) = split_jointly(list);
                if let Some(names) = split_units(main, true) {
                    found.push((role, names));
                    if let Some(names) = joint.and_then(|j| split_units(j, true)) {
                        found.push((Role::Participant, names));
                    }
                }
            }
            // "由各县(区)人民政府,财政、人事等部门共同负责": the list runs on past a comma.
            None if (opened || continuations > 0) && continuations < 3 => {
                continuations += 1;
                pending = Some(text.into_owned());
            }
            None => continuations = 0,
        }
    }
    let has_lead = found
        .iter()
        .any(|(r, _)| matches!(r, Role::Lead | Role::CoLead | Role::LeadIfFirst));
    if !has_lead {
        return;
    }
    let mut lead_seen = false;
    for (role, names) in found {
        let role = match role {
            Role::LeadIfFirst if lead_seen => Role::Participant,
            Role::LeadIfFirst => Role::Lead,
            r => r,
        };
        lead_seen |= matches!(role, Role::Lead | Role::CoLead);
        a.add(role, names);
    }
    a.sentence_spans.push((start, end));
}

fn strip_by(clause: &str) -> (bool, &str) {
    // Search for the one character first: substring searches per opening per clause dominated
    // the parser's profile.
    for (i, _) in clause.match_indices('由') {
        let upto = &clause[..i + '由'.len_utf8()];
        for p in BY_PREFIXES {
            if upto.ends_with(p) {
                let at = upto.len() - p.len();
                // "由" must open the clause; "工作由" may follow a subject ("各项具体工作由").
                if at == 0 || *p == "工作由" {
                    return (true, &clause[upto.len()..]);
                }
            }
        }
    }
    (false, clause)
}

fn role_ending(text: &str) -> Option<(Role, &str)> {
    let t = trim_with(text, &['。', ',', FW_COMMA]);
    // Most clauses are prose; their last character already rules every ending out.
    // The last characters of ROLE_ENDINGS.
    if !matches!(
        t.chars().next_back()?,
        '位' | '责' | '总' | '头' | '实' | '施' | '办' | '加' | '与' | '合' | '助'
    ) {
        return None;
    }
    for (w, role) in ROLE_ENDINGS {
        if let Some(list) = t.strip_suffix(w) {
            let list = list.strip_suffix("共同").unwrap_or(list);
            let list = list.strip_suffix("等").unwrap_or(list);
            if !trim(list).is_empty() {
                return Some((*role, list));
            }
        }
    }
    None
}

/// "A会同B" → (A, Some(B)): A answers, B joins in.
fn split_jointly(list: &str) -> (&str, Option<&str>) {
    match list.find("会同") {
        Some(i) if i > 0 => (&list[..i], Some(&list[i + "会同".len()..])),
        _ => (list, None),
    }
}

/// Split a written list of units into names. With `strict`, a piece that reads like prose makes
/// the whole list `None` (it was not an assignment); labelled values are trusted more.
pub(crate) fn split_units(list: &str, strict: bool) -> Option<Vec<String>> {
    let mut pieces: Vec<String> = Vec::new();
    for raw in list.split(|c: char| {
        is_comma(c) || is_semicolon(c) || matches!(c, '、' | '/' | '／') || is_space(c)
    }) {
        let mut piece = trim(raw);
        piece = piece
            .strip_prefix("以及")
            .or_else(|| piece.strip_prefix('及'))
            .unwrap_or(piece);
        if piece.is_empty() {
            continue;
        }
        split_conjunctions(piece, &mut pieces);
    }
    let mut out = Vec::with_capacity(pieces.len());
    for p in pieces {
        let mut p = p.as_str();
        for tail in [
            "等有关部门",
            "等相关部门",
            "等有关单位",
            "等相关单位",
            "等部门",
            "等单位",
        ] {
            if let Some(t) = p.strip_suffix(tail) {
                p = t;
                break;
            }
        }
        let p = trim_with(p, &['。', ':', FW_COLON]);
        if p.is_empty() {
            continue;
        }
        let len = p.chars().count();
        if strict && (len > 30 || p.contains(PROSE_CHARS) || p.chars().any(|c| c.is_ascii_digit()))
        {
            return None;
        }
        if len > 60 {
            return None;
        }
        out.push(p.to_string());
    }
    if out.is_empty() {
        return None;
    }
    distribute_suffix(&mut out);
    Some(out)
}

fn split_conjunctions(piece: &str, out: &mut Vec<String>) {
    for (at, c) in piece.char_indices() {
        if !matches!(c, '和' | '及' | '与') {
            continue;
        }
        let left = &piece[..at];
        // "以及" is one conjunction.
        let left = if c == '及' {
            left.strip_suffix('以').unwrap_or(left)
        } else {
            left
        };
        let right = &piece[at + c.len_utf8()..];
        if !right.is_empty() && left.ends_with(UNIT_END_CHARS) {
            out.push(left.to_string());
            split_conjunctions(right, out);
            return;
        }
    }
    out.push(piece.to_string());
}

/// "巴州区、南江县人民政府" → 巴州区人民政府, 南江县人民政府: the last name's suffix is given to
/// earlier names that are bare places.
fn distribute_suffix(names: &mut [String]) {
    let Some(last) = names.last() else { return };
    let Some(suffix) = DISTRIBUTED_SUFFIXES
        .iter()
        .find(|s| last.ends_with(*s) && last.len() > s.len())
    else {
        return;
    };
    let n = names.len();
    for name in &mut names[..n - 1] {
        if name.ends_with(PLACE_END_CHARS) && !name.starts_with('各') {
            name.push_str(suffix);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_plain(s: &str) -> Assignment {
        read(s, &find_labels(s))
    }

    #[test]
    fn seed_sentences() {
        let a = read_plain("此项工作由市政府办公室牵头负责,监察、财政、审计、统计、人事、法制、政务中心、政府目标督查机构参加。");
        assert_eq!(a.lead, ["市政府办公室"]);
        assert_eq!(
            a.participants,
            [
                "监察",
                "财政",
                "审计",
                "统计",
                "人事",
                "法制",
                "政务中心",
                "政府目标督查机构"
            ]
        );
        let a = read_plain("此项工作由巴州区、南江县人民政府牵头负责,市政府法制办参加。");
        assert_eq!(a.lead, ["巴州区人民政府", "南江县人民政府"]);
        assert_eq!(a.participants, ["市政府法制办"]);
        let a = read_plain(
            "此项工作由各县(区)人民政府,财政、人事、法制等部门共同负责,市级各部门参加。 |",
        );
        assert_eq!(a.co_lead, ["各县(区)人民政府", "财政", "人事", "法制"]);
        assert_eq!(a.participants, ["市级各部门"]);
        let a = read_plain("强化审批服务事项办理监督,规范行政许可行为,此项工作由市监察局、市政务服务中心、市政府法制办牵头负责,市级各部门参加。");
        assert_eq!(a.lead, ["市监察局", "市政务服务中心", "市政府法制办"]);
    }

    #[test]
    fn other_layouts() {
        let a = read_plain("市司法局牵头,各县(区)人民政府负责落实,年底前完成。");
        assert_eq!(a.lead, ["市司法局"]);
        assert_eq!(a.participants, ["各县(区)人民政府"]);
        let a = read_plain("加强备案审查(牵头单位:市法制办;配合单位:市级各部门)");
        assert_eq!(a.lead, ["市法制办"]);
        assert_eq!(a.participants, ["市级各部门"]);
        let a = read_plain("牵头单位:市司法局 配合单位:市财政局、市人社局 完成时限:6月底前");
        assert_eq!(a.lead, ["市司法局"]);
        assert_eq!(a.participants, ["市财政局", "市人社局"]);
        assert_eq!(a.deadline_label.as_deref(), Some("6月底前"));
        let a = read_plain("责任单位:各县(区)政府和市级各部门");
        assert_eq!(a.lead, ["各县(区)政府", "市级各部门"]);
        let a = read_plain("由市发展和改革委员会会同市财政局负责。");
        assert_eq!(a.lead, ["市发展和改革委员会"]);
        assert_eq!(a.participants, ["市财政局"]);
    }

    #[test]
    fn prose_is_not_an_assignment() {
        assert!(read_plain("组织全市公务员参加。").is_empty());
        assert!(
            read_plain("切实加强行政监督部门与新闻舆论监督的密切配合,对问题要认真进行查处。")
                .is_empty()
        );
        assert!(read_plain("完善决策行政首长负责制和重大决策集体讨论研究制度。").is_empty());
    }
}
