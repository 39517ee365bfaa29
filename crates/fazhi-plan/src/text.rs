//! Character classes and numerals shared by the scanners.
//!
//! The scanners are hand-written rather than regex-based: the grammar is small, the inputs are
//! CJK text where regex character classes buy little, and scanning once by `char_indices` keeps
//! the parser comfortably above its throughput target.

/// Whitespace, including the ideographic space, and the `|` left behind by flattened tables.
pub(crate) fn is_space(c: char) -> bool {
    c.is_whitespace() || c == '|' || c == '\u{3000}'
}

// Full-width punctuation is written as escapes so that no editor or tool can quietly turn it
// into its half-width twin.
pub(crate) const FW_COMMA: char = '\u{FF0C}';
pub(crate) const FW_COLON: char = '\u{FF1A}';

pub(crate) fn is_comma(c: char) -> bool {
    c == ',' || c == FW_COMMA
}

pub(crate) fn is_colon(c: char) -> bool {
    c == ':' || c == FW_COLON
}

pub(crate) fn is_semicolon(c: char) -> bool {
    c == ';' || c == '\u{FF1B}'
}

/// 。 ; ! ? in either width.
pub(crate) fn is_sentence_end(c: char) -> bool {
    matches!(
        c,
        '。' | ';' | '\u{FF1B}' | '!' | '\u{FF01}' | '?' | '\u{FF1F}'
    )
}

pub(crate) fn is_open_paren(c: char) -> bool {
    c == '(' || c == '\u{FF08}'
}

pub(crate) fn is_close_paren(c: char) -> bool {
    c == ')' || c == '\u{FF09}'
}

/// Value of one Chinese or Arabic (half- or full-width) digit.
pub(crate) fn digit_value(c: char) -> Option<u32> {
    Some(match c {
        '0'..='9' => c as u32 - '0' as u32,
        '０'..='９' => c as u32 - '０' as u32,
        '〇' | '○' | '零' | 'О' | 'Ｏ' => 0,
        '一' => 1,
        '二' | '两' => 2,
        '三' => 3,
        '四' => 4,
        '五' => 5,
        '六' => 6,
        '七' => 7,
        '八' => 8,
        '九' => 9,
        _ => return None,
    })
}

pub(crate) fn is_arabic_digit(c: char) -> bool {
    c.is_ascii_digit() || ('０'..='９').contains(&c)
}

pub(crate) fn is_chinese_numeral(c: char) -> bool {
    matches!(
        c,
        '一' | '二'
            | '三'
            | '四'
            | '五'
            | '六'
            | '七'
            | '八'
            | '九'
            | '十'
            | '〇'
            | '○'
            | '零'
            | '两'
    )
}

/// Parse a small number written in Arabic digits or Chinese numerals ("十四", "二十", "12").
/// Returns the value and the number of bytes consumed; at most `max_chars` characters are read.
pub(crate) fn parse_small_number(s: &str, max_chars: usize) -> Option<(u32, usize)> {
    let mut chars = s.char_indices().take(max_chars).peekable();
    let &(_, first) = chars.peek()?;
    if is_arabic_digit(first) {
        let mut v = 0u32;
        let mut end = 0;
        for (i, c) in chars {
            if !is_arabic_digit(c) {
                break;
            }
            v = v.checked_mul(10)?.checked_add(digit_value(c)?)?;
            end = i + c.len_utf8();
        }
        return Some((v, end));
    }
    // Chinese: [tens]十[units] | units.
    let mut v = 0u32;
    let mut cur: Option<u32> = None;
    let mut end = 0;
    let mut seen_ten = false;
    for (i, c) in chars {
        if c == '十' {
            if seen_ten {
                break;
            }
            seen_ten = true;
            v = cur.unwrap_or(1) * 10;
            cur = None;
        } else if let Some(d) = digit_value(c).filter(|_| is_chinese_numeral(c)) {
            if cur.is_some() {
                break;
            }
            cur = Some(d);
        } else {
            break;
        }
        end = i + c.len_utf8();
    }
    if end == 0 {
        return None;
    }
    Some((v + cur.unwrap_or(0), end))
}

/// A four-digit year in Arabic digits or Chinese numerals ("2008", "二○○八"), at the start of `s`.
pub(crate) fn parse_year(s: &str) -> Option<(i32, usize)> {
    let mut v = 0i32;
    let mut end = 0;
    let mut n = 0;
    for (i, c) in s.char_indices() {
        if n == 4 {
            break;
        }
        let d = digit_value(c)?;
        v = v * 10 + d as i32;
        end = i + c.len_utf8();
        n += 1;
    }
    (n == 4).then_some((v, end))
}

/// The character before byte index `i`, if any.
pub(crate) fn char_before(s: &str, i: usize) -> Option<char> {
    s[..i].chars().next_back()
}

/// Trim whitespace, `|` and the given extra punctuation from both ends.
pub(crate) fn trim_with<'a>(s: &'a str, extra: &[char]) -> &'a str {
    s.trim_matches(|c: char| is_space(c) || extra.contains(&c))
}

pub(crate) fn trim(s: &str) -> &str {
    s.trim_matches(is_space)
}

/// Converts byte offsets to character offsets, walking forward only (offsets must not decrease
/// between calls), so that converting every item's offset costs one pass over the text.
pub(crate) struct CharOffsets<'a> {
    text: &'a str,
    byte: usize,
    chars: usize,
}

impl<'a> CharOffsets<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        Self {
            text,
            byte: 0,
            chars: 0,
        }
    }

    pub(crate) fn at(&mut self, byte: usize) -> usize {
        if byte < self.byte {
            return self.text[..byte].chars().count();
        }
        self.chars += self.text[self.byte..byte].chars().count();
        self.byte = byte;
        self.chars
    }
}

/// A short excerpt of `text` starting at byte `at`, for error messages.
pub(crate) fn snippet(text: &str, at: usize) -> String {
    text[at.min(text.len())..].chars().take(20).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(parse_small_number("十四日", 3), Some((14, 6)));
        assert_eq!(parse_small_number("二十", 3), Some((20, 6)));
        assert_eq!(parse_small_number("三十一", 3), Some((31, 9)));
        assert_eq!(parse_small_number("四月", 3), Some((4, 3)));
        assert_eq!(parse_small_number("12月", 3), Some((12, 2)));
        assert_eq!(parse_small_number("十", 3), Some((10, 3)));
        assert_eq!(parse_small_number("月", 3), None);
        assert_eq!(parse_year("二○○八年"), Some((2008, 12)));
        assert_eq!(parse_year("2020年"), Some((2020, 4)));
        assert_eq!(parse_year("202年"), None);
    }
}
