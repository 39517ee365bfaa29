//! The storage layer's one error type. Every variant carries what a person needs to act on it;
//! `code()` is a stable machine code and `message_zh`/`message_en` the two readable texts.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("{entity} not found: {key}")]
    NotFound { entity: &'static str, key: String },
    #[error("{field} already exists: {value}")]
    Duplicate { field: &'static str, value: String },
    #[error("invalid {field}: {reason_en}")]
    Invalid {
        field: &'static str,
        reason_zh: String,
        reason_en: String,
    },
    #[error("not permitted")]
    Forbidden,
    /// Not permitted, for a reason worth saying (403 with this code and these words).
    #[error("{message_en}")]
    NotPermitted {
        code: &'static str,
        message_zh: String,
        message_en: String,
    },
    #[error("wrong username or password")]
    BadCredentials,
    /// Too many failed sign-ins: the next attempt waits this long.
    #[error("too many login attempts; try again in {retry_after_secs} seconds")]
    RateLimited { retry_after_secs: u64 },
    /// A procedure refused an action (a gate, the step, a field): the engine's own words.
    #[error("{message_en}")]
    Refused {
        reason: String,
        message_zh: String,
        message_en: String,
    },
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    /// A database error from the SQLite writer thread, or a row of an unexpected shape.
    #[error("database error: {0}")]
    Database(String),
    #[error("migration failed: {0}")]
    Migration(String),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Database(e.to_string())
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

impl StoreError {
    pub fn invalid(field: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            reason_zh: zh.into(),
            reason_en: en.into(),
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound { .. } => "not_found",
            Self::Duplicate { .. } => "duplicate",
            Self::Invalid { .. } => "invalid_input",
            Self::Forbidden => "forbidden",
            Self::NotPermitted { code, .. } => code,
            Self::BadCredentials => "bad_credentials",
            Self::RateLimited { .. } => "rate_limited",
            Self::Refused { .. } => "refused",
            Self::Db(_) | Self::Database(_) | Self::Migration(_) => "internal",
        }
    }

    pub fn message_zh(&self) -> String {
        match self {
            Self::NotFound { entity, key } => format!("未找到{}:{key}", entity_zh(entity)),
            Self::Duplicate { field, value } => format!("{}已存在:{value}", entity_zh(field)),
            Self::Invalid {
                field, reason_zh, ..
            } => format!("{}无效:{reason_zh}", entity_zh(field)),
            Self::Forbidden => "无权执行此操作".into(),
            Self::NotPermitted { message_zh, .. } => message_zh.clone(),
            Self::BadCredentials => "用户名或密码错误".into(),
            Self::RateLimited { retry_after_secs } => {
                format!("登录尝试过于频繁,请 {retry_after_secs} 秒后再试")
            }
            Self::Refused { message_zh, .. } => message_zh.clone(),
            Self::Db(_) | Self::Database(_) | Self::Migration(_) => {
                "系统内部错误,请联系管理员".into()
            }
        }
    }

    pub fn message_en(&self) -> String {
        match self {
            Self::Db(_) | Self::Database(_) | Self::Migration(_) => {
                "internal error; please contact the administrator".into()
            }
            Self::Forbidden => "you are not permitted to do this".into(),
            other => other.to_string(),
        }
    }

    /// Map a unique-constraint violation to `Duplicate` naming the field; anything else stays a
    /// database error.
    pub(crate) fn from_insert(err: sqlx::Error, field: &'static str, value: &str) -> Self {
        if let sqlx::Error::Database(db) = &err {
            if db.is_unique_violation() {
                return Self::Duplicate {
                    field,
                    value: value.to_string(),
                };
            }
        }
        Self::Db(err)
    }
}

fn entity_zh(name: &str) -> &str {
    match name {
        "unit" => "单位",
        "unit name" => "单位名称",
        "unit key" => "单位标识",
        "alias" => "别名",
        "user" => "用户",
        "username" => "用户名",
        "password" => "密码",
        "role" => "角色",
        "token" => "令牌",
        "audit entry" => "审计记录",
        "profile" => "单位信息",
        "on" => "日期",
        "decided_on" => "决定日期",
        "decision date" => "决定日期",
        "report date" => "报告日期",
        "closing date" => "办结日期",
        "calendar file" => "放假安排文件",
        "name" => "名称",
        "case" => "案件",
        "plan item" => "工作事项",
        "summary" => "总结",
        "report" => "进展报告",
        "reason" => "理由",
        "attachment" => "附件",
        other => other,
    }
}
