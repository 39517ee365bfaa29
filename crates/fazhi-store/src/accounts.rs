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
/// Failed attempts allowed per username, and per client address, within the window.
pub const MAX_FAILURES_PER_USER: i64 = 5;
pub const MAX_FAILURES_PER_IP: i64 = 20;
pub const FAILURE_WINDOW_MINUTES: i64 = 15;

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
    (chrono::Utc::now() - chrono::Duration::minutes(m))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Check a username and password and open a session. Refused while the username or the client
/// address has too many recent failures; every attempt is recorded.
pub async fn login(db: &Db, username: &str, password: &str, ip: &str) -> StoreResult<NewSession> {
    let since = minutes_ago(FAILURE_WINDOW_MINUTES);
    let failures = |col: &'static str, value: String| {
        let since = since.clone();
        async move {
            let sql = format!(
                "SELECT COUNT(*) FROM login_attempts WHERE {col} = $1 AND at > $2 AND success = 0"
            );
            sqlx::query(&sql)
                .bind(value)
                .bind(since)
                .fetch_one(db.pool())
                .await
                .map(|r| r.get::<i64, _>(0))
        }
    };
    if failures("username", username.to_string()).await? >= MAX_FAILURES_PER_USER
        || failures("ip", ip.to_string()).await? >= MAX_FAILURES_PER_IP
    {
        return Err(StoreError::RateLimited);
    }
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
    sqlx::query("INSERT INTO login_attempts (username, ip, at, success) VALUES ($1, $2, $3, $4)")
        .bind(username)
        .bind(ip)
        .bind(crate::now_text())
        .bind(user_id.is_some() as i64)
        .execute(db.pool())
        .await?;
    let user_id = user_id.ok_or(StoreError::BadCredentials)?;
    let principal = Principal::load(db, user_id).await?;
    let token = new_secret("");
    let csrf_token = new_secret("");
    let expires_at = (chrono::Utc::now() + chrono::Duration::hours(SESSION_HOURS))
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
