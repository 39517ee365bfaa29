//! Accounts: users and their roles, password hashes (Argon2id), cookie sessions, API tokens and
//! the login rate limit. Secrets are stored only as hashes: a session cookie or an API token is
//! 32 random bytes shown once, and the database keeps its SHA-256.

use crate::access::{AdminHandle, Principal, Role, RoleGrant};
use crate::audit::AuditEntry;
use crate::db::Db;
use crate::error::{StoreError, StoreResult};
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use base64::Engine;
use rand::RngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::Row;

/// How long a session lasts from sign-in.
pub const SESSION_HOURS: i64 = 12;
/// How failed sign-ins slow further attempts: after `free` failures in a scope, each attempt
/// waits `base_secs`, doubled for every further failure, at most `max_secs`, counted from the
/// scope's last failure. A wait, never a lock: the right password works once it is over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    pub free: i64,
    pub base_secs: i64,
    pub max_secs: i64,
}

impl Backoff {
    /// The wait after `failures` failures, in seconds from the last one, if any.
    pub fn wait_secs(&self, failures: i64) -> Option<i64> {
        (failures >= self.free)
            .then(|| (self.base_secs << (failures - self.free).min(32)).min(self.max_secs))
    }
}

/// One account at one address: the person at the keyboard, or a guesser there.
pub const PER_ACCOUNT_AND_ADDRESS: Backoff = Backoff {
    free: 5,
    base_secs: 2,
    max_secs: 15 * 60,
};
/// One account from every address: guessing its password from many addresses.
pub const PER_ACCOUNT: Backoff = Backoff {
    free: 20,
    base_secs: 2,
    max_secs: 15 * 60,
};
/// One address across accounts: one password tried on many accounts. Generous, for the many
/// people behind one proxy or NAT.
pub const PER_ADDRESS: Backoff = Backoff {
    free: 100,
    base_secs: 2,
    max_secs: 15 * 60,
};
/// Failures older than this are forgotten. A success forgets the failures before it, of the
/// account at that address and of the account everywhere.
pub const FAILURE_WINDOW_HOURS: i64 = 24;
/// An address the account signed in from within this many days is known: there only the count
/// of the account at that address applies, so nobody elsewhere can slow its owner down.
pub const KNOWN_ADDRESS_DAYS: i64 = 30;

#[derive(Clone, Debug)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub password: String,
    pub unit_key: String,
    pub grants: Vec<RoleGrant>,
}

#[derive(Clone, Debug, Serialize)]
pub struct UserSummary {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub unit_key: String,
    pub unit_name: String,
    pub roles: Vec<RoleGrant>,
}

pub fn hash_password(password: &str) -> StoreResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| {
            StoreError::invalid(
                "password",
                format!("无法处理密码:{e}"),
                format!("cannot hash password: {e}"),
            )
        })
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A fresh random secret (URL-safe base64 of 32 bytes) with a prefix that says what it is.
pub fn new_secret(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!(
        "{prefix}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

fn validate_new_user(u: &NewUser) -> StoreResult<()> {
    let ok_name = (2..=32).contains(&u.username.len())
        && u.username
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c));
    if !ok_name {
        return Err(StoreError::invalid(
            "username",
            "用户名须为 2–32 个小写字母、数字或 . _ -",
            "a username is 2–32 lowercase letters, digits or . _ -",
        ));
    }
    if u.password.chars().count() < 10 {
        return Err(StoreError::invalid(
            "password",
            "密码至少 10 个字符",
            "a password has at least 10 characters",
        ));
    }
    if u.display_name.trim().is_empty() {
        return Err(StoreError::invalid(
            "display name",
            "姓名不能为空",
            "the display name is empty",
        ));
    }
    if u.grants.is_empty() {
        return Err(StoreError::invalid(
            "role",
            "至少需要一个角色",
            "at least one role is required",
        ));
    }
    Ok(())
}

/// Create an account. Only an administrator (or the command line) may.
pub async fn create_user(db: &Db, admin: &AdminHandle, new: NewUser) -> StoreResult<i64> {
    validate_new_user(&new)?;
    let password_hash = {
        let pw = new.password.clone();
        tokio::task::spawn_blocking(move || hash_password(&pw))
            .await
            .map_err(|e| StoreError::Migration(e.to_string()))??
    };
    let mut tx = db.begin_write().await?;
    let unit_id = sqlx::query("SELECT id FROM units WHERE key = $1")
        .bind(&new.unit_key)
        .fetch_optional(tx.conn())
        .await?
        .map(|r| r.get::<i64, _>(0))
        .ok_or(StoreError::NotFound {
            entity: "unit",
            key: new.unit_key.clone(),
        })?;
    let id: i64 = sqlx::query(
        "INSERT INTO users (username, display_name, password_hash, unit_id, disabled, created_at) \
         VALUES ($1, $2, $3, $4, 0, $5) RETURNING id",
    )
    .bind(&new.username)
    .bind(&new.display_name)
    .bind(&password_hash)
    .bind(unit_id)
    .bind(crate::now_text())
    .fetch_one(tx.conn())
    .await
    .map_err(|e| StoreError::from_insert(e, "username", &new.username))?
    .get(0);
    for g in &new.grants {
        let scope_id = match &g.scope {
            None => None,
            Some(key) => Some(
                sqlx::query("SELECT id FROM units WHERE key = $1")
                    .bind(key)
                    .fetch_optional(tx.conn())
                    .await?
                    .map(|r| r.get::<i64, _>(0))
                    .ok_or(StoreError::NotFound {
                        entity: "unit",
                        key: key.clone(),
                    })?,
            ),
        };
        sqlx::query("INSERT INTO user_roles (user_id, role, scope_unit_id) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(g.role.as_str())
            .bind(scope_id)
            .execute(tx.conn())
            .await
            .map_err(|e| StoreError::from_insert(e, "role", g.role.as_str()))?;
    }
    tx.audit(
        AuditEntry::new(admin.actor(), "user.create", "user", id)
            .unit(&new.unit_key)
            .after(serde_json::json!({
                "username": new.username, "display_name": new.display_name,
                "unit": new.unit_key, "roles": new.grants,
            })),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn list_users(db: &Db, _admin: &AdminHandle) -> StoreResult<Vec<UserSummary>> {
    let rows = sqlx::query(
        "SELECT u.id, u.username, u.display_name, n.key, n.name FROM users u \
         JOIN units n ON n.id = u.unit_id ORDER BY u.username",
    )
    .fetch_all(db.pool())
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let id: i64 = r.get(0);
        let roles = sqlx::query(
            "SELECT r.role, s.key FROM user_roles r LEFT JOIN units s ON s.id = r.scope_unit_id \
             WHERE r.user_id = $1 ORDER BY r.role",
        )
        .bind(id)
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(|g| {
            Ok(RoleGrant {
                role: Role::parse(&g.get::<String, _>(0))?,
                scope: g.get(1),
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
        out.push(UserSummary {
            id,
            username: r.get(1),
            display_name: r.get(2),
            unit_key: r.get(3),
            unit_name: r.get(4),
            roles,
        });
    }
    Ok(out)
}

/// A new session: the cookie value (shown once) and its CSRF token.
#[derive(Clone, Debug)]
pub struct NewSession {
    pub token: String,
    pub csrf_token: String,
    pub expires_at: String,
    pub principal: Principal,
}

fn minutes_ago(m: i64) -> String {
    (crate::clock::now() - chrono::Duration::minutes(m))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// The clock stored timestamps are written with ([`crate::now_text`]).
fn stored_now() -> chrono::DateTime<chrono::Utc> {
    parse_stored(&crate::now_text()).unwrap_or_else(chrono::Utc::now)
}

fn parse_stored(at: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::parse_from_rfc3339(at)
        .ok()
        .map(|t| t.with_timezone(&chrono::Utc))
}

/// Failed sign-ins in one scope after `since`: how many, and the last one's time.
async fn failures_since(
    db: &Db,
    username: Option<&str>,
    ip: Option<&str>,
    since: &str,
) -> StoreResult<(i64, Option<String>)> {
    let mut sql =
        String::from("SELECT COUNT(*), MAX(at) FROM login_attempts WHERE success = 0 AND at > $1");
    let mut binds = vec![since.to_string()];
    for (col, value) in [("username", username), ("ip", ip)] {
        if let Some(v) = value {
            binds.push(v.to_string());
            sql.push_str(&format!(" AND {col} = ${}", binds.len()));
        }
    }
    let mut q = sqlx::query(&sql);
    for b in binds {
        q = q.bind(b);
    }
    let r = q.fetch_one(db.pool()).await?;
    Ok((r.get::<i64, _>(0), r.get::<Option<String>, _>(1)))
}

/// The last successful sign-in of `username` (at `ip`, if given), or the epoch.
async fn last_success(db: &Db, username: &str, ip: Option<&str>) -> StoreResult<String> {
    let r = match ip {
        Some(ip) => sqlx::query(
            "SELECT MAX(at) FROM login_attempts WHERE success = 1 AND username = $1 AND ip = $2",
        )
        .bind(username)
        .bind(ip),
        None => {
            sqlx::query("SELECT MAX(at) FROM login_attempts WHERE success = 1 AND username = $1")
                .bind(username)
        }
    }
    .fetch_one(db.pool())
    .await?;
    Ok(r.get::<Option<String>, _>(0).unwrap_or_default())
}

/// Refuse the attempt while a scope's backoff runs: the seconds left, rounded up.
async fn throttle(db: &Db, username: &str, ip: &str) -> StoreResult<()> {
    let window = minutes_ago(FAILURE_WINDOW_HOURS * 60);
    let later = |a: String, b: &str| if a.as_str() > b { a } else { b.to_string() };
    let pair_success = last_success(db, username, Some(ip)).await?;
    let known = pair_success > minutes_ago(KNOWN_ADDRESS_DAYS * 24 * 60);
    let mut scopes = vec![(
        PER_ACCOUNT_AND_ADDRESS,
        failures_since(db, Some(username), Some(ip), &later(pair_success, &window)).await?,
    )];
    if !known {
        let since = later(last_success(db, username, None).await?, &window);
        scopes.push((
            PER_ACCOUNT,
            failures_since(db, Some(username), None, &since).await?,
        ));
        scopes.push((
            PER_ADDRESS,
            failures_since(db, None, Some(ip), &window).await?,
        ));
    }
    let now = stored_now();
    let wait = scopes
        .into_iter()
        .filter_map(|(policy, (n, last))| {
            let until = parse_stored(&last?)? + chrono::Duration::seconds(policy.wait_secs(n)?);
            let left = (until - now).num_milliseconds();
            (left > 0).then_some((left + 999) / 1000)
        })
        .max();
    match wait {
        Some(secs) => Err(StoreError::RateLimited {
            retry_after_secs: secs as u64,
        }),
        None => Ok(()),
    }
}

/// Check a username and password and open a session. Every attempt is recorded, as a failure
/// until the password is right, so attempts running at the same moment count each other.
/// Refused while a backoff runs ([`PER_ACCOUNT_AND_ADDRESS`], and unless the address is known
/// for the account [`PER_ACCOUNT`] and [`PER_ADDRESS`]); the error says for how long.
pub async fn login(db: &Db, username: &str, password: &str, ip: &str) -> StoreResult<NewSession> {
    throttle(db, username, ip).await?;
    let attempt: i64 = sqlx::query(
        "INSERT INTO login_attempts (username, ip, at, success) VALUES ($1, $2, $3, 0) RETURNING id",
    )
    .bind(username)
    .bind(ip)
    .bind(crate::now_text())
    .fetch_one(db.pool())
    .await?
    .get(0);
    let row =
        sqlx::query("SELECT id, password_hash FROM users WHERE username = $1 AND disabled = 0")
            .bind(username)
            .fetch_optional(db.pool())
            .await?;
    let user_id = match row {
        Some(r) => {
            let (id, hash): (i64, String) = (r.get(0), r.get(1));
            let pw = password.to_string();
            let ok = tokio::task::spawn_blocking(move || verify_password(&pw, &hash))
                .await
                .unwrap_or(false);
            ok.then_some(id)
        }
        None => None,
    };
    if user_id.is_some() {
        sqlx::query("UPDATE login_attempts SET success = 1 WHERE id = $1")
            .bind(attempt)
            .execute(db.pool())
            .await?;
    }
    let user_id = user_id.ok_or(StoreError::BadCredentials)?;
    let principal = Principal::load(db, user_id).await?;
    let token = new_secret("");
    let csrf_token = new_secret("");
    let expires_at = (crate::clock::now() + chrono::Duration::hours(SESSION_HOURS))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(secret_hash(&token))
    .bind(user_id)
    .bind(&csrf_token)
    .bind(crate::now_text())
    .bind(&expires_at)
    .execute(db.pool())
    .await?;
    Ok(NewSession {
        token,
        csrf_token,
        expires_at,
        principal,
    })
}

/// The principal and CSRF token of a live session, or `None` for an unknown or expired cookie.
pub async fn session(db: &Db, token: &str) -> StoreResult<Option<(Principal, String)>> {
    let row = sqlx::query(
        "SELECT user_id, csrf_token FROM sessions WHERE token_hash = $1 AND expires_at > $2",
    )
    .bind(secret_hash(token))
    .bind(crate::now_text())
    .fetch_optional(db.pool())
    .await?;
    match row {
        Some(r) => match Principal::load(db, r.get(0)).await {
            Ok(p) => Ok(Some((p, r.get(1)))),
            Err(StoreError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        },
        None => Ok(None),
    }
}

pub async fn logout(db: &Db, token: &str) -> StoreResult<()> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(secret_hash(token))
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Issue an API token for the principal's own account. The token is returned once.
pub async fn create_api_token(db: &Db, who: &Principal, name: &str) -> StoreResult<String> {
    if name.trim().is_empty() || name.chars().count() > 64 {
        return Err(StoreError::invalid(
            "token",
            "令牌名称须为 1–64 个字符",
            "a token name is 1–64 characters",
        ));
    }
    let token = new_secret("fz_");
    let mut tx = db.begin_write().await?;
    let id: i64 = sqlx::query(
        "INSERT INTO api_tokens (token_hash, user_id, name, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(secret_hash(&token))
    .bind(who.user_id)
    .bind(name)
    .bind(crate::now_text())
    .fetch_one(tx.conn())
    .await?
    .get(0);
    tx.audit(
        AuditEntry::new(&who.actor(), "token.create", "api_token", id)
            .unit(&who.unit_key)
            .after(serde_json::json!({ "name": name, "user": who.username })),
    )
    .await?;
    tx.commit().await?;
    Ok(token)
}

pub async fn token_principal(db: &Db, token: &str) -> StoreResult<Option<Principal>> {
    secret_principal(db, "api_tokens", token).await
}

/// The person a live (unrevoked) secret of `table` (`api_tokens` or `feed_tokens`) belongs to.
pub(crate) async fn secret_principal(
    db: &Db,
    table: &'static str,
    secret: &str,
) -> StoreResult<Option<Principal>> {
    let row = sqlx::query(&format!(
        "SELECT user_id FROM {table} WHERE token_hash = $1 AND revoked_at IS NULL"
    ))
    .bind(secret_hash(secret))
    .fetch_optional(db.pool())
    .await?;
    match row {
        Some(r) => Ok(Some(Principal::load(db, r.get(0)).await?)),
        None => Ok(None),
    }
}

/// Record that the person opened their home page now; returns when they last did before.
pub async fn touch_home(db: &Db, who: &Principal) -> StoreResult<Option<String>> {
    let previous: Option<String> = sqlx::query("SELECT last_home_at FROM users WHERE id = $1")
        .bind(who.user_id)
        .fetch_optional(db.pool())
        .await?
        .and_then(|r| r.get(0));
    sqlx::query("UPDATE users SET last_home_at = $1 WHERE id = $2")
        .bind(crate::now_text())
        .bind(who.user_id)
        .execute(db.pool())
        .await?;
    Ok(previous)
}
