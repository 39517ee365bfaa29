//! The audit chain against someone who can write the database: its hash is unkeyed and its
//! head sits in the same file, so the trail alone cannot tell a shortened or recomputed chain
//! from the real one. Signed checkpoints of the head (Ed25519, the key outside the database)
//! can: `fazhi audit verify --since CHECKPOINT` proves that the chain still extends a checkpoint
//! seen earlier, as Certificate Transparency's signed tree heads do. Real binary, both backends.

use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

mod common;
use common::{Server, BIN, DEMO_PASSWORD};
use fazhi_store::testing::{fresh_databases, TestDb};

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn fazhi(args: &[&str]) -> Out {
    let out = Command::new(BIN)
        .args(args)
        .env_remove("FAZHI_SIGNING_KEY")
        .env("FAZHI_PASSWORD", "a long enough password")
        .output()
        .unwrap();
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn ok(args: &[&str]) -> String {
    let o = fazhi(args);
    assert_eq!(o.code, 0, "fazhi {args:?}: {}{}", o.stdout, o.stderr);
    o.stdout
}

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "fazhi-ckpt-{tag}-{}-{}",
        std::process::id(),
        Instant::now().elapsed().as_nanos()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn pool(url: &str) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(url)
        .await
        .unwrap()
}

async fn exec(url: &str, statements: &[&str]) {
    let p = pool(url).await;
    for s in statements {
        sqlx::query(s)
            .execute(&p)
            .await
            .unwrap_or_else(|e| panic!("{s}: {e}"));
    }
    p.close().await;
}

/// The demo data, written by the real server, and a signing key made by `audit keygen`.
fn demo_with_key(t: &TestDb, dir: &Path) -> (String, String, String) {
    drop(Server::start(&t.url));
    let key = dir.join("audit.key").display().to_string();
    let out = ok(&["audit", "keygen", &key]);
    let public = format!("{key}.pub");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the private key is the owner's alone");
    }
    assert!(std::fs::read_to_string(&public)
        .unwrap()
        .contains("BEGIN PUBLIC KEY"));
    // A second keygen never overwrites a key.
    assert_eq!(fazhi(&["audit", "keygen", &key]).code, 2);
    let key_id = out
        .lines()
        .find_map(|l| l.strip_prefix("key id: "))
        .unwrap_or_else(|| panic!("keygen prints the key id: {out}"))
        .trim()
        .to_string();
    (key, public, key_id)
}

/// A new signed checkpoint from `audit checkpoint --json`, saved to a file.
fn checkpoint(t: &TestDb, key: &str, file: &Path) -> serde_json::Value {
    let out = ok(&[
        "audit",
        "checkpoint",
        "--db",
        &t.url,
        "--signing-key",
        key,
        "--json",
    ]);
    std::fs::write(file, &out).unwrap();
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

fn verify(t: &TestDb, extra: &[&str]) -> Out {
    let mut args = vec!["audit", "verify", "--db", &t.url];
    args.extend_from_slice(extra);
    fazhi(&args)
}

/// A few more entries after the checkpoint, from the command line.
fn more_writes(t: &TestDb, n: usize) {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    for _ in 0..n {
        let i = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        ok(&[
            "user",
            "add",
            "--db",
            &t.url,
            &format!("late{i}"),
            "--unit",
            "general-office",
            "--name",
            "后来者",
            "--role",
            "officer",
        ]);
    }
}

/// Issue #11 (a): delete the newest entries and move the head. The stored checkpoint names the
/// loss; with the stored checkpoints deleted too, the checkpoint kept outside still does.
#[tokio::test(flavor = "multi_thread")]
async fn a_shortened_chain_does_not_extend_an_earlier_checkpoint() {
    for t in fresh_databases("e2e_ckpt_cut").await {
        let dir = temp_dir("cut");
        let (key, public, key_id) = demo_with_key(&t, &dir);
        // Entries of accounts, which change no case or penalty: removing them is visible to
        // the checkpoints alone (removing a case's entries would also show in its row digest).
        more_writes(&t, 8);
        let file = dir.join("checkpoint.json");
        let cp = checkpoint(&t, &key, &file);
        assert_eq!(cp["key_id"].as_str(), Some(key_id.as_str()), "{}", t.label);
        let seq = cp["seq"].as_i64().unwrap();
        assert!(seq > 20, "{}: {cp}", t.label);
        more_writes(&t, 3);
        let since = file.display().to_string();
        let out = verify(&t, &["--since", &since, "--public-key", &public]);
        assert_eq!(out.code, 0, "{}: {}{}", t.label, out.stdout, out.stderr);
        assert!(
            out.stdout.contains(&format!("checkpoint {seq}")),
            "{}",
            out.stdout
        );

        exec(
            &t.url,
            &[
                "DELETE FROM audit_log WHERE seq > (SELECT MAX(seq) - 10 FROM audit_log)",
                "UPDATE audit_head SET seq = (SELECT MAX(seq) FROM audit_log), \
                 hash = (SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1)",
            ],
        )
        .await;
        let out = verify(&t, &[]);
        assert_eq!(out.code, 1, "{}: {}", t.label, out.stdout);
        assert!(out.stdout.contains("checkpoint"), "{}", out.stdout);

        exec(&t.url, &["DELETE FROM audit_checkpoints"]).await;
        let out = verify(&t, &[]);
        assert_eq!(
            out.code, 0,
            "{}: what the database alone can prove: {}",
            t.label, out.stdout
        );
        let out = verify(&t, &["--since", &since, "--public-key", &public]);
        assert_eq!(out.code, 1, "{}: {}", t.label, out.stdout);
        assert!(
            out.stdout.contains(&format!("entry {seq}")) && out.stdout.contains("检查点"),
            "{}: {}",
            t.label,
            out.stdout
        );
        // Without a trusted public key a checkpoint proves nothing: refused, not passed.
        let out = verify(&t, &["--since", &since]);
        assert_eq!(out.code, 2, "{}: {}{}", t.label, out.stdout, out.stderr);
        let _ = std::fs::remove_dir_all(&dir);
        t.remove().await;
    }
}

/// The chain hash as `audit.rs` computes it, for an attacker who recomputes every hash.
fn entry_hash(r: &sqlx::any::AnyRow) -> String {
    use sqlx::Row;
    let mut fields = vec![
        serde_json::json!(r.get::<i64, _>("seq")),
        serde_json::json!(r.get::<String, _>("at")),
        serde_json::json!(r.get::<String, _>("actor")),
        serde_json::json!(r.get::<Option<String>, _>("unit_key")),
        serde_json::json!(r.get::<String, _>("action")),
        serde_json::json!(r.get::<String, _>("entity")),
        serde_json::json!(r.get::<String, _>("entity_id")),
        serde_json::json!(r.get::<Option<String>, _>("before_json")),
        serde_json::json!(r.get::<Option<String>, _>("after_json")),
        serde_json::json!(r.get::<String, _>("prev_hash")),
    ];
    if let Some(d) = r.get::<Option<String>, _>("row_digest") {
        fields.push(serde_json::json!(d));
    }
    hex::encode(Sha256::digest(
        serde_json::Value::Array(fields).to_string().as_bytes(),
    ))
}

/// Rewrite entry `seq` and recompute every hash after it, and the head.
async fn rewrite(url: &str, seq: i64) {
    use sqlx::Row;
    let p = pool(url).await;
    sqlx::query("UPDATE audit_log SET actor = 'someone else' WHERE seq = $1")
        .bind(seq)
        .execute(&p)
        .await
        .unwrap();
    let rows = sqlx::query("SELECT * FROM audit_log WHERE seq >= $1 ORDER BY seq")
        .bind(seq)
        .fetch_all(&p)
        .await
        .unwrap();
    let mut prev: Option<String> = None;
    for r in &rows {
        let s: i64 = r.get("seq");
        if let Some(prev) = &prev {
            sqlx::query("UPDATE audit_log SET prev_hash = $1 WHERE seq = $2")
                .bind(prev)
                .bind(s)
                .execute(&p)
                .await
                .unwrap();
        }
        let fresh = sqlx::query("SELECT * FROM audit_log WHERE seq = $1")
            .bind(s)
            .fetch_one(&p)
            .await
            .unwrap();
        let h = entry_hash(&fresh);
        sqlx::query("UPDATE audit_log SET hash = $1 WHERE seq = $2")
            .bind(&h)
            .bind(s)
            .execute(&p)
            .await
            .unwrap();
        prev = Some(h);
    }
    sqlx::query("UPDATE audit_head SET hash = $1")
        .bind(prev.unwrap())
        .execute(&p)
        .await
        .unwrap();
    p.close().await;
}

/// Issue #11 (b): edit an entry and recompute every hash after it. Plain verify cannot tell;
/// `audit checkpoint` refuses to sign a chain that does not extend its last checkpoint, and
/// `verify --since` names the rewritten entry.
#[tokio::test(flavor = "multi_thread")]
async fn a_recomputed_chain_does_not_extend_an_earlier_checkpoint() {
    for t in fresh_databases("e2e_ckpt_rewrite").await {
        let dir = temp_dir("rewrite");
        let (key, public, _) = demo_with_key(&t, &dir);
        let file = dir.join("checkpoint.json");
        let cp = checkpoint(&t, &key, &file);
        let seq = cp["seq"].as_i64().unwrap();
        more_writes(&t, 2);
        rewrite(&t.url, 5).await;
        // The stored checkpoint no longer matches the chain.
        let out = verify(&t, &[]);
        assert_eq!(out.code, 1, "{}: {}", t.label, out.stdout);
        let refused = fazhi(&["audit", "checkpoint", "--db", &t.url, "--signing-key", &key]);
        assert_eq!(refused.code, 1, "{}: {}", t.label, refused.stdout);
        exec(&t.url, &["DELETE FROM audit_checkpoints"]).await;
        let out = verify(&t, &[]);
        assert_eq!(
            out.code, 0,
            "{}: a consistent rewrite passes the chain check: {}",
            t.label, out.stdout
        );
        let since = file.display().to_string();
        let out = verify(&t, &["--since", &since, "--public-key", &public]);
        assert_eq!(out.code, 1, "{}: {}", t.label, out.stdout);
        assert!(
            out.stdout.contains(&format!("entry {seq}")),
            "{}: {}",
            t.label,
            out.stdout
        );
        // A checkpoint edited to match the rewritten chain fails its signature.
        let mut forged = cp.clone();
        forged["hash"] = serde_json::json!("00".repeat(32));
        forged.as_object_mut().unwrap().remove("text");
        let forged_file = dir.join("forged.json");
        std::fs::write(&forged_file, forged.to_string()).unwrap();
        let out = verify(
            &t,
            &[
                "--since",
                &forged_file.display().to_string(),
                "--public-key",
                &public,
            ],
        );
        assert_eq!(out.code, 1, "{}: {}", t.label, out.stdout);
        assert!(out.stdout.contains("signature"), "{}", out.stdout);
        let _ = std::fs::remove_dir_all(&dir);
        t.remove().await;
    }
}

/// `serve --signing-key` signs the head at start and whenever it moved (here every second),
/// publishes the checkpoints and the public key on the portal, and each checkpoint verifies
/// offline with nothing but the public key (OpenSSL here) and with `verify --since`.
#[tokio::test(flavor = "multi_thread")]
async fn serve_publishes_signed_checkpoints_that_verify_offline() {
    let t = fazhi_store::testing::fresh_sqlite("e2e_ckpt_serve");
    let dir = temp_dir("serve");
    let key = dir.join("serve.key").display().to_string();
    ok(&["audit", "keygen", &key]);
    let server = Server::start_with_env(
        &t.url,
        &[
            ("FAZHI_SIGNING_KEY", key.as_str()),
            ("FAZHI_CHECKPOINT_SECONDS", "1"),
        ],
    );
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(30))
        .build();
    let published = |agent: &ureq::Agent| -> serde_json::Value {
        agent
            .get(&server.url("/audit/checkpoints.json"))
            .call()
            .unwrap()
            .into_json()
            .unwrap()
    };
    let wait_for = |min_seq: i64| -> serde_json::Value {
        let start = Instant::now();
        loop {
            let doc = published(&agent);
            if doc["checkpoints"][0]["seq"].as_i64().unwrap_or(-1) >= min_seq {
                return doc;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "no checkpoint at {min_seq}: {doc}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    };
    let doc = wait_for(1);
    let first = doc["checkpoints"][0].clone();
    let key_id = first["key_id"].as_str().unwrap().to_string();
    assert_eq!(doc["public_keys"][0]["key_id"].as_str(), Some(&key_id[..]));
    let pem = doc["public_keys"][0]["public_key_pem"].as_str().unwrap();
    assert!(pem.contains("BEGIN PUBLIC KEY"), "{doc}");
    let page = agent
        .get(&server.url("/audit/checkpoints"))
        .call()
        .unwrap()
        .into_string()
        .unwrap();
    assert!(
        page.contains("审计检查点") && page.contains(&key_id),
        "{page}"
    );
    let en = agent
        .get(&server.url("/audit/checkpoints?lang=en"))
        .call()
        .unwrap()
        .into_string()
        .unwrap();
    assert!(en.contains("Audit checkpoints"), "{en}");

    // A change moves the head; the next checkpoint follows it.
    let officer = common::signed_in(&server.base, "bangongshi");
    let _ = DEMO_PASSWORD;
    let home = officer
        .get(&server.url("/home"))
        .call()
        .unwrap()
        .into_string()
        .unwrap();
    let csrf = common::csrf_of(&home);
    officer
        .post(&server.url("/units/general-office/profile"))
        .send_form(&[
            ("csrf", &csrf),
            ("address", "巴中市江北大道"),
            ("phone", "0827-5555555"),
            ("office_hours", "9-17"),
            ("disclosure_contact", "政务公开科"),
        ])
        .unwrap();
    let head_now = first["seq"].as_i64().unwrap() + 1;
    let doc = wait_for(head_now);
    let latest = doc["checkpoints"][0].clone();

    // Offline: the signed text and the signature, checked by OpenSSL with the published key.
    let text = latest["text"].as_str().unwrap();
    assert!(
        text.contains(&format!("\nseq {}\n", latest["seq"])),
        "{text}"
    );
    std::fs::write(dir.join("msg"), text).unwrap();
    std::fs::write(dir.join("pub.pem"), pem).unwrap();
    use base64::Engine as _;
    let sig = base64::engine::general_purpose::STANDARD
        .decode(latest["signature"].as_str().unwrap())
        .unwrap();
    std::fs::write(dir.join("sig"), sig).unwrap();
    let openssl = Command::new("openssl")
        .current_dir(&dir)
        .args([
            "pkeyutl", "-verify", "-pubin", "-inkey", "pub.pem", "-rawin", "-in", "msg",
            "-sigfile", "sig",
        ])
        .output()
        .expect("openssl is installed");
    assert!(
        openssl.status.success(),
        "{}{}",
        String::from_utf8_lossy(&openssl.stdout),
        String::from_utf8_lossy(&openssl.stderr)
    );

    // And the whole published document works as `--since` (its newest checkpoint).
    let doc_file = dir.join("published.json");
    std::fs::write(&doc_file, doc.to_string()).unwrap();
    let out = verify(
        &t,
        &[
            "--since",
            &doc_file.display().to_string(),
            "--public-key",
            &dir.join("pub.pem").display().to_string(),
        ],
    );
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
    t.remove().await;
}
