//! A pure parser for Chinese government work-plan notices (年度安排 / 工作要点 / 实施方案).
//!
//! [`parse`] reads the notice header (issuer, document number, addressees, signature date), the
//! plan's title, its section hierarchy and every work item with its lead, co-lead and
//! participating units — as written — and its deadline and milestones. [`resolve`] then maps the
//! written unit names to units of a [`fazhi_org::Directory`]. Parsing never consults the
//! directory, so a plan can be parsed before anyone decides which directory it belongs to.
//!
//! This crate owns no I/O: callers read files and hand over text. Storage, tracking and pages
//! are other crates' business.
//!
//! ```
//! let text = include_str!("../../../data/seed/bazhong-2008-plan.txt");
//! let plan = fazhi_plan::parse_and_resolve(text, &fazhi_org::Directory::bundled_bazhong_2008()).unwrap();
//! assert_eq!(plan.items.len(), 15);
//! assert_eq!(plan.items[0].lead[0].units, ["市政府办公室"]);
//! ```

mod assign;
mod date;
mod header;
mod structure;
mod table;
mod text;

use chrono::NaiveDate;
use fazhi_org::{Directory, Resolution};
use serde::Serialize;

/// A parsed plan. After [`parse`] every [`UnitRef`] is unresolved; after [`resolve`] they carry
/// the directory's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plan {
    pub title: String,
    /// 文号, e.g. 巴府办发[2008]14号.
    pub doc_number: Option<String>,
    /// The issuing body as written in the notice heading.
    pub issuer: Option<String>,
    /// The notice's signature date.
    pub issued_on: Option<NaiveDate>,
    /// The year the plan is for; deadlines without a year are read in it.
    pub year: i32,
    pub addressees: Vec<UnitRef>,
    pub sections: Vec<Section>,
    pub items: Vec<Item>,
    pub warnings: Vec<Warning>,
}

/// One heading of the hierarchy (一、 / (一) / 1、 / (1)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Section {
    /// Number path in half-width form, e.g. "三(一)".
    pub number: String,
    /// 1 for the outermost level present.
    pub depth: usize,
    pub title: String,
    /// Character offset of the marker in the text.
    pub offset: usize,
}

/// One work item (工作事项).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Item {
    /// Number path, e.g. "三(一)4", or "三(四)" for a section that is itself an item.
    pub number: String,
    /// The item's first clause.
    pub title: String,
    /// The rest of the item's text.
    pub body: String,
    pub lead: Vec<UnitRef>,
    pub co_lead: Vec<UnitRef>,
    pub participants: Vec<UnitRef>,
    pub deadline: NaiveDate,
    pub deadline_source: DeadlineSource,
    /// Dated steps inside the item ("于2008年7月底前向本级政府提出…").
    pub milestones: Vec<Milestone>,
    /// Character offset of the item's marker in the text.
    pub offset: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum DeadlineSource {
    /// The plan states the item's time limit.
    #[serde(rename = "explicit")]
    Explicit,
    /// No time limit is stated; the plan's year ends it.
    #[serde(rename = "end of plan year")]
    EndOfPlanYear,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Milestone {
    pub date: NaiveDate,
    /// The sentence that sets the date.
    pub text: String,
}

/// A unit as an item names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnitRef {
    /// Exactly as written, after splitting lists (a suffix shared by a list is distributed:
    /// "巴州区、南江县人民政府" gives 巴州区人民政府 and 南江县人民政府).
    pub name: String,
    /// Canonical unit names; empty when unresolved, unknown, or to be chosen.
    pub units: Vec<String>,
    /// Unit keys, parallel to `units`.
    pub keys: Vec<String>,
    pub resolution: RefKind,
    /// The group's key when the name is a unit group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Unit keys worth offering when the name is unknown.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suggestions: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RefKind {
    /// Not yet looked up (output of [`parse`]).
    Unresolved,
    Unit,
    Group,
    /// A group whose units must be chosen per item ("市级相关部门").
    ChooseFromGroup,
    Unknown,
}

impl UnitRef {
    pub fn unresolved(name: String) -> Self {
        UnitRef {
            name,
            units: Vec::new(),
            keys: Vec::new(),
            resolution: RefKind::Unresolved,
            group: None,
            suggestions: Vec::new(),
        }
    }
}

/// Something a reader should check: an item without units, a dropped truncated item, an
/// unknown unit name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    /// Character offset in the text.
    pub offset: usize,
    pub message: String,
}

/// The output of [`parse`]: a [`Plan`] whose unit references are names only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct ParsedPlan(Plan);

impl ParsedPlan {
    pub fn plan(&self) -> &Plan {
        &self.0
    }

    /// The plan with unresolved unit references (for callers that resolve by other means).
    pub fn into_unresolved(self) -> Plan {
        self.0
    }
}

/// The text could not be read as a plan.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("at character {offset} (near \"{snippet}\"): {kind}")]
pub struct ParseError {
    pub offset: usize,
    pub snippet: String,
    pub kind: ParseErrorKind,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseErrorKind {
    #[error("the text is empty")]
    Empty,
    #[error(
        "cannot tell which year the plan is for (no year in its title, date or document number)"
    )]
    NoYear,
    #[error("found no work items (no numbered item assigns work to a unit)")]
    NoItems,
}

/// Parse a plan notice. Unit names are left unresolved; see [`resolve`].
pub fn parse(text: &str) -> Result<ParsedPlan, ParseError> {
    let err = |byte: usize, kind| ParseError {
        offset: text[..byte].chars().count(),
        snippet: text::snippet(text, byte),
        kind,
    };
    if text::trim(text).is_empty() {
        return Err(err(0, ParseErrorKind::Empty));
    }
    let h = header::read(text);
    let doc_year = h.doc_number.as_deref().and_then(|d| {
        let open = d.find(|c: char| c.is_ascii_digit())?;
        d.get(open..open + 4)?.parse::<i32>().ok()
    });
    let title_year = h.title.as_deref().and_then(year_in_title);
    let year = title_year
        .or(h.issued_on.map(date::year_of))
        .or(doc_year)
        .ok_or_else(|| err(h.title_start, ParseErrorKind::NoYear))?;

    let built = structure::build(text, h.body_start, year);
    if built.items.is_empty() {
        return Err(err(h.body_start, ParseErrorKind::NoItems));
    }
    Ok(ParsedPlan(Plan {
        title: h.title.unwrap_or_default(),
        doc_number: h.doc_number,
        issuer: h.issuer,
        issued_on: h.issued_on,
        year,
        addressees: h.addressees.into_iter().map(UnitRef::unresolved).collect(),
        sections: built.sections,
        items: built.items,
        warnings: built.warnings,
    }))
}

/// The first plausible four-digit year written with Arabic digits followed by 年 ("2008年度").
fn year_in_title(t: &str) -> Option<i32> {
    let b = t.as_bytes();
    (0..b.len().saturating_sub(3)).find_map(|i| {
        let digits = &b[i..i + 4];
        let before_ok = i == 0 || !b[i - 1].is_ascii_digit();
        let after_ok = t.get(i + 4..).is_some_and(|r| r.starts_with('年'));
        if before_ok && after_ok && digits.iter().all(u8::is_ascii_digit) {
            std::str::from_utf8(digits)
                .ok()?
                .parse()
                .ok()
                .filter(|y| (1949..=2100).contains(y))
        } else {
            None
        }
    })
}

/// Resolve every unit name of a parsed plan against `dir`. Unknown names stay in the plan with
/// no units and add a warning; nothing is guessed.
pub fn resolve(parsed: &ParsedPlan, dir: &Directory) -> Plan {
    let mut plan = parsed.0.clone();
    let mut warnings = Vec::new();
    for r in &mut plan.addressees {
        fill(r, dir);
    }
    for item in &mut plan.items {
        for r in item
            .lead
            .iter_mut()
            .chain(&mut item.co_lead)
            .chain(&mut item.participants)
        {
            fill(r, dir);
            if r.resolution == RefKind::Unknown {
                let message = format!(
                    "item {}: unit \"{}\" is not in the directory",
                    item.number, r.name
                );
                warnings.push(Warning {
                    offset: item.offset,
                    message,
                });
            }
        }
    }
    plan.warnings.extend(warnings);
    plan
}

/// [`parse`] then [`resolve`].
pub fn parse_and_resolve(text: &str, dir: &Directory) -> Result<Plan, ParseError> {
    Ok(resolve(&parse(text)?, dir))
}

fn fill(r: &mut UnitRef, dir: &Directory) {
    let res = dir.resolve(&r.name);
    r.keys = res.unit_keys().into_iter().map(str::to_string).collect();
    r.units = dir.canonical_names(&res);
    r.group = None;
    r.suggestions = Vec::new();
    r.resolution = match res {
        Resolution::Unit(_) => RefKind::Unit,
        Resolution::Group { group_key, .. } => {
            r.group = Some(group_key);
            RefKind::Group
        }
        Resolution::ChooseFromGroup { group_key } => {
            r.group = Some(group_key);
            RefKind::ChooseFromGroup
        }
        Resolution::Unknown { suggestions } => {
            r.suggestions = suggestions;
            RefKind::Unknown
        }
    };
}
