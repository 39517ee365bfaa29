//! Reading the TOML form of a directory, keeping each value's line so validation errors can say
//! where the problem is. Validation itself is shared with `from_parts` (see `build`).

use crate::{build, GroupDef, GroupMode, Lines, OrgError, OrgErrorKind, UnitDef, UnitKind};
use serde::Deserialize;
use toml::Spanned;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    unit: Vec<RawUnit>,
    #[serde(default)]
    group: Vec<RawGroup>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUnit {
    key: Spanned<String>,
    name: Spanned<String>,
    name_en: String,
    kind: UnitKind,
    #[serde(default)]
    parent: Option<Spanned<String>>,
    #[serde(default)]
    aliases: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGroup {
    key: Spanned<String>,
    name: Spanned<String>,
    name_en: String,
    mode: GroupMode,
    #[serde(default)]
    parent: Option<String>,
    #[serde(default)]
    kinds: Vec<UnitKind>,
    #[serde(default)]
    units: Option<Spanned<Vec<String>>>,
    #[serde(default)]
    aliases: Vec<Spanned<String>>,
}

pub(crate) fn from_toml_str(src: &str, file_name: &str) -> Result<crate::Directory, OrgError> {
    let line_of = |byte: usize| {
        src.as_bytes()[..byte.min(src.len())]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    };
    let raw: RawFile = toml::from_str(src).map_err(|e| OrgError {
        file: file_name.to_string(),
        line: e.span().map(|s| line_of(s.start)),
        kind: OrgErrorKind::Syntax(e.message().to_string()),
    })?;

    let mut lines = Lines::default();
    let mut units = Vec::with_capacity(raw.unit.len());
    for u in raw.unit {
        lines.unit_key.push(line_of(u.key.span().start));
        lines.unit_name.push(line_of(u.name.span().start));
        lines
            .unit_parent
            .push(u.parent.as_ref().map(|p| line_of(p.span().start)));
        lines
            .unit_aliases
            .push(u.aliases.iter().map(|a| line_of(a.span().start)).collect());
        units.push(UnitDef {
            key: u.key.into_inner(),
            name: u.name.into_inner(),
            name_en: u.name_en,
            kind: u.kind,
            parent: u.parent.map(Spanned::into_inner),
            aliases: u.aliases.into_iter().map(Spanned::into_inner).collect(),
        });
    }
    let mut groups = Vec::with_capacity(raw.group.len());
    for g in raw.group {
        lines.group_key.push(line_of(g.key.span().start));
        lines.group_name.push(line_of(g.name.span().start));
        lines
            .group_units
            .push(g.units.as_ref().map(|u| line_of(u.span().start)));
        lines
            .group_aliases
            .push(g.aliases.iter().map(|a| line_of(a.span().start)).collect());
        groups.push(GroupDef {
            key: g.key.into_inner(),
            name: g.name.into_inner(),
            name_en: g.name_en,
            mode: g.mode,
            parent: g.parent,
            kinds: g.kinds,
            units: g.units.map(Spanned::into_inner).unwrap_or_default(),
            aliases: g.aliases.into_iter().map(Spanned::into_inner).collect(),
        });
    }
    build(units, groups, file_name, &lines)
}
