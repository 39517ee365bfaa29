//! Signed checkpoints of the audit chain's head, in the manner of Certificate Transparency's
//! signed tree heads (RFC 9162).
//!
//! The chain's hash is unkeyed and its head sits in the same database, so whoever can write the
//! database can cut the newest entries or recompute every hash after an edit, and the chain
//! alone still verifies. A checkpoint is the head (sequence number and hash) at a time, signed
//! with an Ed25519 key that lives outside the database: published, and kept by whoever fetched
//! it, it lets anyone with the public key prove later that the chain still extends it
//! ([`super::verify_with`] with `since`). A rewrite needs the private key to hide.
//!
//! What is signed is this text, UTF-8, each line ending in `\n`:
//!
//! ```text
//! fazhi audit checkpoint v1
//! seq 1234
//! hash <64 hex digits: the hash of entry 1234>
//! at 2026-11-27T08:00:00.000Z
//! key <key id: the first 16 hex digits of SHA-256 over the 32-byte public key>
//! ```
//!
//! The signature is plain Ed25519 (RFC 8032) over those bytes, so `openssl pkeyutl -verify
//! -rawin` checks it with the public key's PEM and nothing of fazhi.

use super::{walk, Broken, GENESIS};
use crate::db::Db;
use crate::error::{StoreError, StoreResult};
use base64::Engine as _;
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::Row;
use std::path::Path;

/// The first line of every signed text; a later format gets another.
pub const FORMAT: &str = "fazhi audit checkpoint v1";

const B64: base64::engine::general_purpose::GeneralPurpose =
    base64::engine::general_purpose::STANDARD;

/// One signed checkpoint: what the portal publishes and `verify --since` takes.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Checkpoint {
    /// The sequence number of the head entry (0: the empty chain).
    pub seq: i64,
    /// That entry's hash.
    pub hash: String,
    /// When it was signed (RFC 3339 UTC).
    pub at: String,
    pub key_id: String,
    /// Ed25519 signature of `text`, base64.
    pub signature: String,
    /// The signed text, for checking offline; rebuilt from the fields when absent.
    #[serde(default)]
    pub text: String,
}

impl Checkpoint {
    /// The bytes the signature covers.
    pub fn signed_text(seq: i64, hash: &str, at: &str, key_id: &str) -> String {
        format!("{FORMAT}\nseq {seq}\nhash {hash}\nat {at}\nkey {key_id}\n")
    }

    /// The checkpoint as text: the signed text, then a `signature` line.
    pub fn to_note(&self) -> String {
        format!(
            "{}signature {}\n",
            Self::signed_text(self.seq, &self.hash, &self.at, &self.key_id),
            self.signature
        )
    }

    /// Read a checkpoint given as JSON (one checkpoint, or the portal's document, whose newest
    /// checkpoint is taken) or as the text of [`Checkpoint::to_note`].
    pub fn parse(src: &str) -> StoreResult<Checkpoint> {
        let bad = |en: &str, zh: &str| StoreError::invalid("checkpoint", zh, en);
        let src = src.trim_start_matches('\u{feff}').trim();
        if src.starts_with('{') {
            let v: serde_json::Value = serde_json::from_str(src).map_err(|e| {
                bad(
                    &format!("not valid JSON: {e}"),
                    &format!("不是有效的 JSON:{e}"),
                )
            })?;
            let one = match v.get("checkpoints") {
                Some(list) => list.get(0).cloned().ok_or_else(|| {
                    bad("the document lists no checkpoint", "文档中没有任何检查点")
                })?,
                None => v,
            };
            let mut cp: Checkpoint = serde_json::from_value(one).map_err(|e| {
                bad(
                    &format!("not a checkpoint: {e}"),
                    &format!("不是检查点:{e}"),
                )
            })?;
            if cp.text.is_empty() {
                cp.text = Self::signed_text(cp.seq, &cp.hash, &cp.at, &cp.key_id);
            }
            return Ok(cp);
        }
        let mut lines = src.lines();
        if lines.next().map(str::trim) != Some(FORMAT) {
            return Err(bad(
                &format!("a checkpoint is JSON or text beginning with \"{FORMAT}\""),
                &format!("检查点应为 JSON,或以“{FORMAT}”开头的文本"),
            ));
        }
        let mut field = |name: &str| -> StoreResult<String> {
            lines
                .next()
                .and_then(|l| l.trim().strip_prefix(name))
                .and_then(|v| v.strip_prefix(' '))
                .map(str::to_string)
                .ok_or_else(|| {
                    bad(
                        &format!("the line \"{name} …\" is missing or out of order"),
                        &format!("缺少“{name} …”一行,或顺序不对"),
                    )
                })
        };
        let seq = field("seq")?
            .parse()
            .map_err(|_| bad("seq is not a number", "seq 不是数字"))?;
        let (hash, at, key_id, signature) = (
            field("hash")?,
            field("at")?,
            field("key")?,
            field("signature")?,
        );
        Ok(Checkpoint {
            text: Self::signed_text(seq, &hash, &at, &key_id),
            seq,
            hash,
            at,
            key_id,
            signature,
        })
    }
}

/// The key id of a public key: the first 16 hex digits of SHA-256 over its 32 bytes.
fn key_id_of(key: &VerifyingKey) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))[..16].to_string()
}

fn key_error(path: &Path, en: impl std::fmt::Display, zh: impl std::fmt::Display) -> StoreError {
    StoreError::invalid(
        "signing key",
        format!("{}:{zh}", path.display()),
        format!("{}: {en}", path.display()),
    )
}

/// The private signing key, read from its file at start; never stored in the database.
pub struct AuditKey {
    signing: SigningKey,
    public: PublicKey,
}

impl AuditKey {
    fn of(signing: SigningKey) -> AuditKey {
        let public = PublicKey::of(signing.verifying_key());
        AuditKey { signing, public }
    }

    /// A new random key.
    pub fn generate() -> AuditKey {
        let mut seed = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut seed);
        Self::of(SigningKey::from_bytes(&seed))
    }

    /// Write a new key to `path` (PKCS#8 PEM, mode 0600, never over an existing file) and its
    /// public key to `path.pub` (SPKI PEM).
    pub fn create(path: &Path) -> StoreResult<AuditKey> {
        use std::io::Write;
        let key = Self::generate();
        let pem = key
            .signing
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|e| key_error(path, e, e))?;
        let public_path = public_path(path);
        for p in [path, public_path.as_path()] {
            if p.exists() {
                return Err(key_error(
                    p,
                    "exists already: a key is never overwritten",
                    "已存在:不会覆盖已有的密钥",
                ));
            }
        }
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options
            .open(path)
            .map_err(|e| key_error(path, format!("cannot create: {e}"), format!("无法创建:{e}")))?;
        file.write_all(pem.as_bytes())
            .and_then(|_| file.sync_all())
            .map_err(|e| key_error(path, format!("cannot write: {e}"), format!("无法写入:{e}")))?;
        std::fs::write(&public_path, key.public.to_pem()).map_err(|e| {
            key_error(
                &public_path,
                format!("cannot write: {e}"),
                format!("无法写入:{e}"),
            )
        })?;
        Ok(key)
    }

    /// Read the key from `path`. Refused if others than its owner may read the file.
    pub fn load(path: &Path) -> StoreResult<AuditKey> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let meta = std::fs::metadata(path).map_err(|e| {
                key_error(path, format!("cannot read: {e}"), format!("无法读取:{e}"))
            })?;
            let mode = meta.permissions().mode();
            if mode & 0o077 != 0 {
                return Err(key_error(
                    path,
                    format!(
                        "group or others may access it (mode {:o}): chmod 600 it",
                        mode & 0o777
                    ),
                    format!(
                        "同组或其他用户可以访问(权限 {:o}):请执行 chmod 600",
                        mode & 0o777
                    ),
                ));
            }
        }
        let pem = std::fs::read_to_string(path)
            .map_err(|e| key_error(path, format!("cannot read: {e}"), format!("无法读取:{e}")))?;
        let signing = SigningKey::from_pkcs8_pem(&pem).map_err(|e| {
            key_error(
                path,
                format!("not an Ed25519 private key in PKCS#8 PEM: {e}"),
                format!("不是 PKCS#8 PEM 格式的 Ed25519 私钥:{e}"),
            )
        })?;
        Ok(Self::of(signing))
    }

    pub fn public(&self) -> &PublicKey {
        &self.public
    }

    /// Sign the head `(seq, hash)` as of `at`.
    pub fn sign(&self, seq: i64, hash: &str, at: &str) -> Checkpoint {
        let text = Checkpoint::signed_text(seq, hash, at, &self.public.key_id);
        let signature = self.signing.sign(text.as_bytes());
        Checkpoint {
            seq,
            hash: hash.to_string(),
            at: at.to_string(),
            key_id: self.public.key_id.clone(),
            signature: B64.encode(signature.to_bytes()),
            text,
        }
    }
}

/// Where `audit keygen PATH` puts the public key.
pub fn public_path(path: &Path) -> std::path::PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(".pub");
    p.into()
}

/// A public key that checkpoints are checked against.
#[derive(Clone, Debug)]
pub struct PublicKey {
    key: VerifyingKey,
    pub key_id: String,
}

impl PublicKey {
    fn of(key: VerifyingKey) -> PublicKey {
        PublicKey {
            key_id: key_id_of(&key),
            key,
        }
    }

    /// From PEM: a public key (SPKI), or a private key (PKCS#8) whose public half is taken.
    pub fn from_pem(pem: &str) -> StoreResult<PublicKey> {
        if let Ok(key) = VerifyingKey::from_public_key_pem(pem.trim()) {
            return Ok(Self::of(key));
        }
        if let Ok(signing) = SigningKey::from_pkcs8_pem(pem.trim()) {
            return Ok(Self::of(signing.verifying_key()));
        }
        Err(StoreError::invalid(
            "public key",
            "不是 PEM 格式的 Ed25519 公钥",
            "not an Ed25519 public key in PEM",
        ))
    }

    pub fn load(path: &Path) -> StoreResult<PublicKey> {
        let pem = std::fs::read_to_string(path)
            .map_err(|e| key_error(path, format!("cannot read: {e}"), format!("无法读取:{e}")))?;
        Self::from_pem(&pem).map_err(|_| {
            key_error(
                path,
                "not an Ed25519 public key in PEM",
                "不是 PEM 格式的 Ed25519 公钥",
            )
        })
    }

    pub fn to_pem(&self) -> String {
        self.key
            .to_public_key_pem(LineEnding::LF)
            .expect("an Ed25519 public key encodes")
    }

    /// Whether `cp` was signed by this key over exactly its fields; why not, if not.
    pub fn check(&self, cp: &Checkpoint) -> Result<(), Broken> {
        let problem = |en: String, zh: String| {
            Err(Broken {
                seq: cp.seq,
                reason_en: en,
                reason_zh: zh,
            })
        };
        if cp.key_id != self.key_id {
            return problem(
                format!(
                    "the checkpoint was signed by key {}, not by the given public key {}",
                    cp.key_id, self.key_id
                ),
                format!(
                    "检查点由密钥 {} 签名,而不是所给的公钥 {}",
                    cp.key_id, self.key_id
                ),
            );
        }
        let text = Checkpoint::signed_text(cp.seq, &cp.hash, &cp.at, &cp.key_id);
        if !cp.text.is_empty() && cp.text != text {
            return problem(
                "the checkpoint's text does not match its fields".into(),
                "检查点的签名文本与其字段不符".into(),
            );
        }
        let signature = B64
            .decode(cp.signature.trim())
            .ok()
            .and_then(|b| <[u8; 64]>::try_from(b.as_slice()).ok())
            .map(|b| Signature::from_bytes(&b));
        match signature {
            Some(sig) if self.key.verify(text.as_bytes(), &sig).is_ok() => Ok(()),
            _ => problem(
                format!(
                    "the checkpoint's signature does not verify with key {}: it was altered or forged",
                    self.key_id
                ),
                format!(
                    "检查点的签名无法用密钥 {} 验证:检查点被改动或伪造",
                    self.key_id
                ),
            ),
        }
    }
}

/// What [`make`] did.
#[derive(Debug)]
pub enum Outcome {
    /// A new checkpoint, stored.
    Made(Checkpoint),
    /// The head has not moved since this checkpoint (asked only when it moved).
    Unchanged(Checkpoint),
    /// The chain does not extend the last checkpoint of this key: nothing was signed.
    Refused(Broken),
}

/// Sign the chain's head and store the checkpoint, after checking that the chain still extends
/// the last checkpoint this key signed (the newest stored one, and `known`, the last one this
/// process made): a key never signs a chain that was cut or rewritten under it. With
/// `only_if_moved`, nothing is signed while the head is where the last checkpoint left it.
pub async fn make(
    db: &Db,
    key: &AuditKey,
    known: Option<&Checkpoint>,
    only_if_moved: bool,
) -> StoreResult<Outcome> {
    let (head_seq, head_hash) = super::head(db).await?;
    let mut earlier: Vec<Checkpoint> = known.cloned().into_iter().collect();
    let stored = list_where(db, "key_id = $1", &key.public.key_id, 20).await?;
    if let Some(cp) = stored.into_iter().find(|cp| key.public.check(cp).is_ok()) {
        earlier.push(cp);
    }
    earlier.sort_by_key(|cp| cp.seq);
    if let Some(last) = earlier.last() {
        if only_if_moved && last.seq == head_seq && last.hash == head_hash {
            return Ok(Outcome::Unchanged(last.clone()));
        }
    }
    // Walk from the earliest of them to the head, checking each on the way.
    let start = earlier.first().filter(|cp| cp.seq > 0).map(|cp| cp.seq);
    let mut mismatch: Option<Broken> = earlier
        .iter()
        .find(|cp| cp.seq == 0 && cp.hash != GENESIS)
        .map(|cp| rewritten(cp, "", ""));
    let walked = walk(db, start, Some(head_seq), |rec| {
        if mismatch.is_none() {
            if let Some(cp) = earlier
                .iter()
                .find(|cp| cp.seq == rec.seq && cp.hash != rec.hash)
            {
                mismatch = Some(rewritten(cp, "", ""));
            }
        }
    })
    .await?;
    if let Some(b) = walked.broken.or(mismatch) {
        return Ok(Outcome::Refused(b));
    }
    if let Some(cp) = earlier.iter().find(|cp| cp.seq > walked.last_seq) {
        return Ok(Outcome::Refused(cut(cp, walked.last_seq, "", "")));
    }
    if walked.last_seq != head_seq || walked.last_hash != head_hash {
        return Ok(Outcome::Refused(Broken {
            seq: head_seq,
            reason_en: format!(
                "the chain head records entry {head_seq}, but the chain ends at entry {}",
                walked.last_seq
            ),
            reason_zh: format!(
                "链头记录为第 {head_seq} 条,但审计链止于第 {} 条",
                walked.last_seq
            ),
        }));
    }
    let cp = key.sign(head_seq, &head_hash, &crate::now_text());
    sqlx::query(
        "INSERT INTO audit_checkpoints (seq, hash, at, key_id, public_key, signature) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(cp.seq)
    .bind(&cp.hash)
    .bind(&cp.at)
    .bind(&cp.key_id)
    .bind(key.public.to_pem())
    .bind(&cp.signature)
    .execute(db.pool())
    .await?;
    Ok(Outcome::Made(cp))
}

/// "Entry N differs from the checkpoint": the chain was rewritten at or before N.
pub(super) fn rewritten(cp: &Checkpoint, which_en: &str, which_zh: &str) -> Broken {
    Broken {
        seq: cp.seq,
        reason_en: format!(
            "entry {} differs from the{which_en} checkpoint signed at {} (key {}): the chain was rewritten",
            cp.seq, cp.at, cp.key_id
        ),
        reason_zh: format!(
            "第 {} 条记录与{which_zh}检查点({} 由密钥 {} 签名)不符:审计链被改写",
            cp.seq, cp.at, cp.key_id
        ),
    }
}

/// "The chain ends before the checkpoint": entries were removed.
pub(super) fn cut(cp: &Checkpoint, ends_at: i64, which_en: &str, which_zh: &str) -> Broken {
    Broken {
        seq: cp.seq,
        reason_en: format!(
            "the chain ends at entry {ends_at}, but the{which_en} checkpoint signed at {} (key {}) records entry {}: entries were removed",
            cp.at, cp.key_id, cp.seq
        ),
        reason_zh: format!(
            "审计链止于第 {ends_at} 条,但{which_zh}检查点({} 由密钥 {} 签名)记录了第 {} 条:有记录被删除",
            cp.at, cp.key_id, cp.seq
        ),
    }
}

fn from_row(r: &sqlx::any::AnyRow) -> Checkpoint {
    let (seq, hash, at, key_id): (i64, String, String, String) =
        (r.get(0), r.get(1), r.get(2), r.get(3));
    Checkpoint {
        text: Checkpoint::signed_text(seq, &hash, &at, &key_id),
        signature: r.get(4),
        seq,
        hash,
        at,
        key_id,
    }
}

async fn list_where(db: &Db, cond: &str, arg: &str, limit: i64) -> StoreResult<Vec<Checkpoint>> {
    let rows = sqlx::query(&format!(
        "SELECT seq, hash, at, key_id, signature FROM audit_checkpoints \
         WHERE {cond} ORDER BY id DESC LIMIT $2"
    ))
    .bind(arg)
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    Ok(rows.iter().map(from_row).collect())
}

/// The newest stored checkpoints first.
pub async fn list(db: &Db, limit: i64) -> StoreResult<Vec<Checkpoint>> {
    list_where(db, "$1 = $1", "", limit.max(1)).await
}

/// Every stored checkpoint, oldest first, for [`super::verify_with`].
pub(super) async fn all(db: &Db) -> StoreResult<Vec<Checkpoint>> {
    let rows =
        sqlx::query("SELECT seq, hash, at, key_id, signature FROM audit_checkpoints ORDER BY id")
            .fetch_all(db.pool())
            .await?;
    Ok(rows.iter().map(from_row).collect())
}

/// The public keys of the stored checkpoints, as (key id, PEM), newest first.
pub async fn public_keys(db: &Db) -> StoreResult<Vec<(String, String)>> {
    let rows = sqlx::query(
        "SELECT key_id, public_key, MAX(id) AS newest FROM audit_checkpoints \
         GROUP BY key_id, public_key ORDER BY newest DESC",
    )
    .fetch_all(db.pool())
    .await?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}
