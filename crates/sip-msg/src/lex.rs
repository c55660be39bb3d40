//! Lexical helpers shared by the parser and the typed headers (RFC 3261 §25.1 basic rules:
//! `token`, `LWS`, `quoted-string`, `quoted-pair`, comma-separated lists).
//!
//! Invariants: nothing here allocates except [`unquote`] and the writers; all functions are
//! total (no panics) on any input.

use std::fmt;

/// RFC 3261 §25.1 `token` character: alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" /
/// "`" / "'" / "~".
pub(crate) fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'-' | b'.' | b'!' | b'%' | b'*' | b'_' | b'+' | b'`' | b'\'' | b'~'
        )
}

/// True if `s` is a non-empty RFC 3261 §25.1 `token`.
pub(crate) fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(is_token_byte)
}

/// SP or HTAB (RFC 3261 §25.1 `WSP`).
pub(crate) fn is_ws(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Trims SP/HTAB on both ends (the unfolded form of `LWS`).
pub(crate) fn trim_ws(s: &str) -> &str {
    s.trim_matches([' ', '\t'])
}

/// Trims SP/HTAB at the start.
pub(crate) fn trim_ws_start(s: &str) -> &str {
    s.trim_start_matches([' ', '\t'])
}

/// Splits a `quoted-string` (RFC 3261 §25.1) off the start of `s`, which must begin with
/// `"`. Returns the unescaped contents and the text after the closing quote, or `None` if
/// the string is unterminated.
pub(crate) fn unquote(s: &str) -> Option<(String, &str)> {
    let rest = s.strip_prefix('"')?;
    let mut out = String::new();
    let mut chars = rest.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((out, rest.get(i + 1..).unwrap_or(""))),
            '\\' => out.push(chars.next()?.1),
            _ => out.push(c),
        }
    }
    None
}

/// Writes `s` as a `quoted-string` (RFC 3261 §25.1), escaping `"`, `\` and control
/// characters with a `quoted-pair`; CR and LF cannot be represented and are written as SP.
pub(crate) fn write_quoted(f: &mut impl fmt::Write, s: &str) -> fmt::Result {
    f.write_char('"')?;
    for c in s.chars() {
        match c {
            '\r' | '\n' => f.write_char(' ')?,
            c if c == '"' || c == '\\' || (c.is_ascii_control() && c != '\t') => {
                f.write_char('\\')?;
                f.write_char(c)?;
            }
            _ => f.write_char(c)?,
        }
    }
    f.write_char('"')
}

/// Iterator over the elements of a comma-separated header list (RFC 3261 §7.3.1): splits at
/// commas outside `quoted-string`s and `<...>`, yields trimmed non-empty elements.
pub(crate) struct ListSplit<'a> {
    rest: &'a str,
}

/// Splits `s` at top-level commas; see [`ListSplit`].
pub(crate) fn split_list(s: &str) -> ListSplit<'_> {
    ListSplit { rest: s }
}

impl<'a> Iterator for ListSplit<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        loop {
            if self.rest.is_empty() {
                return None;
            }
            let bytes = self.rest.as_bytes();
            let mut in_quote = false;
            let mut escaped = false;
            let mut angle = 0usize;
            let mut end = bytes.len();
            for (i, &b) in bytes.iter().enumerate() {
                if in_quote {
                    if escaped {
                        escaped = false;
                    } else if b == b'\\' {
                        escaped = true;
                    } else if b == b'"' {
                        in_quote = false;
                    }
                    continue;
                }
                match b {
                    b'"' => in_quote = true,
                    b'<' => angle += 1,
                    b'>' => angle = angle.saturating_sub(1),
                    b',' if angle == 0 => {
                        end = i;
                        break;
                    }
                    _ => {}
                }
            }
            let item = self.rest.get(..end).unwrap_or("");
            self.rest = self.rest.get(end + 1..).unwrap_or("");
            let item = trim_ws(item);
            if !item.is_empty() {
                return Some(item);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens() {
        assert!(is_token("z9hG4bK-1.x!%*_+`'~"));
        assert!(!is_token(""));
        assert!(!is_token("a b"));
        assert!(!is_token("a:b"));
    }

    #[test]
    fn quoted() {
        assert_eq!(
            unquote(r#""a \"b\" \\c" rest"#),
            Some((r#"a "b" \c"#.to_owned(), " rest"))
        );
        assert_eq!(unquote(r#""unterminated"#), None);
        assert_eq!(unquote(r#""ends in backslash\"#), None);
        assert_eq!(unquote("no quote"), None);
        assert_eq!(unquote("\"\""), Some((String::new(), "")));
        let mut s = String::new();
        write_quoted(&mut s, "a\"b\\c\r\n\x00\t").unwrap();
        assert_eq!(s, "\"a\\\"b\\\\c  \\\x00\t\"");
    }

    #[test]
    fn list_split() {
        let v: Vec<_> = split_list(r#" "a,b" <sip:x,y>;p=1 , c,,d , "#).collect();
        assert_eq!(v, vec![r#""a,b" <sip:x,y>;p=1"#, "c", "d"]);
        let v: Vec<_> = split_list(r#""esc\",x", y"#).collect();
        assert_eq!(v, vec![r#""esc\",x""#, "y"]);
        let v: Vec<_> = split_list(r#""open, x"#).collect();
        assert_eq!(v, vec![r#""open, x"#]);
        assert_eq!(split_list("").count(), 0);
        assert_eq!(split_list(" , ,").count(), 0);
        let v: Vec<_> = split_list("a>,b").collect();
        assert_eq!(v, vec!["a>", "b"]);
    }
}
