//! Asterisk dialplan extension patterns (Asterisk `extensions.conf`, "Pattern matching"),
//! as the seed's directions table uses them (seed 000 §4.5.3 `pattern`: `_XXXXX`,
//! `_082XXXXX`, `[123457-9]`, `.`; seed 001's dialplan: `_99ZXXXXXX`, `_9939.`).
//!
//! Syntax: a pattern starts with `_`; then `X` = 0-9, `Z` = 1-9, `N` = 2-9 (any case),
//! `[...]` = one of the listed digits or ranges (`[1-5]`, `[135-7]`), `.` = one or more
//! characters, `!` = zero or more, and the literal characters `0-9 * # +`; `-` is ignored
//! (Asterisk ignores dashes, `_8-495-XXX`). Without `_` the text is one literal number.
//!
//! Invariants: a [`Pattern`] is non-empty; `.` and `!` occur only as its last element;
//! every set is non-empty. Matching is total (never panics) and linear in the input.

use crate::RoutingError;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// The characters a dialed string may hold, in bit order: `0`-`9`, `*`, `#`, `+`.
const ALPHABET: &[u8; 13] = b"0123456789*#+";
/// Set of every digit (`X`).
const DIGITS: u16 = 0x3ff;

/// A parsed Asterisk pattern (or a literal number), keeping the text it was parsed from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Pattern {
    source: String,
    literal: bool,
    elems: Vec<Elem>,
}

/// One position of a pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Elem {
    /// Exactly one character from the set (bits over [`ALPHABET`]).
    One(u16),
    /// `.`: one or more characters.
    OneOrMore,
    /// `!`: zero or more characters.
    ZeroOrMore,
}

impl Elem {
    /// Asterisk's specificity weight of this position: the number of characters it takes
    /// (fewer is more specific); `.` and `!` come after every set, `!` last.
    fn weight(self) -> (u16, u16) {
        match self {
            Elem::One(set) => (set.count_ones() as u16, set.trailing_zeros() as u16),
            Elem::OneOrMore => (u16::MAX - 1, 0),
            Elem::ZeroOrMore => (u16::MAX, 0),
        }
    }
}

/// Bit of one alphabet character, if it is one.
fn bit(c: char) -> Option<u16> {
    ALPHABET
        .iter()
        .position(|&a| char::from(a) == c)
        .map(|i| 1u16 << i)
}

impl Pattern {
    /// Parses `s`; errors give the 1-based character position of the problem.
    pub fn parse(s: &str) -> Result<Pattern, RoutingError> {
        let err = |position: usize, reason: String| RoutingError::Pattern {
            input: s.to_owned(),
            position,
            reason,
        };
        let chars: Vec<char> = s.chars().collect();
        if chars.is_empty() {
            return Err(err(1, "empty pattern".into()));
        }
        let literal = chars[0] != '_';
        let start = usize::from(!literal);
        if start == chars.len() {
            return Err(err(2, "nothing after '_'".into()));
        }
        let mut elems = Vec::new();
        let mut i = start;
        while i < chars.len() {
            let c = chars[i];
            let pos = i + 1;
            if elems
                .last()
                .is_some_and(|e| matches!(e, Elem::OneOrMore | Elem::ZeroOrMore))
            {
                return Err(err(pos, "'.' and '!' must be last".into()));
            }
            let elem = match c {
                '-' => {
                    i += 1;
                    continue;
                }
                _ if literal => bit(c)
                    .map(Elem::One)
                    .ok_or_else(|| err(pos, format!("unexpected {c:?} in a number")))?,
                'X' | 'x' => Elem::One(DIGITS),
                'Z' | 'z' => Elem::One(DIGITS & !0b1),
                'N' | 'n' => Elem::One(DIGITS & !0b11),
                '.' => Elem::OneOrMore,
                '!' => Elem::ZeroOrMore,
                '[' => {
                    let (set, next) = parse_set(&chars, i).map_err(|(p, r)| err(p, r))?;
                    i = next;
                    elems.push(Elem::One(set));
                    continue;
                }
                _ => bit(c)
                    .map(Elem::One)
                    .ok_or_else(|| err(pos, format!("unexpected {c:?}")))?,
            };
            elems.push(elem);
            i += 1;
        }
        if elems.is_empty() {
            return Err(err(chars.len(), "no digits".into()));
        }
        Ok(Pattern {
            source: s.to_owned(),
            literal,
            elems,
        })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Whether this is a literal number (no leading `_`).
    pub fn is_literal(&self) -> bool {
        self.literal
    }

    /// Whether the dialed string `s` matches the whole pattern (Asterisk matches whole
    /// extensions, not prefixes).
    pub fn matches(&self, s: &str) -> bool {
        let mut chars = s.chars();
        for elem in &self.elems {
            match elem {
                Elem::One(set) => match chars.next().and_then(bit) {
                    Some(b) if set & b != 0 => {}
                    _ => return false,
                },
                Elem::OneOrMore => return chars.next().is_some(),
                Elem::ZeroOrMore => return true,
            }
        }
        chars.next().is_none()
    }

    /// Orders two patterns like Asterisk sorts a context (`ext_cmp`): a literal number
    /// before any `_` pattern; then position by position the one taking fewer characters
    /// first (`7` before `[78]` before `N` before `X` before `.` before `!`), a pattern that
    /// ends first coming first. `Less` means `self` is more specific and wins.
    pub fn cmp_specificity(&self, other: &Pattern) -> Ordering {
        let key = |p: &Pattern| {
            (
                !p.literal,
                p.elems.iter().map(|e| e.weight()).collect::<Vec<_>>(),
            )
        };
        key(self)
            .cmp(&key(other))
            .then_with(|| self.source.cmp(&other.source))
    }
}

/// Parses `[...]` starting at `chars[open]`; returns the set and the index after `]`, or
/// (1-based position, reason).
fn parse_set(chars: &[char], open: usize) -> Result<(u16, usize), (usize, String)> {
    let mut set = 0u16;
    let mut i = open + 1;
    loop {
        let Some(&c) = chars.get(i) else {
            return Err((open + 1, "'[' is never closed".into()));
        };
        match c {
            ']' if set == 0 => return Err((i + 1, "empty '[]'".into())),
            ']' => return Ok((set, i + 1)),
            _ => {}
        }
        let Some(b) = bit(c) else {
            return Err((i + 1, format!("unexpected {c:?} in '[...]'")));
        };
        if chars.get(i + 1) == Some(&'-') && chars.get(i + 2).is_some_and(|&e| e != ']') {
            let end = chars[i + 2];
            match (c.to_digit(10), end.to_digit(10)) {
                (Some(lo), Some(hi)) if lo <= hi => {
                    for d in lo..=hi {
                        set |= 1 << d;
                    }
                }
                _ => return Err((i + 1, format!("bad range {c}-{end}"))),
            }
            i += 3;
        } else {
            set |= b;
            i += 1;
        }
    }
}

impl FromStr for Pattern {
    type Err = RoutingError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Pattern::parse(s)
    }
}

impl TryFrom<String> for Pattern {
    type Error = RoutingError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Pattern::parse(&s)
    }
}

impl From<Pattern> for String {
    fn from(p: Pattern) -> String {
        p.source
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Pattern {
        s.parse().unwrap()
    }

    fn err(s: &str) -> String {
        s.parse::<Pattern>().unwrap_err().to_string()
    }

    #[test]
    fn letters_and_sets() {
        assert!(p("_XXXXX").matches("55123"));
        assert!(!p("_XXXXX").matches("5512"));
        assert!(!p("_XXXXX").matches("551234"));
        assert!(p("_N").matches("2") && !p("_N").matches("1"));
        assert!(p("_Z").matches("1") && !p("_Z").matches("0"));
        assert!(p("_n").matches("9"));
        assert!(p("_[1-5]").matches("5") && !p("_[1-5]").matches("6"));
        let odd = p("_[135-7]");
        let hits: String = ('0'..='9')
            .filter(|c| odd.matches(&c.to_string()))
            .collect();
        assert_eq!(hits, "13567");
        assert!(p("_[123457-9]X").matches("90"));
        assert!(p("_*X#").matches("*2#"));
        assert!(p("_+7XXX").matches("+7123"));
        assert!(p("_8-495-XXX").matches("8495123"));
    }

    #[test]
    fn dot_and_bang() {
        assert!(p("_9939.").matches("99391"));
        assert!(!p("_9939.").matches("9939"));
        assert!(p("_9939!").matches("9939"));
        assert!(p("_9939!").matches("993912345"));
        assert!(p("_.").matches("1") && !p("_.").matches(""));
    }

    #[test]
    fn literals() {
        assert!(p("112").matches("112"));
        assert!(!p("112").matches("1120"));
        assert!(p("112").is_literal());
        // Without '_' the letters are not wildcards.
        assert!(err("XXX").contains("unexpected 'X' in a number at position 1"));
    }

    #[test]
    fn parse_errors_name_the_position() {
        assert_eq!(err(""), "invalid pattern \"\": empty pattern at position 1");
        assert!(err("_").contains("nothing after '_' at position 2"));
        assert!(err("_XX[12").contains("'[' is never closed at position 4"));
        assert!(err("_X[]").contains("empty '[]' at position 4"));
        assert!(err("_X[5-1]").contains("bad range 5-1 at position 4"));
        assert!(err("_X.X").contains("must be last at position 4"));
        assert!(err("_X!.").contains("must be last at position 4"));
        assert!(err("_XA").contains("unexpected 'A' at position 3"));
        assert!(err("_X[1a]").contains("unexpected 'a' in '[...]' at position 5"));
        assert!(err("_---").contains("no digits"));
    }

    #[test]
    fn other_characters_match_only_dot_and_bang() {
        // Like Asterisk, `.` and `!` take any character; sets take only their own.
        assert!(p("_X.").matches("1é"));
        assert!(p("_X!").matches("1é"));
        assert!(!p("_XX").matches("1é"));
        assert!(!p("_X[*]").matches("1é"));
    }

    #[test]
    fn specificity_like_asterisk() {
        let mut v: Vec<Pattern> = [
            "_X.",
            "_X!",
            "_8XXXXXXXXXX",
            "_8[89]XXXXXXXXX",
            "_N.",
            "89001758964",
            "_89XXXXXXXXX",
        ]
        .iter()
        .map(|s| p(s))
        .collect();
        v.sort_by(|a, b| a.cmp_specificity(b));
        let order: Vec<&str> = v.iter().map(Pattern::as_str).collect();
        assert_eq!(
            order,
            [
                "89001758964",
                "_89XXXXXXXXX",
                "_8[89]XXXXXXXXX",
                "_8XXXXXXXXXX",
                "_N.",
                "_X.",
                "_X!"
            ]
        );
        assert_eq!(p("_XX").cmp_specificity(&p("_XX")), Ordering::Equal);
    }
}
