//! Full due-date computations (one extension, one suspension) per second.
//! Run: `cargo bench -p fazhi-deadline -- --measurement-time 3`.

use chrono::{Days, NaiveDate};
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use fazhi_calendar::Calendar;
use fazhi_deadline::{compute, Event, EventKind, RuleBook};

fn cases() -> Vec<Vec<Event>> {
    let first = NaiveDate::from_ymd_opt(2005, 1, 1).unwrap();
    (0..1024u64)
        .map(|i| {
            let s = first + Days::new((i * 7919) % 7500);
            vec![
                Event::new(EventKind::Accepted, s),
                Event::with_detail(EventKind::Suspended, s + Days::new(5), "hearing"),
                Event::new(EventKind::Resumed, s + Days::new(12)),
                Event::new(EventKind::Extended, s + Days::new(20)),
            ]
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let cal = Calendar::bundled();
    let book = RuleBook::bundled();
    let rule = book.get("licensing.decision").unwrap();
    let cases = cases();
    let today = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
    let mut g = c.benchmark_group("deadline");
    g.throughput(Throughput::Elements(cases.len() as u64));
    g.bench_function(
        "licensing.decision with extension + suspension x1024",
        |b| {
            b.iter(|| {
                for ev in &cases {
                    black_box(compute(cal, rule, black_box(ev), today).unwrap().due);
                }
            })
        },
    );
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
