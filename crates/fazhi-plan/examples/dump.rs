//! Print a plan file as resolved JSON (a development aid: `cargo run -p fazhi-plan --example dump FILE`).
fn main() {
    let path = std::env::args().nth(1).expect("usage: dump FILE");
    let text = std::fs::read_to_string(path).expect("readable file");
    match fazhi_plan::parse_and_resolve(&text, &fazhi_org::Directory::bundled_bazhong_2008()) {
        Ok(plan) => println!(
            "{}",
            serde_json::to_string_pretty(&plan).expect("serialisable")
        ),
        Err(e) => eprintln!("{e}"),
    }
}
