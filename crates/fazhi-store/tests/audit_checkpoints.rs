//! Signed checkpoints of the audit chain's head, on both backends: made only for a chain that
//! extends the key's last one, held against the chain by `verify` (stored ones) and
//! `verify_with(since)` (one kept elsewhere), forged or foreign ones refused; and the public
//! version that the portal's cache keys on, which reads of personal data leave alone.

use chrono::NaiveDate;
use fazhi_store::access::{AdminHandle, Role};
use fazhi_store::audit::checkpoint::{self, AuditKey, Checkpoint, Outcome};
use fazhi_store::audit::{self, VerifyOptions};
use fazhi_store::testing::{fresh_databases, person};
use fazhi_store::{cases, directory, Db, Principal};
use std::collections::BTreeMap;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

async fn seeded(db: &Db) -> Principal {
    directory::import(
        db,
        &AdminHandle::command_line("test"),
        &fazhi_org::Directory::bundled_bazhong_2008(),
    )
    .await
    .unwrap();
    person(db, "go", "general-office", Role::Officer).await
}

async fn open_case(db: &Db, go: &Principal, name: &str) -> i64 {
    let unit = go.write_unit(db, "general-office").await.unwrap();
    let fields: BTreeMap<String, String> = [
        ("channel", "online"),
        ("applicant_name", name),
        ("information_sought", "预算"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    cases::open_case(db, &unit, go, "disclosure_request", d("2024-03-01"), fields)
        .await
        .unwrap()
}

async fn made(db: &Db, key: &AuditKey) -> Checkpoint {
    match checkpoint::make(db, key, None, false).await.unwrap() {
        Outcome::Made(cp) => cp,
        other => panic!("{other:?}"),
    }
}

async fn since(db: &Db, key: &AuditKey, cp: &Checkpoint) -> audit::VerifyReport {
    audit::verify_with(
        db,
        &VerifyOptions {
            public_key: Some(key.public().clone()),
            since: Some(cp.clone()),
            rows: true,
        },
    )
    .await
    .unwrap()
}

async fn exec(db: &Db, sql: &str) {
    sqlx::query(sql).execute(db.pool()).await.unwrap();
}

#[tokio::test]
async fn checkpoints_prove_the_chain_extends_them() {
    for t in fresh_databases("ckpt").await {
        let db = t.open().await;
        let go = seeded(&db).await;
        let key = AuditKey::generate();
        let first = made(&db, &key).await;
        let head = audit::head_seq(&db).await.unwrap();
        assert_eq!(first.seq, head, "{}", t.label);
        assert!(key.public().check(&first).is_ok());
        // Nothing moved: asked only when it moved, nothing new is signed.
        assert!(matches!(
            checkpoint::make(&db, &key, Some(&first), true)
                .await
                .unwrap(),
            Outcome::Unchanged(_)
        ));
        for i in 0..3 {
            open_case(&db, &go, &format!("申请人{i}")).await;
        }
        let second = match checkpoint::make(&db, &key, Some(&first), true)
            .await
            .unwrap()
        {
            Outcome::Made(cp) => cp,
            other => panic!("{}: {other:?}", t.label),
        };
        assert_eq!(second.seq, head + 3, "{}", t.label);
        assert_eq!(checkpoint::list(&db, 10).await.unwrap()[0], second);
        let keys = checkpoint::public_keys(&db).await.unwrap();
        assert_eq!(keys.len(), 1);
        assert_eq!(keys[0].0, key.public().key_id);

        // The chain extends both, and the text and JSON forms read back the same.
        for cp in [&first, &second] {
            let r = since(&db, &key, cp).await;
            assert!(r.is_intact(), "{}: {r:?}", t.label);
            assert_eq!(r.checkpoints.since, Some(cp.seq));
            assert_eq!(r.checkpoints.stored, 2);
            assert_eq!(r.checkpoints.signatures_checked, 2);
            assert_eq!(&Checkpoint::parse(&cp.to_note()).unwrap(), cp);
            let json = serde_json::to_string(cp).unwrap();
            assert_eq!(&Checkpoint::parse(&json).unwrap(), cp);
        }

        // Another key's checkpoint, or one altered, proves nothing.
        let other = AuditKey::generate();
        let r = since(&db, &other, &first).await;
        assert!(!r.is_intact());
        assert!(r.checkpoints.problems[0]
            .reason_en
            .contains("not by the given public key"));
        let mut altered = first.clone();
        altered.seq -= 1;
        altered.text.clear();
        let r = since(&db, &key, &altered).await;
        assert!(
            r.checkpoints.problems[0].reason_en.contains("signature"),
            "{r:?}"
        );
        assert!(r.checkpoints.since.is_none());
        let no_key = audit::verify_with(
            &db,
            &VerifyOptions {
                since: Some(first.clone()),
                ..VerifyOptions::default()
            },
        )
        .await;
        assert!(no_key.is_err(), "a checkpoint without a key is refused");

        // A forged stored checkpoint is named when the key is given.
        exec(&db, "UPDATE audit_checkpoints SET signature = 'AAAA' WHERE seq = (SELECT MIN(seq) FROM audit_checkpoints)").await;
        let r = since(&db, &key, &second).await;
        assert_eq!(r.checkpoints.problems.len(), 1, "{}: {r:?}", t.label);
        assert!(r.checkpoints.problems[0]
            .reason_en
            .starts_with("a stored checkpoint"));
        exec(
            &db,
            "DELETE FROM audit_checkpoints WHERE signature = 'AAAA'",
        )
        .await;

        // Cut the newest entries and move the head: the chain alone still verifies ...
        exec(
            &db,
            &format!("DELETE FROM audit_log WHERE seq > {}", head + 1),
        )
        .await;
        exec(&db, "UPDATE audit_head SET seq = (SELECT MAX(seq) FROM audit_log), hash = (SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1)").await;
        let r = audit::verify_chain(&db).await.unwrap();
        assert!(r.first_broken.is_none());
        // ... but not the stored checkpoint, nor the one kept outside,
        assert!(!r.is_intact(), "{}: {r:?}", t.label);
        assert!(r.checkpoints.problems[0]
            .reason_en
            .contains("entries were removed"));
        let r = since(&db, &key, &second).await;
        assert!(
            r.checkpoints.problems[0].reason_zh.contains("有记录被删除"),
            "{r:?}"
        );
        // and the key no longer signs this chain.
        assert!(matches!(
            checkpoint::make(&db, &key, None, false).await.unwrap(),
            Outcome::Refused(_)
        ));
        // With the stored ones gone too, only the checkpoint kept outside tells.
        exec(&db, "DELETE FROM audit_checkpoints").await;
        assert!(audit::verify_chain(&db).await.unwrap().is_intact());
        assert!(!since(&db, &key, &second).await.is_intact());
        assert!(
            matches!(
                checkpoint::make(&db, &key, Some(&second), false)
                    .await
                    .unwrap(),
                Outcome::Refused(_)
            ),
            "{}: the process's own last checkpoint still counts",
            t.label
        );
        // The first is still extended (the cases whose entries went are named by their rows).
        let r = since(&db, &key, &first).await;
        assert!(r.checkpoints.problems.is_empty(), "{}: {r:?}", t.label);
        assert_eq!(r.checkpoints.since, Some(first.seq));
        assert_eq!(r.rows.unwrap().problems_total, 2, "{}", t.label);
        db.close().await;
        t.remove().await;
    }
}

#[tokio::test]
async fn a_rewritten_entry_before_a_checkpoint_is_named() {
    for t in fresh_databases("ckpt_rewrite").await {
        let db = t.open().await;
        seeded(&db).await;
        let key = AuditKey::generate();
        let cp = made(&db, &key).await;
        // The attacker edits entry 2 and recomputes: for the test, only the checkpoint's entry
        // needs another hash (the chain check is covered by the end-to-end test).
        exec(
            &db,
            &format!(
                "UPDATE audit_log SET hash = '{}' WHERE seq = {}",
                "ab".repeat(32),
                cp.seq
            ),
        )
        .await;
        let r = since(&db, &key, &cp).await;
        assert!(!r.is_intact());
        // The chain check names the entry; the checkpoint check is not reached past the break.
        assert_eq!(
            r.first_broken.as_ref().map(|b| b.seq),
            Some(cp.seq),
            "{}",
            t.label
        );
        db.close().await;
        t.remove().await;
    }
}

/// Reading personal data is audited but leaves the public version; a change of a case moves it.
#[tokio::test]
async fn a_personal_data_read_leaves_the_public_version() {
    for t in fresh_databases("public_version").await {
        let db = t.open().await;
        let go = seeded(&db).await;
        let id = open_case(&db, &go, "张三").await;
        let (head, public) = (
            audit::head_seq(&db).await.unwrap(),
            audit::public_version(&db).await.unwrap(),
        );
        assert_eq!(public, head, "{}: opening a case is public", t.label);
        let v = cases::view(&db, &go, id, d("2024-03-02")).await.unwrap();
        assert!(v.personal.is_some());
        assert_eq!(
            audit::head_seq(&db).await.unwrap(),
            head + 1,
            "the read is audited"
        );
        assert_eq!(
            audit::public_version(&db).await.unwrap(),
            public,
            "{}",
            t.label
        );
        open_case(&db, &go, "李四").await;
        assert_eq!(
            audit::public_version(&db).await.unwrap(),
            head + 2,
            "{}",
            t.label
        );
        db.close().await;
        t.remove().await;
    }
}
