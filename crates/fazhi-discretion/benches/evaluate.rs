//! Single-case latency (target < 1 µs) and batch throughput (target ≥ 5 million cases/s on
//! one core) of `Benchmark::evaluate` on the shipped food-safety benchmark.
//!
//! `cargo bench -p fazhi-discretion --bench evaluate`

use chrono::NaiveDate;
use criterion::{black_box, criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use fazhi_discretion::{bundled_benchmark, Case};

fn cases(n: usize) -> Vec<Case> {
    let b = bundled_benchmark("food-safety-122-unlicensed").unwrap();
    let harms = ["none", "minor", "serious"];
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let value = format!("{}.{:02}", x % 200_000, x % 100);
            let days = (x >> 20) % 400 + 1;
            let v =
                NaiveDate::from_ymd_opt(2016, 1, 1).unwrap() + chrono::Days::new((x >> 30) % 3000);
            let pairs = [
                ("goods_value", value),
                ("days_operating", days.to_string()),
                ("harm", harms[((x >> 40) % 3) as usize].to_string()),
                ("first_offence", ((x >> 45) & 1 == 0).to_string()),
                ("corrected_in_time", ((x >> 46) & 1 == 0).to_string()),
                ("meritorious", matches!((x >> 47) % 5, 0).to_string()),
                ("special_groups", matches!((x >> 48) % 7, 0).to_string()),
            ];
            let (case, _) = b
                .evaluate_pairs(v, v + chrono::Days::new(60), None, &pairs)
                .unwrap();
            case
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let b = bundled_benchmark("food-safety-122-unlicensed").unwrap();
    let one = cases(1).pop().unwrap();
    c.bench_function("evaluate/single", |bn| {
        bn.iter(|| b.evaluate(black_box(&one)))
    });
    c.bench_function("evaluate+report/single", |bn| {
        bn.iter(|| {
            let o = b.evaluate(black_box(&one)).unwrap();
            b.report(&one, &o, None)
        })
    });
    let batch = cases(100_000);
    let mut g = c.benchmark_group("evaluate/batch");
    g.throughput(Throughput::Elements(batch.len() as u64));
    g.bench_function("100k", |bn| {
        bn.iter_batched_ref(
            || Vec::with_capacity(batch.len()),
            |out| out.extend(batch.iter().map(|case| b.evaluate(case))),
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
