//! Money and multiples as integers.
//!
//! Money is held as `i64` fen (分, 1/100 yuan) everywhere inside the engine; files and the CLI
//! speak yuan with at most two decimals. Multiples ("货值金额十倍以上二十倍以下") are held in
//! hundredths so that "0.5倍" is exact. No floats: a penalty amount must not depend on rounding
//! noise.

use serde::{Serialize, Serializer};

/// Parse a yuan amount written as digits with at most two decimals ("50000", "9999.99",
/// "1,000.5"; a trailing "元" is allowed) into fen. `None` if it is not such a number or does
/// not fit.
pub fn parse_yuan(text: &str) -> Option<i64> {
    parse_hundredths(text.trim().trim_end_matches('元'))
}

/// Parse a non-negative decimal with at most two decimals into hundredths.
pub fn parse_hundredths(text: &str) -> Option<i64> {
    let t: String = text
        .trim()
        .chars()
        .filter(|c| *c != ',' && *c != '_')
        .collect();
    if t.is_empty() {
        return None;
    }
    let (int, frac) = match t.split_once('.') {
        Some((i, f)) => (i, f),
        None => (t.as_str(), ""),
    };
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    if !int.chars().all(|c| c.is_ascii_digit()) || !frac.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    if frac.len() > 2 {
        return None;
    }
    let i: i64 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let mut f: i64 = if frac.is_empty() {
        0
    } else {
        frac.parse().ok()?
    };
    if frac.len() == 1 {
        f *= 10;
    }
    i.checked_mul(100)?.checked_add(f)
}

/// Fen rendered as yuan with two decimals, e.g. `5000000` → `"50000.00"`.
pub fn format_yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let a = fen.unsigned_abs();
    format!("{sign}{}.{:02}", a / 100, a % 100)
}

/// Hundredths rendered without trailing zeros, e.g. `1000` → `"10"`, `50` → `"0.5"`.
pub fn format_hundredths(h: i64) -> String {
    let s = format_yuan(h);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

/// A closed range of fen, `min_fen <= max_fen`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FenRange {
    pub min_fen: i64,
    pub max_fen: i64,
}

impl FenRange {
    pub fn contains(&self, fen: i64) -> bool {
        self.min_fen <= fen && fen <= self.max_fen
    }
    pub fn within(&self, outer: &FenRange) -> bool {
        outer.min_fen <= self.min_fen && self.max_fen <= outer.max_fen
    }
    pub fn yuan(&self) -> String {
        format!(
            "{}–{}",
            format_yuan(self.min_fen),
            format_yuan(self.max_fen)
        )
    }
}

// Stored and rendered by others: carry both the exact fen and a display string in yuan.
impl Serialize for FenRange {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("FenRange", 4)?;
        st.serialize_field("min_fen", &self.min_fen)?;
        st.serialize_field("max_fen", &self.max_fen)?;
        st.serialize_field("min_yuan", &format_yuan(self.min_fen))?;
        st.serialize_field("max_yuan", &format_yuan(self.max_fen))?;
        st.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuan_round_trip() {
        assert_eq!(parse_yuan("50000"), Some(5_000_000));
        assert_eq!(parse_yuan("9999.99"), Some(999_999));
        assert_eq!(parse_yuan("0.5"), Some(50));
        assert_eq!(parse_yuan("1,000元"), Some(100_000));
        assert_eq!(parse_yuan("1.234"), None);
        assert_eq!(parse_yuan("-3"), None);
        assert_eq!(parse_yuan("abc"), None);
        assert_eq!(parse_yuan("."), None);
        assert_eq!(parse_yuan("99999999999999999999"), None);
        assert_eq!(format_yuan(999_999), "9999.99");
        assert_eq!(format_hundredths(1000), "10");
        assert_eq!(format_hundredths(50), "0.5");
    }
}
