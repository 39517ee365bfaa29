//! Fill a database with generated cases for load tests: `cargo run --release -p fazhi-store
//! --example generate -- DB_URL N`. The database must already hold a directory (e.g. after
//! `fazhi serve --demo` once, or `fazhi org import`).

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let url = args.next().expect("usage: generate DB_URL N");
    let n: usize = args
        .next()
        .and_then(|s| s.parse().ok())
        .expect("usage: generate DB_URL N");
    let db = fazhi_store::Db::connect(&url).await.expect("connect");
    db.migrate().await.expect("migrate");
    let start = std::time::Instant::now();
    let made = fazhi_store::cases::generate(&db, n)
        .await
        .expect("generate");
    println!(
        "generated {made} cases in {:.1} s",
        start.elapsed().as_secs_f64()
    );
    db.close().await;
}
