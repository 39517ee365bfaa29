//! Text input, checked once for every request before a handler sees it: the path, the query
//! string, and JSON or form bodies (multipart forms check their text parts with [`check_text`]).
//!
//! - Text must be UTF-8: a form or query that is not is refused (400), never silently repaired.
//! - No control characters but tab, line feed and carriage return: PostgreSQL cannot store NUL
//!   at all, and the others are invisible in a record (422, naming the field).
//! - Lengths have limits, in one place ([`limit_for`]): names, keys, codes and dates
//!   [`NAME_MAX_CHARS`], free text [`TEXT_MAX_CHARS`] (422, naming the field and the limit).
//!
//! The limits are general, by field name; a procedure's own per-field limits, if it sets any,
//! apply on top of them in the engine.

use crate::error::ApiError;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Names, keys, codes, dates, contacts: one line.
pub const NAME_MAX_CHARS: usize = 200;
/// Free text: a reason, a summary, a report, a description.
pub const TEXT_MAX_CHARS: usize = 20_000;
/// A password is never stored, only hashed; a passphrase may be long but not unbounded.
pub const PASSWORD_MAX_CHARS: usize = 1_024;

/// Fields that hold a name, a key, a code, a choice or a date, whatever the form or body.
const SHORT_FIELDS: &[&str] = &[
    "action",
    "address",
    "alias",
    "aliases",
    "approver",
    "benchmark",
    "case_number",
    "channel",
    "court",
    "csrf",
    "decided",
    "entity",
    "content_type",
    "entity_id",
    "filename",
    "hearing_officer",
    "hearing_place",
    "key",
    "kind",
    "lang",
    "name",
    "name_en",
    "next",
    "office_hours",
    "on",
    "parent",
    "person",
    "phone",
    "procedure",
    "respondent",
    "role",
    "scope",
    "status",
    "title",
    "unit",
    "username",
];

/// Field-name endings that mark the same: `applicant_name`, `received_on`, `unit_key`, ...
const SHORT_SUFFIXES: &[&str] = &[
    "_name", "_on", "_date", "_key", "_id", "_number", "_contact", "_unit",
];

/// The longest text, in characters, a field of this name may hold. `field` is a form key
/// (`f.applicant_name` counts as `applicant_name`) or a JSON object key.
pub fn limit_for(field: &str) -> usize {
    let name = field.rsplit('.').next().unwrap_or(field);
    if name == "password" {
        PASSWORD_MAX_CHARS
    } else if SHORT_FIELDS.contains(&name) || SHORT_SUFFIXES.iter().any(|s| name.ends_with(s)) {
        NAME_MAX_CHARS
    } else {
        TEXT_MAX_CHARS
    }
}

/// How a field is named in a message: as sent, shortened if long, control characters shown as
/// `U+XXXX`.
fn label(field: &str) -> String {
    let mut out: String = field
        .chars()
        .take(64)
        .map(|c| {
            if c.is_control() {
                format!("U+{:04X}", c as u32)
            } else {
                c.to_string()
            }
        })
        .collect();
    if field.chars().count() > 64 {
        out.push('…');
    }
    out
}

fn invalid(zh: String, en: String) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", zh, en)
}

/// The first control character other than tab, line feed and carriage return.
fn forbidden_char(s: &str) -> Option<char> {
    s.chars()
        .find(|&c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
}

/// One text value: no control characters (but tab and line breaks), at most [`limit_for`] its
/// field. 422 naming the field otherwise.
pub fn check_text(field: &str, value: &str) -> Result<(), ApiError> {
    check_name(field)?;
    if field != "password" {
        if let Some(c) = forbidden_char(value) {
            let code = format!("U+{:04X}", c as u32);
            return Err(invalid(
                format!("字段“{}”含有不允许的控制字符({code})", label(field)),
                format!(
                    "field \"{}\" contains a control character ({code}), which is not allowed",
                    label(field)
                ),
            ));
        }
    }
    let limit = limit_for(field);
    let len = value.chars().count();
    if len > limit {
        return Err(invalid(
            format!(
                "字段“{}”过长:最多 {limit} 个字符,收到 {len} 个",
                label(field)
            ),
            format!(
                "field \"{}\" is too long: at most {limit} characters, got {len}",
                label(field)
            ),
        ));
    }
    Ok(())
}

/// The bytes of a text part (a multipart form field) as checked text: UTF-8 (else 400) that
/// passes [`check_text`] (else 422).
pub fn utf8_text(field: &str, bytes: &[u8]) -> Result<String, ApiError> {
    let text = std::str::from_utf8(bytes).map_err(|_| {
        ApiError::bad_request(
            format!("表单字段“{}”不是有效的 UTF-8 文本", label(field)),
            format!("form field \"{}\" is not valid UTF-8 text", label(field)),
        )
    })?;
    check_text(field, text)?;
    Ok(text.to_string())
}

/// A field's own name: short, no control characters.
fn check_name(field: &str) -> Result<(), ApiError> {
    if forbidden_char(field).is_some() || field.contains(['\t', '\n', '\r']) {
        return Err(invalid(
            format!("字段名“{}”含有控制字符", label(field)),
            format!(
                "the field name \"{}\" contains a control character",
                label(field)
            ),
        ));
    }
    if field.chars().count() > NAME_MAX_CHARS {
        return Err(invalid(
            format!("字段名“{}”过长", label(field)),
            format!("the field name \"{}\" is too long", label(field)),
        ));
    }
    Ok(())
}

/// Percent-decode one part of `application/x-www-form-urlencoded` text (`+` is a space) into
/// UTF-8, or `None` if the bytes are not UTF-8.
fn decode(part: &[u8]) -> Option<String> {
    let spaced: Vec<u8> = part
        .iter()
        .map(|&b| if b == b'+' { b' ' } else { b })
        .collect();
    String::from_utf8(percent_decode(&spaced)).ok()
}

/// `%XX` escapes to their bytes; a `%` that starts no escape stays itself.
fn percent_decode(input: &[u8]) -> Vec<u8> {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        if input[i] == b'%' && i + 2 < input.len() {
            if let (Some(h), Some(l)) = (hex(input[i + 1]), hex(input[i + 2])) {
                out.push(h * 16 + l);
                i += 3;
                continue;
            }
        }
        out.push(input[i]);
        i += 1;
    }
    out
}

/// A form body or query string: every name and value UTF-8 (else 400) and each passing
/// [`check_text`] (else 422). `what` names it in messages ("表单"/"form", "查询"/"query").
pub fn check_urlencoded(src: &[u8], what: (&str, &str)) -> Result<(), ApiError> {
    for pair in src.split(|&b| b == b'&').filter(|p| !p.is_empty()) {
        let (k, v) = match pair.iter().position(|&b| b == b'=') {
            Some(at) => (&pair[..at], &pair[at + 1..]),
            None => (pair, &b""[..]),
        };
        let key = decode(k);
        let value = decode(v);
        match (key, value) {
            (Some(key), Some(value)) => check_text(&key, &value)?,
            (key, _) => {
                let (zh, en) = match key {
                    Some(key) => (
                        format!("{}字段“{}”不是有效的 UTF-8 文本", what.0, label(&key)),
                        format!(
                            "{} field \"{}\" is not valid UTF-8 text",
                            what.1,
                            label(&key)
                        ),
                    ),
                    None => (
                        format!("{}含有无效的 UTF-8 字段名", what.0),
                        format!("the {} has a field name that is not valid UTF-8", what.1),
                    ),
                };
                return Err(ApiError::bad_request(zh, en));
            }
        }
    }
    Ok(())
}

/// Every string of a JSON value, and every object key, passes [`check_text`]. A string is
/// limited by the nearest object key above it (`fields.reason`, `aliases[2]` counts as
/// `aliases`); errors name the path.
pub fn check_json(value: &serde_json::Value) -> Result<(), ApiError> {
    fn walk(v: &serde_json::Value, path: &str, key: &str) -> Result<(), ApiError> {
        match v {
            serde_json::Value::String(s) => {
                // The limit follows the key; the message names the whole path.
                check_text(key, s).map_err(|e| renamed(e, key, path))
            }
            serde_json::Value::Array(items) => items
                .iter()
                .enumerate()
                .try_for_each(|(i, item)| walk(item, &format!("{path}[{i}]"), key)),
            serde_json::Value::Object(map) => map.iter().try_for_each(|(k, item)| {
                check_name(k)?;
                let here = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                walk(item, &here, k)
            }),
            _ => Ok(()),
        }
    }
    walk(value, "", "")
}

/// An error about `key` restated about `path` (the same field, named in full).
fn renamed(mut e: ApiError, key: &str, path: &str) -> ApiError {
    if key != path && !key.is_empty() {
        let (from, to) = (format!("“{}”", label(key)), format!("“{}”", label(path)));
        e.message_zh = e.message_zh.replacen(&from, &to, 1);
        let (from, to) = (
            format!("\"{}\"", label(key)),
            format!("\"{}\"", label(path)),
        );
        e.message_en = e.message_en.replacen(&from, &to, 1);
    }
    e
}

/// The request path, percent-decoded: UTF-8 without control characters, else 400.
fn check_path(path: &str) -> Result<(), ApiError> {
    let ok = String::from_utf8(percent_decode(path.as_bytes()))
        .is_ok_and(|p| !p.chars().any(char::is_control));
    if ok {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            "地址含有无效字符",
            "the address contains characters that are not allowed",
        ))
    }
}

/// What kind of body a request carries, by its content type.
enum BodyKind {
    Json,
    Form,
    Other,
}

fn body_kind(req: &Request) -> BodyKind {
    let Some(ctype) = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return BodyKind::Other;
    };
    let essence = ctype
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if essence == "application/json" || essence.ends_with("+json") {
        BodyKind::Json
    } else if essence == "application/x-www-form-urlencoded" {
        BodyKind::Form
    } else {
        BodyKind::Other
    }
}

/// How much of an oversized body is still read (and thrown away) before the 413 answer, so
/// that a client still sending gets the answer instead of a broken pipe.
const DRAIN_MAX_BYTES: usize = 8 * 1024 * 1024;

/// The body if it has at most `limit` bytes; `None` if it has more (or breaks off). An oversized
/// body is drained up to [`DRAIN_MAX_BYTES`]: hyper would otherwise close the connection while
/// the client still writes, and the client would see a broken pipe rather than the 413.
async fn read_limited(body: Body, limit: usize) -> Option<axum::body::Bytes> {
    use http_body_util::BodyExt;
    let mut body = body;
    let mut kept = Vec::new();
    let mut seen = 0usize;
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else { return None };
        let Ok(data) = frame.into_data() else {
            continue;
        };
        seen += data.len();
        if seen <= limit {
            kept.extend_from_slice(&data);
        } else if seen > DRAIN_MAX_BYTES {
            return None;
        }
    }
    (seen <= limit).then(|| kept.into())
}

/// The middleware: refuse a request whose text input fails the checks above, before any
/// handler runs. Bodies it cannot parse go on unchanged, for the extractor to refuse in its
/// own words.
pub async fn check_input(req: Request, next: Next) -> Response {
    if let Err(e) = check_path(req.uri().path()) {
        return e.into_response();
    }
    if let Some(q) = req.uri().query() {
        if let Err(e) = check_urlencoded(q.as_bytes(), ("查询参数", "query")) {
            return e.into_response();
        }
    }
    let kind = body_kind(&req);
    if matches!(kind, BodyKind::Other) {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let Some(bytes) = read_limited(body, crate::MAX_BODY_BYTES).await else {
        return ApiError::for_status(StatusCode::PAYLOAD_TOO_LARGE, None).into_response();
    };
    let checked = match kind {
        BodyKind::Json => match serde_json::from_slice::<serde_json::Value>(&bytes) {
            Ok(v) => check_json(&v),
            Err(_) => Ok(()),
        },
        _ => check_urlencoded(&bytes, ("表单", "form")),
    };
    match checked {
        Ok(()) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Err(e) => e.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(r: Result<(), ApiError>) -> Option<u16> {
        r.err().map(|e| e.status.as_u16())
    }

    #[test]
    fn names_are_short_and_free_text_is_long() {
        for short in [
            "name",
            "name_en",
            "username",
            "f.applicant_name",
            "received_on",
            "unit_key",
            "csrf",
        ] {
            assert_eq!(limit_for(short), NAME_MAX_CHARS, "{short}");
        }
        for long in ["reason", "f.information_sought", "text", "summary", "facts"] {
            assert_eq!(limit_for(long), TEXT_MAX_CHARS, "{long}");
        }
        assert_eq!(limit_for("password"), PASSWORD_MAX_CHARS);
        assert!(check_text("name", &"名".repeat(NAME_MAX_CHARS)).is_ok());
        let e = check_text("name", &"名".repeat(200_000)).unwrap_err();
        assert_eq!(e.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(e.message_zh.contains("“name”") && e.message_zh.contains("200"));
        assert!(e.message_en.contains("\"name\"") && e.message_en.contains("200000"));
        assert!(check_text("reason", &"x".repeat(TEXT_MAX_CHARS)).is_ok());
        assert_eq!(
            status(check_text("reason", &"x".repeat(TEXT_MAX_CHARS + 1))),
            Some(422)
        );
    }

    #[test]
    fn control_characters_are_refused_but_tabs_and_line_breaks_are_text() {
        assert!(check_text("reason", "第一行\r\n第二行\t缩进").is_ok());
        for bad in ["a\0b", "\u{7}", "\u{1b}[31m", "\u{7f}", "\u{85}"] {
            let e = check_text("reason", bad).unwrap_err();
            assert_eq!(e.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad:?}");
            assert!(e.message_en.contains("\"reason\""), "{}", e.message_en);
        }
        assert!(check_text("name", "U+0000").is_ok());
        let e = check_text("a\0b", "x").unwrap_err();
        assert!(e.message_en.contains("aU+0000b"), "{}", e.message_en);
        // A password is hashed, never stored or shown: any character may be in it.
        assert!(check_text("password", "pass\u{7}word").is_ok());
    }

    #[test]
    fn forms_and_queries_must_be_utf8() {
        assert!(check_urlencoded(b"name=%E5%8A%9E&b=c+d&flag&&", ("表单", "form")).is_ok());
        let e = check_urlencoded(b"csrf=x&name=%FF%FE", ("表单", "form")).unwrap_err();
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
        assert!(e.message_en.contains("\"name\""), "{}", e.message_en);
        assert_eq!(
            status(check_urlencoded(b"%C3=x", ("表单", "form"))),
            Some(400)
        );
        assert_eq!(
            status(check_urlencoded(b"name=a%00b", ("表单", "form"))),
            Some(422)
        );
        // A percent sign that starts no escape is itself, as browsers and serde read it.
        assert!(check_urlencoded(b"text=100%&x=%4", ("表单", "form")).is_ok());
        assert!(check_path("/units/%E5%8A%9E/profile").is_ok());
        assert_eq!(status(check_path("/units/%00/profile")), Some(400));
        assert_eq!(status(check_path("/units/%FF/profile")), Some(400));
    }

    #[test]
    fn json_strings_and_keys_are_checked_with_their_path() {
        let ok = serde_json::json!({"name": "办公室", "aliases": ["a", "b"], "fields": {"reason": "x".repeat(5000)}, "n": 3});
        assert!(check_json(&ok).is_ok());
        let e = check_json(&serde_json::json!({"fields": {"reason": "a\u{0}b"}})).unwrap_err();
        assert_eq!(e.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            e.message_en.contains("\"fields.reason\""),
            "{}",
            e.message_en
        );
        assert!(e.message_zh.contains("“fields.reason”"), "{}", e.message_zh);
        let e = check_json(&serde_json::json!({"aliases": ["ok", "x".repeat(201)]})).unwrap_err();
        assert!(e.message_en.contains("\"aliases[1]\""), "{}", e.message_en);
        let e = check_json(&serde_json::json!({"name": "x".repeat(200_000)})).unwrap_err();
        assert!(e.message_en.contains("at most 200"), "{}", e.message_en);
        assert!(check_json(&serde_json::json!({"bad\u{0}key": 1})).is_err());
    }
}
