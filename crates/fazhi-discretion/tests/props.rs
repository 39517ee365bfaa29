//! Property: every evaluation of a shipped benchmark either returns a penalty inside the
//! statutory range (or below its minimum only when mitigated, or none when no penalty is due)
//! or an error; nothing panics on any input, parsed or raw.

use chrono::NaiveDate;
use fazhi_discretion::{bundled, check, Adjustment, Benchmark, Case, Facts};
use proptest::prelude::*;

fn day(n: i32) -> NaiveDate {
    NaiveDate::from_num_days_from_ce_opt(n).unwrap_or(NaiveDate::MIN)
}

fn assert_lawful(b: &Benchmark, case: &Case) {
    let Ok(out) = b.evaluate(case) else { return };
    let r = b.report(case, &out, Some(0));
    assert!(!r.explanation_zh.is_empty() && !r.explanation_en.is_empty());
    match (out.adjustment, out.fine, out.statutory_fine) {
        (Adjustment::NoPenalty, fine, _) => assert!(fine.is_none() && out.kinds.is_empty()),
        (Adjustment::Mitigated, Some(f), Some(s)) => {
            assert!(
                0 <= f.min_fen && f.min_fen <= f.max_fen && f.max_fen <= s.min_fen.max(0),
                "{f:?} {s:?}"
            )
        }
        (_, Some(f), Some(s)) => assert!(
            f.min_fen <= f.max_fen && f.within(&s),
            "{:?} {f:?} not within {s:?}",
            out.adjustment
        ),
        (_, None, _) => {}
        (_, Some(_), None) => panic!("a fine without a statutory fine"),
    }
    let v = &b.versions[out.version];
    assert!(v.in_force(case.violation));
    assert!(out.kinds.is_subset(v.clauses[out.clause].kinds));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    /// Facts as a person might type them, including nonsense.
    #[test]
    fn typed_text_never_panics(
        which in 0usize..3,
        violation in 729_000i32..740_000,
        gap in 0i32..4000,
        disc in proptest::option::of(0i32..4000),
        vals in proptest::collection::vec((0usize..20, "[a-z0-9.,_-]{0,12}|[0-9]{1,16}(\\.[0-9]{1,3})?|true|false|none|minor|serious|unit|individual"), 0..12),
    ) {
        let b = &bundled()[which];
        let names: Vec<String> = b.facts.defs().iter().map(|d| d.name.clone()).chain(["bogus".to_string()]).collect();
        let pairs: Vec<(String, String)> = vals.into_iter().map(|(i, v)| (names[i % names.len()].clone(), v)).collect();
        let v = day(violation);
        let d = day(violation + gap);
        if let Ok((case, _)) = b.evaluate_pairs(v, d, disc.map(|x| day(violation + x)), &pairs) {
            assert_lawful(b, &case);
        }
    }

    /// Raw fact vectors over every value in (and far outside) each domain.
    #[test]
    fn raw_facts_within_statute_or_error(
        which in 0usize..3,
        violation in 730_000i32..740_000,
        gap in -10i32..3000,
        raw in proptest::collection::vec(any::<i64>(), 0..24),
        pick in proptest::collection::vec(0u8..4, 24),
        given in any::<u64>(),
    ) {
        let b = &bundled()[which];
        let defs = b.facts.defs();
        // Mostly in-domain values (domain edges and small numbers), sometimes raw noise.
        let values: Vec<i64> = (0..raw.len().max(defs.len()).min(defs.len() + 1)).map(|i| {
            let r = raw.get(i).copied().unwrap_or(0);
            match (defs.get(i), pick[i % pick.len()]) {
                (Some(d), 0) => d.min + r.rem_euclid((d.max - d.min).saturating_add(1).max(1)),
                (Some(d), 1) => (d.min + r.rem_euclid(3_000_000)).min(d.max),
                (Some(d), 2) => if r % 2 == 0 { d.min } else { d.max },
                _ => r,
            }
        }).collect();
        let case = Case { violation: day(violation), decision: day(violation + gap), discovered: None, facts: Facts { values, given } };
        assert_lawful(b, &case);
        if let Ok(out) = b.evaluate(&case) {
            let _ = out.check_decision(raw.first().copied().unwrap_or(0));
        }
    }

    /// Arbitrary text never panics the parser or the checker.
    #[test]
    fn parser_never_panics(text in "(id|title|versions|when|fine|tiers|\\[|\\]|=|\"|\\{|\\}|,|\n| |[a-z<>=&|!0-9.])*") {
        if let Ok(b) = Benchmark::parse("fuzz.toml", &text) {
            let _ = check(&b);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

    /// Real benchmark texts with a slice replaced: parse errors or findings, never a panic.
    #[test]
    fn mutated_benchmarks_never_panic(which in 0usize..3, at in 0usize..20_000, len in 0usize..40, junk in "[a-z0-9<>=&|!\\[\\]{}\",. \n-]{0,20}") {
        let text = fazhi_discretion::BUNDLED[which].1;
        let mut at = at % text.len();
        while !text.is_char_boundary(at) { at -= 1; }
        let mut end = (at + len).min(text.len());
        while !text.is_char_boundary(end) { end -= 1; }
        let mutated = format!("{}{}{}", &text[..at], junk, &text[end..]);
        if let Ok(b) = Benchmark::parse("m.toml", &mutated) {
            let _ = check(&b);
        }
    }
}
