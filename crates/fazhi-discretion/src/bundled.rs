//! The benchmarks shipped with fazhi, compiled into the binary.

use crate::error::{EvalError, LoadError};
use crate::model::Benchmark;
use std::sync::OnceLock;

/// `(file name, TOML text)` of every shipped benchmark.
pub const BUNDLED: &[(&str, &str)] = &[
    (
        "municipal-waste-42-dumping.toml",
        include_str!("../../../data/discretion/municipal-waste-42-dumping.toml"),
    ),
    (
        "air-119-2-burning.toml",
        include_str!("../../../data/discretion/air-119-2-burning.toml"),
    ),
    (
        "food-safety-122-unlicensed.toml",
        include_str!("../../../data/discretion/food-safety-122-unlicensed.toml"),
    ),
];

/// `(file name, TOML text)` of the golden cases beside each shipped benchmark.
pub const BUNDLED_CASES: &[(&str, &str)] = &[
    (
        "municipal-waste-42-dumping.cases.toml",
        include_str!("../../../data/discretion/municipal-waste-42-dumping.cases.toml"),
    ),
    (
        "air-119-2-burning.cases.toml",
        include_str!("../../../data/discretion/air-119-2-burning.cases.toml"),
    ),
    (
        "food-safety-122-unlicensed.cases.toml",
        include_str!("../../../data/discretion/food-safety-122-unlicensed.cases.toml"),
    ),
];

/// Parse every shipped benchmark.
pub fn load_bundled() -> Result<Vec<Benchmark>, LoadError> {
    BUNDLED
        .iter()
        .map(|(name, text)| Benchmark::parse(name, text))
        .collect()
}

/// The shipped benchmarks, parsed once. The golden tests guarantee they parse and pass the
/// load checks, so a failure here is a build defect, not bad input.
pub fn bundled() -> &'static [Benchmark] {
    static CELL: OnceLock<Vec<Benchmark>> = OnceLock::new();
    CELL.get_or_init(|| {
        load_bundled().unwrap_or_else(|e| panic!("shipped benchmark does not load: {e}"))
    })
}

/// A shipped benchmark by id.
pub fn bundled_benchmark(id: &str) -> Result<&'static Benchmark, EvalError> {
    bundled()
        .iter()
        .find(|b| b.id == id)
        .ok_or_else(|| EvalError::UnknownBenchmark { id: id.to_string() })
}
