//! The load checks find conflicts, gaps and out-of-range tiers, with an example of the facts;
//! malformed files are refused with the place named.

use fazhi_discretion::{check, Benchmark, FindingKind};

const BROKEN: &str = r#"
id = "broken"
title = { zh = "测试", en = "test" }
agency = { zh = "测试机关", en = "test agency" }

[[facts]]
name = "value"
type = "money"
zh = "货值"
en = "goods value"

[[facts]]
name = "repeat"
type = "bool"
zh = "再犯"
en = "repeat"

[[versions]]
from = "2020-01-01"
violation_basis = { law = "《测试法》", article = "第一条" }
penalty_basis = { law = "《测试法》", article = "第二条" }

[[versions.statutory]]
when = "value < 10000"
kinds = ["fine", "confiscation"]
mandatory = ["confiscation"]
fine = { yuan = [5000, 10000] }

[[versions.statutory]]
when = "value >= 10000"
kinds = ["fine"]
fine = { times = [2, 5], of = "value" }

[[versions.tiers]]
id = "low"
level = "minor"
when = "value <= 5000 && !repeat"
kinds = ["fine", "confiscation"]
fine = { yuan = [5000, 6000] }
zh = "低"
en = "low"

[[versions.tiers]]
id = "mid"
level = "ordinary"
when = "value >= 5000 && value < 10000"
kinds = ["fine"]
fine = { yuan = [6000, 12000] }
zh = "中"
en = "mid"

[[versions.tiers]]
id = "high"
level = "serious"
when = "value >= 10000"
kinds = ["fine", "revocation"]
fine = { yuan = [20000, 30000] }
zh = "高"
en = "high"
"#;

#[test]
fn finds_conflict_gap_and_range_errors_with_examples() {
    let b = Benchmark::parse("broken.toml", BROKEN).unwrap();
    let f = check(&b);
    let kinds: Vec<FindingKind> = f.iter().map(|x| x.kind).collect();
    let text: String = f.iter().map(|x| x.to_string() + "\n").collect();
    // value = 5000 exactly: both "low" and "mid".
    let conflict = f
        .iter()
        .find(|x| x.kind == FindingKind::Conflict)
        .expect(&text);
    assert_eq!(conflict.tier.as_deref(), Some("low"));
    assert_eq!(conflict.other.as_deref(), Some("mid"));
    assert!(
        conflict.example.contains(&"value=5000.00".to_string()),
        "{text}"
    );
    // value < 5000 with repeat: no tier.
    let gap = f.iter().find(|x| x.kind == FindingKind::Gap).expect(&text);
    assert!(gap.example.contains(&"repeat=true".to_string()), "{text}");
    // "mid" reaches 12,000 > 10,000; "high" at a fixed 20,000–30,000 is outside 2–5 times for
    // small values and for large ones.
    assert!(
        f.iter()
            .any(|x| x.kind == FindingKind::OutOfRange && x.tier.as_deref() == Some("mid")),
        "{text}"
    );
    assert!(
        f.iter()
            .any(|x| x.kind == FindingKind::OutOfRange && x.tier.as_deref() == Some("high")),
        "{text}"
    );
    assert!(kinds.contains(&FindingKind::KindNotAllowed), "{text}");
    assert!(
        f.iter().any(
            |x| x.kind == FindingKind::MandatoryKindMissing && x.tier.as_deref() == Some("mid")
        ),
        "{text}"
    );
    assert!(f
        .iter()
        .all(|x| x.source == "broken.toml" && x.version == "2020-01-01"));
}

#[test]
fn clause_gap_and_conflict() {
    let t = BROKEN.replace(
        "when = \"value >= 10000\"\nkinds = [\"fine\"]\nfine = { times",
        "when = \"value > 10000\"\nkinds = [\"fine\"]\nfine = { times",
    );
    let f = check(&Benchmark::parse("b.toml", &t).unwrap());
    let g = f
        .iter()
        .find(|x| x.kind == FindingKind::ClauseGap)
        .expect("clause gap");
    assert!(g.example.contains(&"value=10000.00".to_string()));
    let t = BROKEN.replace(
        "when = \"value >= 10000\"\nkinds = [\"fine\"]\nfine = { times",
        "when = \"value >= 9000\"\nkinds = [\"fine\"]\nfine = { times",
    );
    let f = check(&Benchmark::parse("b.toml", &t).unwrap());
    assert!(f.iter().any(|x| x.kind == FindingKind::ClauseConflict));
}

#[test]
fn malformed_files_name_the_place() {
    let e = Benchmark::parse("x.toml", "id = \"x\"\ntitle = 3\n").unwrap_err();
    assert_eq!(e.line, Some(2), "{e}");
    assert!(e.to_string().starts_with("x.toml:2"), "{e}");
    let e = Benchmark::parse(
        "x.toml",
        &BROKEN.replace("value <= 5000 && !repeat", "valu <= 5000"),
    )
    .unwrap_err();
    assert_eq!(
        e.place.as_deref(),
        Some("versions[2020-01-01].tiers[low].when"),
        "{e}"
    );
    assert!(e.en.contains("unknown fact 'valu'"), "{e}");
    assert!(e.zh.contains("valu"), "{e}");
    let e = Benchmark::parse(
        "x.toml",
        &BROKEN.replace(
            "fine = { yuan = [5000, 6000] }",
            "fine = { yuan = [6000, 5000] }",
        ),
    )
    .unwrap_err();
    assert!(e.to_string().contains("tiers[low]"), "{e}");
    let e = Benchmark::parse(
        "x.toml",
        &BROKEN.replace(
            "kinds = [\"fine\", \"revocation\"]",
            "kinds = [\"fine\", \"detention\"]",
        ),
    )
    .unwrap_err();
    assert!(e.line.is_some(), "{e}");
    let e = Benchmark::parse(
        "x.toml",
        &BROKEN.replace("from = \"2020-01-01\"", "from = \"2020-13-01\""),
    )
    .unwrap_err();
    assert!(e.en.contains("YYYY-MM-DD"), "{e}");
    let e = Benchmark::parse(
        "x.toml",
        &BROKEN.replace("of = \"value\"", "of = \"repeat\""),
    )
    .unwrap_err();
    assert!(e.en.contains("must be a money fact"), "{e}");
    let e = Benchmark::parse(
        "x.toml",
        &BROKEN.replace("name = \"repeat\"", "name = \"harm\""),
    )
    .unwrap_err();
    assert!(e.en.contains("harm"), "{e}");
}
