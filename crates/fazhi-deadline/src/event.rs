//! A case's dated events, as a person or the CLI writes them: `KIND[:DETAIL]=DATE[..DATE]`.

use crate::DeadlineError;
use chrono::NaiveDate;
use serde::Serialize;
use std::fmt;

/// What happened on a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// The application / request / document arrived (收到).
    Received,
    /// The agency accepted the case (受理).
    Accepted,
    /// A document was served on the party who must act (送达, e.g. 起诉状副本).
    Served,
    /// A document was published (公布).
    Published,
    /// A case was filed (立案).
    Filed,
    /// The agency asked for missing or corrected materials (补正通知).
    SupplementRequested,
    /// The missing or corrected materials arrived.
    SupplementReceived,
    /// An extension was approved; detail: its length (default: the most the rule allows).
    Extended,
    /// Counting stopped; detail: the kind of suspension (hearing, expert_review, …).
    Suspended,
    /// Counting resumes the day after.
    Resumed,
    /// The case was closed (decision made, reply sent).
    Closed,
}

impl EventKind {
    pub const ALL: [EventKind; 11] = [
        EventKind::Received,
        EventKind::Accepted,
        EventKind::Served,
        EventKind::Published,
        EventKind::Filed,
        EventKind::SupplementRequested,
        EventKind::SupplementReceived,
        EventKind::Extended,
        EventKind::Suspended,
        EventKind::Resumed,
        EventKind::Closed,
    ];

    pub fn name(self) -> &'static str {
        match self {
            EventKind::Received => "received",
            EventKind::Accepted => "accepted",
            EventKind::Served => "served",
            EventKind::Published => "published",
            EventKind::Filed => "filed",
            EventKind::SupplementRequested => "supplement_requested",
            EventKind::SupplementReceived => "supplement_received",
            EventKind::Extended => "extended",
            EventKind::Suspended => "suspended",
            EventKind::Resumed => "resumed",
            EventKind::Closed => "closed",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            EventKind::Received => "收到",
            EventKind::Accepted => "受理",
            EventKind::Served => "送达",
            EventKind::Published => "公布",
            EventKind::Filed => "立案",
            EventKind::SupplementRequested => "通知补正",
            EventKind::SupplementReceived => "收到补正材料",
            EventKind::Extended => "批准延长",
            EventKind::Suspended => "中止计算",
            EventKind::Resumed => "恢复计算",
            EventKind::Closed => "办结",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim().replace('-', "_").to_ascii_lowercase();
        Self::ALL.into_iter().find(|k| k.name() == s)
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One dated event of a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Event {
    pub kind: EventKind,
    pub date: NaiveDate,
    /// Suspension kind for `suspended`, length for `extended`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl Event {
    pub fn new(kind: EventKind, date: NaiveDate) -> Self {
        Self {
            kind,
            date,
            detail: None,
        }
    }

    pub fn with_detail(kind: EventKind, date: NaiveDate, detail: impl Into<String>) -> Self {
        Self {
            kind,
            date,
            detail: Some(detail.into()),
        }
    }

    /// Parse `KIND[:DETAIL]=DATE`. `suspended[:KIND]=FROM..TO` gives a suspension and its
    /// resumption in one go.
    pub fn parse_all(s: &str) -> Result<Vec<Event>, DeadlineError> {
        let bad = |why_zh: &str, why_en: &str| {
            DeadlineError::new(
                "bad_event",
                format!("无法识别的事件 “{s}”：{why_zh}（格式：类型[:说明]=YYYY-MM-DD）"),
                format!("cannot read event `{s}`: {why_en} (expected KIND[:DETAIL]=YYYY-MM-DD)"),
            )
        };
        let (head, date) = s
            .split_once('=')
            .ok_or_else(|| bad("缺少 “=”", "missing `=`"))?;
        let (kind, detail) = match head.split_once(':') {
            Some((k, d)) if !d.trim().is_empty() => (k, Some(d.trim().to_owned())),
            Some((k, _)) => (k, None),
            None => (head, None),
        };
        let kind = EventKind::parse(kind).ok_or_else(|| {
            let names: Vec<_> = EventKind::ALL.iter().map(|k| k.name()).collect();
            bad(
                &format!("未知事件类型，可用：{}", names.join(", ")),
                &format!("unknown kind; known kinds: {}", names.join(", ")),
            )
        })?;
        let (from, to) = match date.split_once("..") {
            Some((a, b)) => (parse_date(a)?, Some(parse_date(b)?)),
            None => (parse_date(date)?, None),
        };
        let mut out = vec![Event {
            kind,
            date: from,
            detail,
        }];
        if let Some(to) = to {
            if kind != EventKind::Suspended {
                return Err(bad(
                    "只有 suspended 可以写成日期范围",
                    "only `suspended` takes a date range",
                ));
            }
            out.push(Event::new(EventKind::Resumed, to));
        }
        Ok(out)
    }
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.detail {
            Some(d) => write!(f, "{}:{}={}", self.kind, d, self.date),
            None => write!(f, "{}={}", self.kind, self.date),
        }
    }
}

/// Parse a `YYYY-MM-DD` date, rejecting impossible ones with a message in both languages.
pub fn parse_date(s: &str) -> Result<NaiveDate, DeadlineError> {
    let t = s.trim();
    let ok = t.len() == 10 && t.as_bytes()[4] == b'-' && t.as_bytes()[7] == b'-';
    match NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        Ok(d) if ok => Ok(d),
        _ => Err(DeadlineError::new(
            "bad_date",
            format!("“{t}” 不是有效日期（应为 YYYY-MM-DD，且该日须真实存在）"),
            format!("`{t}` is not a valid date (YYYY-MM-DD, and the day must exist)"),
        )),
    }
}
