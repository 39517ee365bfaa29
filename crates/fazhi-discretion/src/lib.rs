//! Penalty discretion benchmarks (行政处罚裁量基准) as code.
//!
//! Owns: the benchmark format ([`Benchmark::parse`], one TOML text per violation item), the
//! Administrative Penalty Law's leniency and aggravation rules ([`rules`]), the load checks
//! ([`check()`]: conflicts, gaps, ranges outside the statute), evaluation of a case
//! ([`Benchmark::evaluate`], [`Benchmark::report`]), the shipped benchmarks ([`bundled()`]) and
//! the conversion of agencies' tables into benchmark files ([`table`]).
//!
//! Must not touch: files, the network, storage, clocks. Everything is parsed from `&str` and
//! dates come in as arguments; the CLI and the web do the I/O.
//!
//! Money is `i64` fen inside and yuan in files and on the command line.

pub mod bundled;
pub mod check;
pub mod error;
pub mod eval;
pub mod expr;
pub mod facts;
pub mod golden;
pub mod model;
pub mod money;
pub mod report;
pub mod rules;
pub mod table;

pub use bundled::{bundled, bundled_benchmark, load_bundled, BUNDLED, BUNDLED_CASES};
pub use check::{check, Finding, FindingKind};
pub use error::{EvalError, LoadError};
pub use eval::{parse_decided, Adjustment, Case, DecisionCheck, Outcome};
pub use facts::{FactDef, FactKind, FactTable, Facts};
pub use model::{Basis, Benchmark, Kind, KindSet, Level, Safety, Text};
pub use money::{format_yuan, parse_yuan, FenRange};
pub use report::Report;
pub use rules::{Edition, Rule, RuleSet};
