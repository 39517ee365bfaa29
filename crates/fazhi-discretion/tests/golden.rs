//! The shipped benchmarks load, pass every load check, and reproduce their golden cases.

use fazhi_discretion::{check, golden, load_bundled, BUNDLED_CASES};

#[test]
fn shipped_benchmarks_pass_load_checks() {
    let all = load_bundled().expect("shipped benchmarks parse");
    assert_eq!(all.len(), 3);
    for b in &all {
        let findings = check(b);
        assert!(
            findings.is_empty(),
            "{}:\n{}",
            b.id,
            findings
                .iter()
                .map(|f| f.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}

#[test]
fn golden_cases() {
    let all = load_bundled().unwrap();
    let mut total = 0;
    let mut failures = Vec::new();
    for (name, text) in BUNDLED_CASES {
        let id = name.trim_end_matches(".cases.toml");
        let b = all
            .iter()
            .find(|b| b.id == id)
            .unwrap_or_else(|| panic!("no benchmark for {name}"));
        let (n, f) = golden::run(b, text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(n >= 8, "{name}: only {n} golden cases");
        total += n;
        failures.extend(f);
    }
    assert!(
        failures.is_empty(),
        "{} of {total} golden cases fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
