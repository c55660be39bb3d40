//! Phone numbers (DIDs) as users type them and carriers send them, and dialed strings.
//!
//! Seed 000 §4.5 shows one number in two forms: `+7(495)2216005` as the cabinet displays it
//! (`webnumber`) and `74952216005` as the carrier sends it on an incoming call (`DN`).
//! Users also type the Russian trunk-prefix form `8 (495) 221-60-05`.
//!
//! Invariants: a [`PhoneNumber`] is 3..=15 ASCII digits (ITU-T E.164 §6: at most 15) with no
//! `+` and no separators; an 11-digit Russian number is always stored with country code 7,
//! never with the trunk prefix 8. A dialed string from [`dialed`] holds only digits, `*`,
//! `#` and at most one leading `+`.

use crate::RoutingError;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Fewest digits of a number (short service numbers such as `112`).
const MIN_DIGITS: usize = 3;
/// Most digits of an international number (ITU-T E.164 §6).
const MAX_DIGITS: usize = 15;
/// Longest dialed string accepted by [`dialed`] (digits, `*`, `#`, `+`).
const MAX_DIALED: usize = 32;

/// A phone number in canonical form: its digits, country code first, e.g. `74952216005`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Parses what a user typed or a carrier sent (`+7(495)2216005`, `8 (495) 221-60-05`,
    /// `74952216005`) into canonical digits; errors name `field`. Spaces, `-`, `(`, `)`
    /// and `.` are separators; `+` may only lead. Without `+`, 11 digits starting with the
    /// Russian trunk prefix 8 become country code 7 (seed 000 §4.5: `RUprefix` 8).
    pub fn parse(field: &'static str, s: &str) -> Result<PhoneNumber, RoutingError> {
        let (plus, digits) = strip_separators(field, s)?;
        if digits.contains(['*', '#']) {
            return Err(RoutingError::invalid(
                field,
                format!("{s:?} has * or #, which a phone number cannot have"),
            ));
        }
        if !(MIN_DIGITS..=MAX_DIGITS).contains(&digits.len()) {
            return Err(RoutingError::invalid(
                field,
                format!("{s:?} must have {MIN_DIGITS} to {MAX_DIGITS} digits"),
            ));
        }
        let canonical = match digits.strip_prefix('8') {
            Some(rest) if !plus && digits.len() == 11 => format!("7{rest}"),
            _ => digits,
        };
        Ok(PhoneNumber(canonical))
    }

    /// The canonical digits, e.g. `74952216005`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number as the cabinet shows it (seed 000 §4.5.1: "+7(DEF)XXXXXXX"): 11-digit
    /// Russian numbers as `+7(495)2216005`, other numbers of 8 digits or more as
    /// `+<digits>`, shorter (local or service) numbers as their digits.
    pub fn display(&self) -> String {
        let d = &self.0;
        match (d.len(), d.strip_prefix('7')) {
            (11, Some(rest)) => format!("+7({}){}", &rest[..3], &rest[3..]),
            (n, _) if n >= 8 => format!("+{d}"),
            _ => d.clone(),
        }
    }

    /// Whether a carrier's incoming number `sent` (any form [`PhoneNumber::parse`] takes)
    /// is this number. A Russian number also matches its 10-digit national form
    /// (`4952216005`), which some carriers send.
    pub fn matches_sent(&self, sent: &str) -> bool {
        if let Ok(n) = PhoneNumber::parse("number", sent) {
            if n == *self {
                return true;
            }
        }
        let national = sent.trim();
        self.0.len() == 11
            && self.0.starts_with('7')
            && national.len() == 10
            && national.bytes().all(|b| b.is_ascii_digit())
            && self.0[1..] == *national
    }
}

impl FromStr for PhoneNumber {
    type Err = RoutingError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PhoneNumber::parse("number", s)
    }
}

impl TryFrom<String> for PhoneNumber {
    type Error = RoutingError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<PhoneNumber> for String {
    fn from(n: PhoneNumber) -> String {
        n.0
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Normalizes a dialed string (the Request-URI user part or what `route trace --to` got):
/// separators (space, `-`, `(`, `)`, `.`) removed; the result is 1..=32 of digits, `*`,
/// `#`, with at most one leading `+` kept. Errors name `field`.
pub fn dialed(field: &'static str, s: &str) -> Result<String, RoutingError> {
    let (plus, digits) = strip_separators(field, s)?;
    if digits.is_empty() {
        return Err(RoutingError::invalid(field, format!("{s:?} has no digits")));
    }
    if digits.len() > MAX_DIALED {
        return Err(RoutingError::invalid(
            field,
            format!("{s:?} is longer than {MAX_DIALED} digits"),
        ));
    }
    Ok(if plus { format!("+{digits}") } else { digits })
}

/// Splits `s` into (had a leading `+`, the digits `*` `#` without separators); any other
/// character is an error naming its 1-based position.
fn strip_separators(field: &'static str, s: &str) -> Result<(bool, String), RoutingError> {
    let mut plus = false;
    let mut out = String::with_capacity(s.len());
    for (i, c) in s.chars().enumerate() {
        match c {
            '0'..='9' | '*' | '#' => out.push(c),
            ' ' | '\t' | '-' | '(' | ')' | '.' => {}
            '+' if !plus && out.is_empty() => plus = true,
            _ => {
                return Err(RoutingError::invalid(
                    field,
                    format!("{s:?} has {c:?} at position {}", i + 1),
                ))
            }
        }
    }
    if out.is_empty() && s.trim().is_empty() {
        return Err(RoutingError::invalid(field, "empty"));
    }
    Ok((plus, out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> PhoneNumber {
        s.parse().unwrap()
    }

    #[test]
    fn seed_forms_are_one_number() {
        // Seed 000 §4.5: webnumber +7(495)2216005, DN 74952216005.
        assert_eq!(n("+7(495)2216005").as_str(), "74952216005");
        assert_eq!(n("8 (495) 221-60-05").as_str(), "74952216005");
        assert_eq!(n("74952216005").as_str(), "74952216005");
        assert_eq!(n("74952216005").display(), "+7(495)2216005");
    }

    #[test]
    fn other_numbers_display_generically() {
        assert_eq!(n("+390612345678").display(), "+390612345678");
        assert_eq!(n("+8 800 1234567").as_str(), "88001234567");
        assert_eq!(n("55123").display(), "55123");
    }

    #[test]
    fn carrier_forms_match() {
        let did = n("+7(495)2216005");
        assert!(did.matches_sent("74952216005"));
        assert!(did.matches_sent("+74952216005"));
        assert!(did.matches_sent("84952216005"));
        assert!(did.matches_sent("4952216005"));
        assert!(!did.matches_sent("74952216006"));
        assert!(!did.matches_sent("x"));
    }

    #[test]
    fn errors_name_the_field() {
        let e = PhoneNumber::parse("number", "+7 495 abc").unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid number: \"+7 495 abc\" has 'a' at position 8"
        );
        assert!(n_err("12").contains("3 to 15 digits"));
        assert!(n_err("1234567890123456").contains("3 to 15 digits"));
        assert!(n_err("7+1234").contains("'+' at position 2"));
        assert!(n_err("*123").contains("* or #"));
        assert!(n_err("").contains("empty"));
    }

    fn n_err(s: &str) -> String {
        s.parse::<PhoneNumber>().unwrap_err().to_string()
    }

    #[test]
    fn dialed_strings() {
        assert_eq!(dialed("to", "082 55123").unwrap(), "08255123");
        assert_eq!(dialed("to", "+7 (925) 741-07-26").unwrap(), "+79257410726");
        assert_eq!(dialed("to", "*21#").unwrap(), "*21#");
        assert!(dialed("to", "+").is_err());
        assert!(dialed("to", "1000@x").is_err());
        assert!(dialed("to", &"1".repeat(33)).is_err());
    }
}
