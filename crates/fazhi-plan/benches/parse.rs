//! Parse throughput on the seed plan. Target: ≥ 5,000 seed-sized documents per second on one core.
//! Run: `cargo bench -p fazhi-plan --bench parse`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;

const SEED: &str = include_str!("../../../data/seed/bazhong-2008-plan.txt");

fn bench(c: &mut Criterion) {
    let dir = fazhi_org::Directory::bundled_bazhong_2008();
    let mut g = c.benchmark_group("seed");
    g.throughput(Throughput::Elements(1));
    g.bench_function("parse", |b| {
        b.iter(|| fazhi_plan::parse(black_box(SEED)).unwrap())
    });
    let parsed = fazhi_plan::parse(SEED).unwrap();
    g.bench_function("resolve", |b| {
        b.iter(|| fazhi_plan::resolve(black_box(&parsed), &dir))
    });
    g.bench_function("parse_and_resolve", |b| {
        b.iter(|| fazhi_plan::parse_and_resolve(black_box(SEED), &dir).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
