//! Lexical helpers shared by the field parsers: RFC 8866 §9 `integer`/`1*DIGIT`, `token`
//! and field splitting.
//!
//! Invariant: helpers never panic; a number parses only from a non-empty run of ASCII digits
//! (no sign, no spaces), so printing the parsed value and parsing again gives the same value.

use std::str::FromStr;

/// Parses a non-empty run of ASCII digits (RFC 8866 §9 `1*DIGIT`) into `T`.
pub(crate) fn digits<T: FromStr>(s: &str) -> Option<T> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Whether `b` is an RFC 8866 §9 `token-char`.
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'!' | b'#'
                | b'$'
                | b'%'
                | b'&'
                | b'\''
                | b'*'
                | b'+'
                | b'-'
                | b'.'
                | b'^'
                | b'_'
                | b'`'
                | b'{'
                | b'|'
                | b'}'
                | b'~'
        )
}

/// Whether `s` is an RFC 8866 §9 `token` (non-empty).
pub(crate) fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(is_token_byte)
}

/// Whether `s` is a non-empty run without whitespace (RFC 8866 §9 `non-ws-string`).
pub(crate) fn is_non_ws(s: &str) -> bool {
    !s.is_empty() && !s.chars().any(char::is_whitespace)
}

/// Splits a field value on runs of spaces or tabs (RFC 8866 §9 `SP`, accepting extra
/// whitespace as real devices send it).
pub(crate) fn fields(s: &str) -> impl Iterator<Item = &str> {
    s.split([' ', '\t']).filter(|f| !f.is_empty())
}

/// Splits `s` at its first run of spaces or tabs into (first word, rest without the
/// leading whitespace).
pub(crate) fn split_word(s: &str) -> (&str, &str) {
    match s.find([' ', '\t']) {
        Some(i) => {
            let (head, tail) = s.split_at(i);
            (head, tail.trim_start_matches([' ', '\t']))
        }
        None => (s, ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_rejects_signs_and_blanks() {
        assert_eq!(digits::<u16>("5060"), Some(5060));
        assert_eq!(digits::<u16>("+5060"), None);
        assert_eq!(digits::<u16>(" 1"), None);
        assert_eq!(digits::<u16>(""), None);
        assert_eq!(digits::<u16>("70000"), None);
    }

    #[test]
    fn tokens_and_words() {
        assert!(is_token("RTP/AVP".split('/').next().unwrap_or_default()));
        assert!(!is_token("a b"));
        assert!(!is_token(""));
        assert!(is_non_ws("x/y"));
        assert_eq!(split_word("101 0-16"), ("101", "0-16"));
        assert_eq!(split_word("101  \t a b"), ("101", "a b"));
        assert_eq!(split_word("101"), ("101", ""));
        assert_eq!(fields(" a  b\tc ").collect::<Vec<_>>(), ["a", "b", "c"]);
    }
}
