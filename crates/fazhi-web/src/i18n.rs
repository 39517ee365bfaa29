//! Localised text. Every user-facing string of the pages lives in `locales/*.toml` as a flat
//! `key = "text"` table; zh-CN is the default and English the alternative. A missing key is a
//! test failure (both files must have the same keys), and at run time shows the key itself so a
//! gap is visible rather than silently blank.

use std::collections::HashMap;
use std::sync::OnceLock;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    ZhCn,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::ZhCn => "zh-CN",
            Lang::En => "en",
        }
    }
    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "zh-CN" | "zh" | "zh-cn" => Some(Lang::ZhCn),
            "en" | "en-US" | "en-GB" => Some(Lang::En),
            _ => None,
        }
    }
    pub fn other(self) -> Lang {
        match self {
            Lang::ZhCn => Lang::En,
            Lang::En => Lang::ZhCn,
        }
    }
}

type Table = HashMap<String, String>;

fn parse_table(src: &str, file: &str) -> Table {
    let value: toml::Table = toml::from_str(src).unwrap_or_else(|e| panic!("{file}: {e}"));
    value
        .into_iter()
        .map(|(k, v)| match v {
            toml::Value::String(s) => (k, s),
            other => panic!("{file}: key {k} is not a string: {other}"),
        })
        .collect()
}

fn tables() -> &'static (Table, Table) {
    static TABLES: OnceLock<(Table, Table)> = OnceLock::new();
    TABLES.get_or_init(|| {
        (
            parse_table(include_str!("../locales/zh-CN.toml"), "locales/zh-CN.toml"),
            parse_table(include_str!("../locales/en.toml"), "locales/en.toml"),
        )
    })
}

/// The text of `key` in `lang`.
pub fn text(lang: Lang, key: &str) -> &'static str {
    let (zh, en) = tables();
    let table = if lang == Lang::En { en } else { zh };
    match table.get(key) {
        Some(s) => s.as_str(),
        None => {
            tracing::warn!(key, lang = lang.code(), "missing locale key");
            Box::leak(key.to_string().into_boxed_str())
        }
    }
}

/// A page's translator: templates call `t.t("key")`.
#[derive(Clone, Copy, Debug)]
pub struct Tr {
    pub lang: Lang,
}

impl Tr {
    pub fn t(&self, key: &str) -> &'static str {
        text(self.lang, key)
    }
    pub fn code(&self) -> &'static str {
        self.lang.code()
    }
    pub fn other_code(&self) -> &'static str {
        self.lang.other().code()
    }
    pub fn is_en(&self) -> bool {
        self.lang == Lang::En
    }
    /// The Chinese or the English of a pair, by the page's language.
    pub fn pick<T>(&self, zh: T, en: T) -> T {
        if self.is_en() {
            en
        } else {
            zh
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_locales_have_the_same_keys() {
        let (zh, en) = tables();
        let mut missing: Vec<_> = zh
            .keys()
            .filter(|k| !en.contains_key(*k))
            .map(|k| format!("en lacks {k}"))
            .collect();
        missing.extend(
            en.keys()
                .filter(|k| !zh.contains_key(*k))
                .map(|k| format!("zh-CN lacks {k}")),
        );
        missing.sort();
        assert!(missing.is_empty(), "{missing:#?}");
    }

    #[test]
    fn every_key_used_in_templates_exists() {
        let (zh, _) = tables();
        let templates = [
            include_str!("../templates/layout.html"),
            include_str!("../templates/login.html"),
            include_str!("../templates/home.html"),
            include_str!("../templates/portal.html"),
            include_str!("../templates/error.html"),
            include_str!("../templates/plan.html"),
            include_str!("../templates/item.html"),
            include_str!("../templates/unit.html"),
            include_str!("../templates/cases.html"),
            include_str!("../templates/case.html"),
            include_str!("../templates/case_new.html"),
            include_str!("../templates/overdue.html"),
            include_str!("../templates/fields.html"),
            include_str!("../templates/discretion.html"),
            include_str!("../templates/discretion_version.html"),
            include_str!("../templates/discretion_benchmark.html"),
            include_str!("../templates/discretion_fact.html"),
            include_str!("../templates/discretion_try.html"),
            include_str!("../templates/discretion_decisions.html"),
            include_str!("../templates/discretion_decision.html"),
            include_str!("../templates/leader.html"),
            include_str!("../templates/feed.html"),
        ];
        for src in templates {
            for part in src.split("t.t(\"").skip(1) {
                let key = &part[..part.find('"').unwrap()];
                assert!(zh.contains_key(key), "template uses unknown key {key}");
            }
        }
    }
}
