//! The organisation directory: units (governments, departments, offices, county/district
//! governments), unit groups that stand for several units ("市级各部门"), aliases, and the
//! resolution of a name as a plan writes it to the unit(s) it means.
//!
//! This crate is pure: it parses TOML from a `&str` it is given and never touches files,
//! databases or the network. The storage layer rebuilds a [`Directory`] from stored rows with
//! [`Directory::from_parts`]; the binary ships [`Directory::bundled_bazhong_2008`].
//!
//! # Resolution rules
//! [`Directory::resolve`] never guesses silently: every answer is one of the explicit
//! [`Resolution`] variants, tried in this order.
//! 1. **Normalise** the name: drop whitespace, full-width brackets become half-width, and the
//!    root government's place name ("巴中市") becomes its level prefix ("市").
//! 2. **Exact**: the canonical name or an alias of a unit or a group.
//! 3. **Issuer level**: a plan issued by the city government writes "财政" for "市财政…", so a
//!    name without the level prefix is retried with it ("政府目标督查机构" → "市政府目标督查机构").
//!    The level prefix is the last character of the root government's place name (巴中市 → 市).
//! 4. **"A(B)"**: one unit with a second nameplate ("市人事局(市编办)") is that unit when A and
//!    B both resolve to it.
//! 5. **Unique stem**: strip the level prefix, a leading "(人民)政府" and one generic suffix
//!    (局, 委员会, 办公室, 办, 中心, …) from the name and from every unit name and alias; if
//!    exactly one unit has the same stem it is the answer ("审计" → 市审计局, "应急办" →
//!    市政府应急办公室). Two or more matches are [`Resolution::Unknown`] with them as suggestions.
//!
//! Groups are matched only by steps 1–3: a group's name is a fixed phrase, not an abbreviation.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;

mod load;

/// The bundled data file, kept beside the other data in the repository's `data/orgs/`.
const BAZHONG_2008: &str = include_str!("../../../data/orgs/bazhong-2008.toml");
const BAZHONG_2008_FILE: &str = "data/orgs/bazhong-2008.toml";

/// What kind of organisation a unit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum UnitKind {
    Government,
    Department,
    Office,
    /// A county or district people's government (县/区人民政府).
    CountyGovernment,
    Other,
}

impl UnitKind {
    pub fn as_str(self) -> &'static str {
        match self {
            UnitKind::Government => "government",
            UnitKind::Department => "department",
            UnitKind::Office => "office",
            UnitKind::CountyGovernment => "county-government",
            UnitKind::Other => "other",
        }
    }
}

/// One unit (单位): any organisation that can be given work.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitDef {
    /// Stable ASCII slug, e.g. `legal-affairs-office`.
    pub key: String,
    /// Canonical Chinese name, e.g. 市政府法制办公室.
    pub name: String,
    pub name_en: String,
    pub kind: UnitKind,
    /// Key of the unit this one reports to; `None` only for a root government.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    #[serde(default)]
    pub aliases: Vec<String>,
}

/// How a group name is to be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum GroupMode {
    /// The name stands for every member (市级各部门).
    All,
    /// The members concerned must be chosen per plan item (市级相关部门).
    Choose,
}

/// A unit group (市级各部门 / 各县(区)人民政府): a name that stands for several units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupDef {
    pub key: String,
    pub name: String,
    pub name_en: String,
    pub mode: GroupMode,
    /// Members are the children of this unit…
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// …whose kind is one of these (any kind when empty).
    #[serde(default)]
    pub kinds: Vec<UnitKind>,
    /// Further members by key.
    #[serde(default)]
    pub units: Vec<String>,
    #[serde(default)]
    pub aliases: Vec<String>,
}

/// The answer to "which unit(s) does this name mean?". Keys, not names: look them up with
/// [`Directory::unit`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Resolution {
    /// Exactly one unit.
    Unit(String),
    /// A group that stands for all its members (in directory order).
    Group {
        group_key: String,
        units: Vec<String>,
    },
    /// A group whose members must be chosen per item ("市级相关部门"): no units implied.
    ChooseFromGroup { group_key: String },
    /// No unit or group; `suggestions` are unit keys worth offering (possibly none).
    Unknown { suggestions: Vec<String> },
}

impl Resolution {
    /// The unit keys this resolution stands for (empty for choose/unknown).
    pub fn unit_keys(&self) -> Vec<&str> {
        match self {
            Resolution::Unit(k) => vec![k.as_str()],
            Resolution::Group { units, .. } => units.iter().map(String::as_str).collect(),
            _ => Vec::new(),
        }
    }

    /// A short stable word for the kind of answer: `unit`, `group`, `choose`, `unknown`.
    pub fn kind_str(&self) -> &'static str {
        match self {
            Resolution::Unit(_) => "unit",
            Resolution::Group { .. } => "group",
            Resolution::ChooseFromGroup { .. } => "choose",
            Resolution::Unknown { .. } => "unknown",
        }
    }
}

/// A load or validation failure, naming the file (or `<parts>`) and, where known, the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgError {
    pub file: String,
    pub line: Option<usize>,
    pub kind: OrgErrorKind,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrgErrorKind {
    #[error("TOML: {0}")]
    Syntax(String),
    #[error("{what} must not be empty (unit or group `{key}`)")]
    Empty { what: &'static str, key: String },
    #[error("duplicate key `{key}`")]
    DuplicateKey { key: String },
    #[error("duplicate unit name `{name}` (units `{first}` and `{second}`)")]
    DuplicateName {
        name: String,
        first: String,
        second: String,
    },
    #[error("alias `{alias}` of `{key}` is already a name or alias of `{other}`")]
    AliasClash {
        alias: String,
        key: String,
        other: String,
    },
    #[error("unit `{key}` has unknown parent `{parent}`")]
    UnknownParent { key: String, parent: String },
    #[error("group `{group}` refers to unknown unit `{unit}`")]
    UnknownGroupUnit { group: String, unit: String },
    #[error("unit `{key}` is its own ancestor")]
    ParentCycle { key: String },
}

impl fmt::Display for OrgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.file, line, self.kind),
            None => write!(f, "{}: {}", self.file, self.kind),
        }
    }
}

impl std::error::Error for OrgError {}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Unit(usize),
    Group(usize),
}

/// The validated directory with its lookup indexes.
#[derive(Debug, Clone)]
pub struct Directory {
    units: Vec<UnitDef>,
    groups: Vec<GroupDef>,
    /// Normalised name or alias → what it names.
    by_name: HashMap<String, Target>,
    /// Stem → units with that stem (deduplicated, directory order).
    by_stem: HashMap<String, Vec<usize>>,
    by_key: HashMap<String, usize>,
    group_members: Vec<Vec<usize>>,
    /// The root government's place name ("巴中市") and its level prefix ("市").
    place: String,
    level_prefix: String,
}

/// Generic unit-name endings removed to form a stem, longest first so that "委员会" wins over "委".
const STEM_SUFFIXES: &[&str] = &[
    "管理委员会",
    "人民政府",
    "委员会",
    "办公室",
    "管委会",
    "政府",
    "中心",
    "机构",
    "局",
    "办",
    "室",
    "委",
];

impl Directory {
    /// Parse and validate a directory from TOML text. `file_name` is used in error messages only.
    pub fn from_toml_str(src: &str, file_name: &str) -> Result<Directory, OrgError> {
        load::from_toml_str(src, file_name)
    }

    /// The Bazhong 2008 directory shipped with fazhi (`data/orgs/bazhong-2008.toml`).
    pub fn bundled_bazhong_2008() -> Directory {
        Self::from_toml_str(BAZHONG_2008, BAZHONG_2008_FILE)
            .expect("the bundled directory is validated by this crate's tests")
    }

    /// Build a directory from definitions (for example rows read back from storage, with
    /// aliases learnt from users' mappings). Errors name `<parts>` instead of a file.
    pub fn from_parts(units: Vec<UnitDef>, groups: Vec<GroupDef>) -> Result<Directory, OrgError> {
        build(units, groups, "<parts>", &Lines::default())
    }

    pub fn units(&self) -> &[UnitDef] {
        &self.units
    }

    pub fn groups(&self) -> &[GroupDef] {
        &self.groups
    }

    pub fn unit(&self, key: &str) -> Option<&UnitDef> {
        self.by_key.get(key).map(|&i| &self.units[i])
    }

    pub fn group(&self, key: &str) -> Option<&GroupDef> {
        self.groups.iter().find(|g| g.key == key)
    }

    /// Members of a group in directory order; for a `choose` group these are the candidates.
    pub fn group_members(&self, group_key: &str) -> Vec<&UnitDef> {
        match self.groups.iter().position(|g| g.key == group_key) {
            Some(gi) => self.group_members[gi]
                .iter()
                .map(|&i| &self.units[i])
                .collect(),
            None => Vec::new(),
        }
    }

    /// The level prefix the directory's plans imply ("市" for a city government's directory).
    pub fn level_prefix(&self) -> &str {
        &self.level_prefix
    }

    /// Canonical names for a resolution's units (empty for choose/unknown).
    pub fn canonical_names(&self, resolution: &Resolution) -> Vec<String> {
        resolution
            .unit_keys()
            .into_iter()
            .filter_map(|k| self.unit(k).map(|u| u.name.clone()))
            .collect()
    }

    /// Resolve a name as written in a plan. See the module docs for the rules.
    pub fn resolve(&self, name: &str) -> Resolution {
        let q = normalise(name, &self.place, &self.level_prefix);
        if q.is_empty() {
            return Resolution::Unknown {
                suggestions: Vec::new(),
            };
        }
        if let Some(t) = self.lookup_exact(&q) {
            return self.answer(t);
        }
        if let Some((a, b)) = split_second_nameplate(&q) {
            let (ra, rb) = (self.resolve_unit_only(a), self.resolve_unit_only(b));
            return match (ra, rb) {
                (Some(x), Some(y)) if x == y => Resolution::Unit(self.units[x].key.clone()),
                (x, y) => Resolution::Unknown {
                    suggestions: x
                        .into_iter()
                        .chain(y)
                        .map(|i| self.units[i].key.clone())
                        .collect(),
                },
            };
        }
        match self.stem_matches(&q) {
            [one] => Resolution::Unit(self.units[*one].key.clone()),
            [] => Resolution::Unknown {
                suggestions: self.suggest(&q),
            },
            many => Resolution::Unknown {
                suggestions: many.iter().map(|&i| self.units[i].key.clone()).collect(),
            },
        }
    }

    /// Steps 2–3 (exact, then with the level prefix).
    fn lookup_exact(&self, q: &str) -> Option<Target> {
        if let Some(&t) = self.by_name.get(q) {
            return Some(t);
        }
        if !self.level_prefix.is_empty()
            && !q.starts_with(&self.level_prefix)
            && !q.starts_with('各')
        {
            let prefixed = format!("{}{}", self.level_prefix, q);
            if let Some(&t) = self.by_name.get(&prefixed) {
                return Some(t);
            }
        }
        None
    }

    fn resolve_unit_only(&self, q: &str) -> Option<usize> {
        match self.lookup_exact(q) {
            Some(Target::Unit(i)) => Some(i),
            Some(Target::Group(_)) => None,
            None => match self.stem_matches(q) {
                [one] => Some(*one),
                _ => None,
            },
        }
    }

    fn stem_matches(&self, q: &str) -> &[usize] {
        let s = stem(q, &self.level_prefix);
        if s.chars().count() < 2 {
            return &[];
        }
        self.by_stem.get(s).map(Vec::as_slice).unwrap_or(&[])
    }

    fn answer(&self, t: Target) -> Resolution {
        match t {
            Target::Unit(i) => Resolution::Unit(self.units[i].key.clone()),
            Target::Group(gi) => {
                let g = &self.groups[gi];
                match g.mode {
                    GroupMode::All => Resolution::Group {
                        group_key: g.key.clone(),
                        units: self.group_members[gi]
                            .iter()
                            .map(|&i| self.units[i].key.clone())
                            .collect(),
                    },
                    GroupMode::Choose => Resolution::ChooseFromGroup {
                        group_key: g.key.clone(),
                    },
                }
            }
        }
    }

    /// Units whose name or alias shares the stem as a substring, so a person can pick one.
    fn suggest(&self, q: &str) -> Vec<String> {
        let s = stem(q, &self.level_prefix);
        if s.is_empty() {
            return Vec::new();
        }
        let mut out = Vec::new();
        for u in &self.units {
            let hit = std::iter::once(&u.name).chain(&u.aliases).any(|n| {
                n.contains(s)
                    || (!stem(n, &self.level_prefix).is_empty()
                        && s.contains(stem(n, &self.level_prefix)))
            });
            if hit && out.len() < 5 {
                out.push(u.key.clone());
            }
        }
        out
    }
}

/// Split "A(B)" into A and B when both are non-empty and the brackets close the name.
fn split_second_nameplate(q: &str) -> Option<(&str, &str)> {
    let inner = q.strip_suffix(')')?;
    let open = inner.rfind('(')?;
    let (a, b) = (&inner[..open], &inner[open + 1..]);
    (!a.is_empty() && !b.is_empty()).then_some((a, b))
}

/// Rule 1 of the module docs. `place`/`prefix` may be empty (no root government).
pub(crate) fn normalise(name: &str, place: &str, prefix: &str) -> String {
    let mut s: String = name
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            other => other,
        })
        .collect();
    if !place.is_empty() && place != prefix {
        if let Some(rest) = s.strip_prefix(place) {
            s = format!("{prefix}{rest}");
        }
    }
    s
}

/// The stem of rule 5: level prefix, leading "(人民)政府" and one generic suffix removed.
pub(crate) fn stem<'a>(normalised: &'a str, prefix: &str) -> &'a str {
    let mut s = normalised;
    if !prefix.is_empty() {
        s = s.strip_prefix(prefix).unwrap_or(s);
    }
    s = s
        .strip_prefix("人民政府")
        .or_else(|| s.strip_prefix("政府"))
        .unwrap_or(s);
    for suffix in STEM_SUFFIXES {
        if let Some(t) = s.strip_suffix(suffix) {
            return t;
        }
    }
    s
}

/// Source lines of each definition, when loaded from a file (empty for `from_parts`).
#[derive(Debug, Default)]
pub(crate) struct Lines {
    pub unit_key: Vec<usize>,
    pub unit_name: Vec<usize>,
    pub unit_parent: Vec<Option<usize>>,
    pub unit_aliases: Vec<Vec<usize>>,
    pub group_key: Vec<usize>,
    pub group_name: Vec<usize>,
    pub group_units: Vec<Option<usize>>,
    pub group_aliases: Vec<Vec<usize>>,
}

impl Lines {
    fn get(v: &[usize], i: usize) -> Option<usize> {
        v.get(i).copied()
    }
}

pub(crate) fn build(
    units: Vec<UnitDef>,
    groups: Vec<GroupDef>,
    file: &str,
    lines: &Lines,
) -> Result<Directory, OrgError> {
    let err = |line: Option<usize>, kind: OrgErrorKind| OrgError {
        file: file.to_string(),
        line,
        kind,
    };

    // Keys first: everything else refers to them.
    let mut by_key: HashMap<String, usize> = HashMap::new();
    for (i, u) in units.iter().enumerate() {
        for (what, v) in [("key", &u.key), ("name", &u.name)] {
            if v.trim().is_empty() {
                return Err(err(
                    Lines::get(&lines.unit_key, i),
                    OrgErrorKind::Empty {
                        what,
                        key: u.key.clone(),
                    },
                ));
            }
        }
        if by_key.insert(u.key.clone(), i).is_some() {
            return Err(err(
                Lines::get(&lines.unit_key, i),
                OrgErrorKind::DuplicateKey { key: u.key.clone() },
            ));
        }
    }
    for (i, g) in groups.iter().enumerate() {
        if g.key.trim().is_empty() || g.name.trim().is_empty() {
            return Err(err(
                Lines::get(&lines.group_key, i),
                OrgErrorKind::Empty {
                    what: "key and name",
                    key: g.key.clone(),
                },
            ));
        }
        if by_key.contains_key(&g.key) || groups[..i].iter().any(|o| o.key == g.key) {
            return Err(err(
                Lines::get(&lines.group_key, i),
                OrgErrorKind::DuplicateKey { key: g.key.clone() },
            ));
        }
    }
    for (i, u) in units.iter().enumerate() {
        if let Some(p) = &u.parent {
            if !by_key.contains_key(p) {
                let line = lines
                    .unit_parent
                    .get(i)
                    .copied()
                    .flatten()
                    .or(Lines::get(&lines.unit_key, i));
                return Err(err(
                    line,
                    OrgErrorKind::UnknownParent {
                        key: u.key.clone(),
                        parent: p.clone(),
                    },
                ));
            }
        }
    }
    // A parent cycle would make "children of X" ill-defined; walking up must reach a root.
    for (i, u) in units.iter().enumerate() {
        let mut cur = u.parent.as_ref().and_then(|p| by_key.get(p)).copied();
        let mut steps = 0;
        while let Some(c) = cur {
            steps += 1;
            if c == i || steps > units.len() {
                return Err(err(
                    Lines::get(&lines.unit_key, i),
                    OrgErrorKind::ParentCycle { key: u.key.clone() },
                ));
            }
            cur = units[c]
                .parent
                .as_ref()
                .and_then(|p| by_key.get(p))
                .copied();
        }
    }

    let root = units
        .iter()
        .find(|u| u.kind == UnitKind::Government && u.parent.is_none());
    let place = root
        .and_then(|r| {
            normalise(&r.name, "", "")
                .strip_suffix("人民政府")
                .map(str::to_string)
        })
        .unwrap_or_default();
    let level_prefix = place.chars().last().map(String::from).unwrap_or_default();

    // Names and aliases share one namespace across units and groups.
    let mut by_name: HashMap<String, Target> = HashMap::new();
    let describe = |t: Target| match t {
        Target::Unit(i) => units[i].key.clone(),
        Target::Group(gi) => groups[gi].key.clone(),
    };
    for (i, u) in units.iter().enumerate() {
        let n = normalise(&u.name, &place, &level_prefix);
        if let Some(&prev) = by_name.get(&n) {
            let kind = OrgErrorKind::DuplicateName {
                name: u.name.clone(),
                first: describe(prev),
                second: u.key.clone(),
            };
            return Err(err(Lines::get(&lines.unit_name, i), kind));
        }
        by_name.insert(n, Target::Unit(i));
    }
    for (gi, g) in groups.iter().enumerate() {
        let n = normalise(&g.name, &place, &level_prefix);
        if let Some(&prev) = by_name.get(&n) {
            let kind = OrgErrorKind::DuplicateName {
                name: g.name.clone(),
                first: describe(prev),
                second: g.key.clone(),
            };
            return Err(err(Lines::get(&lines.group_name, gi), kind));
        }
        by_name.insert(n, Target::Group(gi));
    }
    let alias_sets = units
        .iter()
        .enumerate()
        .map(|(i, u)| {
            (
                Target::Unit(i),
                &u.aliases,
                lines.unit_aliases.get(i),
                &u.key,
            )
        })
        .chain(groups.iter().enumerate().map(|(gi, g)| {
            (
                Target::Group(gi),
                &g.aliases,
                lines.group_aliases.get(gi),
                &g.key,
            )
        }));
    for (target, aliases, alias_lines, key) in alias_sets {
        for (ai, a) in aliases.iter().enumerate() {
            let n = normalise(a, &place, &level_prefix);
            let line = alias_lines.and_then(|l| l.get(ai).copied());
            if n.is_empty() {
                return Err(err(
                    line,
                    OrgErrorKind::Empty {
                        what: "alias",
                        key: key.clone(),
                    },
                ));
            }
            match by_name.get(&n) {
                // The same unit written twice (e.g. "巴中市政府" and "市政府") is harmless.
                Some(&prev) if prev == target => {}
                Some(&prev) => {
                    let kind = OrgErrorKind::AliasClash {
                        alias: a.clone(),
                        key: key.clone(),
                        other: describe(prev),
                    };
                    return Err(err(line, kind));
                }
                None => {
                    by_name.insert(n, target);
                }
            }
        }
    }

    let mut by_stem: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, u) in units.iter().enumerate() {
        for n in std::iter::once(&u.name).chain(&u.aliases) {
            let n = normalise(n, &place, &level_prefix);
            let s = stem(&n, &level_prefix);
            if s.chars().count() >= 2 {
                let v = by_stem.entry(s.to_string()).or_default();
                if !v.contains(&i) {
                    v.push(i);
                }
            }
        }
    }

    let mut group_members = Vec::with_capacity(groups.len());
    for (gi, g) in groups.iter().enumerate() {
        if let Some(p) = &g.parent {
            if !by_key.contains_key(p) {
                let kind = OrgErrorKind::UnknownGroupUnit {
                    group: g.key.clone(),
                    unit: p.clone(),
                };
                return Err(err(Lines::get(&lines.group_key, gi), kind));
            }
        }
        let mut members: Vec<usize> = match &g.parent {
            Some(p) => units
                .iter()
                .enumerate()
                .filter(|(_, u)| {
                    u.parent.as_ref() == Some(p)
                        && (g.kinds.is_empty() || g.kinds.contains(&u.kind))
                })
                .map(|(i, _)| i)
                .collect(),
            None => Vec::new(),
        };
        for k in &g.units {
            match by_key.get(k) {
                Some(&i) if !members.contains(&i) => members.push(i),
                Some(_) => {}
                None => {
                    let line = lines
                        .group_units
                        .get(gi)
                        .copied()
                        .flatten()
                        .or(Lines::get(&lines.group_key, gi));
                    return Err(err(
                        line,
                        OrgErrorKind::UnknownGroupUnit {
                            group: g.key.clone(),
                            unit: k.clone(),
                        },
                    ));
                }
            }
        }
        members.sort_unstable();
        group_members.push(members);
    }

    Ok(Directory {
        units,
        groups,
        by_name,
        by_stem,
        by_key,
        group_members,
        place,
        level_prefix,
    })
}
