//! Batch evaluation from a CSV file, engine only (the same output as `fazhi discretion batch`,
//! without the binary's web and storage dependencies). Used by scripts/compare-openfisca.sh.
//!
//! `cargo run --release -p fazhi-discretion --example batch -- ITEM --cases IN.csv --out OUT.csv`
//! The CSV is simple: a header `violation,decision,<fact>...`, no quoting.

use chrono::NaiveDate;
use fazhi_discretion::{bundled_benchmark, Case};
use std::io::Write;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let (Some(item), Some(cases), Some(out)) = (args.get(1).cloned(), arg("--cases"), arg("--out"))
    else {
        eprintln!("usage: batch ITEM --cases IN.csv --out OUT.csv");
        std::process::exit(2);
    };
    let fail = |m: String| -> ! {
        eprintln!("{m}");
        std::process::exit(2)
    };
    let b = bundled_benchmark(&item).unwrap_or_else(|e| fail(e.to_string()));
    let text = std::fs::read_to_string(&cases).unwrap_or_else(|e| fail(format!("{cases}: {e}")));
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or("").split(',').collect();
    let date = |s: &str| {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_else(|_| fail(format!("bad date {s}")))
    };
    let parsed: Vec<Case> = lines
        .enumerate()
        .map(|(n, l)| {
            let cells: Vec<&str> = l.split(',').collect();
            let pairs: Vec<(&str, &str)> = header[2..]
                .iter()
                .copied()
                .zip(cells[2..].iter().copied())
                .filter(|(_, v)| !v.is_empty())
                .collect();
            let facts = b
                .facts
                .parse_pairs(&pairs)
                .unwrap_or_else(|e| fail(format!("line {}: {e}", n + 2)));
            Case {
                violation: date(cells[0]),
                decision: date(cells[1]),
                discovered: None,
                facts,
            }
        })
        .collect();
    let start = Instant::now();
    let results: Vec<_> = parsed.iter().map(|c| b.evaluate(c)).collect();
    let secs = start.elapsed().as_secs_f64();
    let mut w = std::io::BufWriter::new(
        std::fs::File::create(&out).unwrap_or_else(|e| fail(format!("{out}: {e}"))),
    );
    let mut write = || -> std::io::Result<()> {
        writeln!(w, "tier,adjustment,min_fen,max_fen,waivable")?;
        for r in &results {
            match r {
                Ok(o) => {
                    let (lo, hi) = o
                        .fine
                        .map(|f| (f.min_fen.to_string(), f.max_fen.to_string()))
                        .unwrap_or_default();
                    let adj = format!("{:?}", o.adjustment)
                        .to_lowercase()
                        .replace("nopenalty", "no_penalty");
                    writeln!(
                        w,
                        "{},{adj},{lo},{hi},{}",
                        b.versions[o.version].tiers[o.tier].id, o.waivable
                    )?;
                }
                Err(e) => writeln!(w, "error:{},,,,", e.code())?,
            }
        }
        w.flush()
    };
    write().unwrap_or_else(|e| fail(e.to_string()));
    eprintln!(
        "fazhi-discretion: evaluated {} cases in {:.3} s ({:.0} cases/s, one core)",
        results.len(),
        secs,
        results.len() as f64 / secs.max(1e-9)
    );
}
