//! Rough timing without criterion, robust to a busy machine: best of 20 rounds of 200 parses.
//! `cargo run --release -p fazhi-plan --example timeit`
fn main() {
    let seed = include_str!("../../../data/seed/bazhong-2008-plan.txt");
    let rounds = 20;
    let n = 200;
    let mut best = f64::MAX;
    for _ in 0..rounds {
        let t = std::time::Instant::now();
        for _ in 0..n {
            std::hint::black_box(fazhi_plan::parse(std::hint::black_box(seed)).unwrap());
        }
        best = best.min(t.elapsed().as_secs_f64() / n as f64);
    }
    println!(
        "best round: {:.1} µs/parse, {:.0} seed-sized documents/s",
        best * 1e6,
        1.0 / best
    );
}
