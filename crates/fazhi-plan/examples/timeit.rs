//! Rough timing without criterion: `cargo run --release -p fazhi-plan --example timeit`.
fn main() {
    let seed = include_str!("../../../data/seed/bazhong-2008-plan.txt");
    let n = 3000;
    let t = std::time::Instant::now();
    for _ in 0..n {
        std::hint::black_box(fazhi_plan::parse(std::hint::black_box(seed)).unwrap());
    }
    let e = t.elapsed();
    println!(
        "{:.1} µs/parse, {:.0} docs/s",
        e.as_secs_f64() * 1e6 / n as f64,
        n as f64 / e.as_secs_f64()
    );
}
