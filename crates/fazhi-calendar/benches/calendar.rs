//! Working-day query throughput. Run: `cargo bench -p fazhi-calendar -- --measurement-time 3`.

use chrono::NaiveDate;
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use fazhi_calendar::Calendar;

/// 4096 start dates spread over the covered years, so the bench is not one cached answer.
fn starts() -> Vec<NaiveDate> {
    let first = NaiveDate::from_ymd_opt(2004, 1, 1).unwrap();
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..4096)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            first + chrono::Days::new(x % 8000)
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let cal = Calendar::bundled();
    let starts = starts();
    let mut g = c.benchmark_group("calendar");
    g.throughput(Throughput::Elements(starts.len() as u64));
    g.bench_function("add_working_days(d, 20) x4096", |b| {
        b.iter(|| {
            for &d in &starts {
                black_box(cal.add_working_days(black_box(d), black_box(20)).unwrap());
            }
        })
    });
    g.bench_function("is_working_day x4096", |b| {
        b.iter(|| {
            for &d in &starts {
                black_box(cal.is_working_day(black_box(d)).unwrap());
            }
        })
    });
    g.bench_function("working_days_between(d, d+60) x4096", |b| {
        b.iter(|| {
            for &d in &starts {
                let to = d + chrono::Days::new(60);
                black_box(cal.working_days_between(black_box(d), to).unwrap());
            }
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
