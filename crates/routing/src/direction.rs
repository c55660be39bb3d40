//! Outbound directions (seed 000 §4.5.3 table `directions`) with the digit manipulation of
//! seed 000 §4.5.2 (`dialplan_rg_substruct`, `dial_rg_prefix`, `dial_mn_prefix`,
//! `dial_em_prefix`, §4.5.3 `substruct4other`), and the tenant's toll-fraud policy
//! (seed 001's dialplan lists the countries a PBX may call; international is off by
//! default).
//!
//! Invariants: a [`Prefix`] holds at most 16 of `0-9 * #` with an optional leading `+`; an
//! [`AllowPrefix`] is 1..=15 digits; [`Direction::validate`] accepts only directions that
//! can route (an `other` direction has a pattern, every direction has a trunk, `strip` is at
//! most [`MAX_STRIP`]).

use crate::{Pattern, RoutingError};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use vpbx_model::TrunkName;

/// Most leading characters a direction may strip.
pub const MAX_STRIP: u8 = 32;
/// Longest prefix a direction may add.
const MAX_PREFIX: usize = 16;

/// What a direction is for (seed 000 §4.5.3 `direction`; `spb` of the seed is a
/// `regional` direction with its own pattern here).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DirectionKind {
    /// Calls within Russia: `8XXXXXXXXXX`, `7XXXXXXXXXX`, `+7XXXXXXXXXX`.
    Regional,
    /// Calls abroad, dialed after `810`, `00` or `+`; refused unless the tenant allows them.
    International,
    /// Emergency services: `01`-`04`, `101`-`104`, `112`; always allowed.
    Emergency,
    /// Anything else, by the direction's own pattern (seed 000 §4.5.3 'other').
    Other,
}

impl DirectionKind {
    /// Every kind, in the order the CLI lists them.
    pub const ALL: [DirectionKind; 4] = [
        DirectionKind::Regional,
        DirectionKind::International,
        DirectionKind::Emergency,
        DirectionKind::Other,
    ];

    /// The lower-case name (`regional`...), as stored and typed.
    pub fn as_str(self) -> &'static str {
        match self {
            DirectionKind::Regional => "regional",
            DirectionKind::International => "international",
            DirectionKind::Emergency => "emergency",
            DirectionKind::Other => "other",
        }
    }

    /// The patterns the platform fills in for this kind when a direction has none (seed
    /// 000 §4.5.3: "the pattern of directions 1-5 is set by the platform"); empty for
    /// `other`, which needs its own.
    pub fn builtin_patterns(self) -> &'static [&'static str] {
        match self {
            DirectionKind::Regional => &["_8XXXXXXXXXX", "_7XXXXXXXXXX", "_+7XXXXXXXXXX"],
            DirectionKind::International => &["_810X.", "_00X.", "_+X."],
            DirectionKind::Emergency => &["_0[1-4]", "_10[1-4]", "112"],
            DirectionKind::Other => &[],
        }
    }

    /// The dialed string brought to this kind's standard form, before strip and prefix,
    /// with a note of what was done. Regional: a leading `+` is removed (seed 000 §4.5.2
    /// `dialplan_rg_substruct` step 2: "the system removes '+' by default"), so strip 1
    /// removes the `7` or `8`. International: the access code `810`, `00` or `+` is removed,
    /// leaving the E.164 digits (country code first) for `dial_mn_prefix` to lead. Emergency
    /// and other: as dialed.
    pub fn standard_form(self, dialed: &str) -> (String, Option<&'static str>) {
        let cut = |code: &'static str, note: &'static str| {
            dialed
                .strip_prefix(code)
                .map(|rest| (rest.to_owned(), Some(note)))
        };
        let done = match self {
            DirectionKind::Regional => cut("+", "'+' removed"),
            DirectionKind::International => {
                international_digits(dialed).map(|(rest, note)| (rest.to_owned(), Some(note)))
            }
            DirectionKind::Emergency | DirectionKind::Other => None,
        };
        done.unwrap_or_else(|| (dialed.to_owned(), None))
    }
}

/// The E.164 digits of an internationally dialed string and which access code was removed,
/// or `None` if it does not start with `810`, `00` or `+`.
pub(crate) fn international_digits(dialed: &str) -> Option<(&str, &'static str)> {
    [
        ("810", "access code 810 removed"),
        ("00", "access code 00 removed"),
        ("+", "'+' removed"),
    ]
    .into_iter()
    .find_map(|(code, note)| dialed.strip_prefix(code).map(|rest| (rest, note)))
}

impl FromStr for DirectionKind {
    type Err = RoutingError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DirectionKind::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                RoutingError::invalid(
                    "kind",
                    format!("{s:?} (use regional, international, emergency or other)"),
                )
            })
    }
}

impl fmt::Display for DirectionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Digits a direction puts in front of the number (seed 000 §4.5.2 `dial_rg_prefix` 8,
/// `dial_mn_prefix` 810, `dial_em_prefix` 0); may be empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Prefix(String);

impl Prefix {
    /// The prefix text (possibly empty).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Prefix {
    type Err = RoutingError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let ok = s
            .char_indices()
            .all(|(i, c)| c.is_ascii_digit() || c == '*' || c == '#' || (c == '+' && i == 0));
        if !ok || s.len() > MAX_PREFIX {
            return Err(RoutingError::invalid(
                "prefix",
                format!("{s:?} must be at most {MAX_PREFIX} of 0-9, * and # (+ only first)"),
            ));
        }
        Ok(Prefix(s.to_owned()))
    }
}

impl TryFrom<String> for Prefix {
    type Error = RoutingError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Prefix> for String {
    fn from(p: Prefix) -> String {
        p.0
    }
}

impl fmt::Display for Prefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A country or number prefix a tenant may call abroad, in E.164 digits (seed 001 allows
/// Italy `39`, Belarus `37517`, Kazakhstan `7727`, Ukraine `380`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AllowPrefix(String);

impl AllowPrefix {
    /// The digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for AllowPrefix {
    type Err = RoutingError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let digits = s.strip_prefix('+').unwrap_or(s);
        if digits.is_empty() || digits.len() > 15 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(RoutingError::invalid(
                "prefix",
                format!("{s:?} must be 1 to 15 digits of a country code or number"),
            ));
        }
        Ok(AllowPrefix(digits.to_owned()))
    }
}

impl TryFrom<String> for AllowPrefix {
    type Error = RoutingError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<AllowPrefix> for String {
    fn from(p: AllowPrefix) -> String {
        p.0
    }
}

impl fmt::Display for AllowPrefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One outbound direction of a tenant: which dialed numbers it takes, how it rewrites them
/// and which trunks it tries, in order (seed 000 §4.5.3, one row per trunk there; one list
/// here).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Direction {
    /// Row id, shown in traces and used by `direction remove`.
    pub id: i64,
    /// What the direction is for.
    pub kind: DirectionKind,
    /// Own pattern; `None` uses [`DirectionKind::builtin_patterns`].
    pub pattern: Option<Pattern>,
    /// Leading characters removed from the standard form (`dialplan_rg_substruct`,
    /// `substruct4other`).
    pub strip: u8,
    /// Put in front after stripping (`dial_rg_prefix`, `dial_mn_prefix`, `dial_em_prefix`).
    pub prefix: Prefix,
    /// Trunks to try, first to last (failover).
    pub trunks: Vec<TrunkName>,
    /// Among equally specific matching directions, lower goes first (seed default 1).
    pub priority: u32,
    /// Disabled directions are traced but never used.
    pub enabled: bool,
}

impl Direction {
    /// Checks the rules a stored direction must satisfy; the error names the field.
    pub fn validate(&self) -> Result<(), RoutingError> {
        if self.kind == DirectionKind::Other && self.pattern.is_none() {
            return Err(RoutingError::invalid(
                "pattern",
                "required for kind other (e.g. _XXXXX)",
            ));
        }
        if self.trunks.is_empty() {
            return Err(RoutingError::invalid("trunk", "at least one is required"));
        }
        if self.strip > MAX_STRIP {
            return Err(RoutingError::invalid(
                "strip",
                format!("{} is more than {MAX_STRIP}", self.strip),
            ));
        }
        Ok(())
    }

    /// The patterns this direction matches: its own, or its kind's built-in ones.
    pub fn patterns(&self) -> Vec<Pattern> {
        match &self.pattern {
            Some(p) => vec![p.clone()],
            None => builtin(self.kind),
        }
    }

    /// The most specific of this direction's patterns that matches `dialed`.
    pub fn best_match(&self, dialed: &str) -> Option<Pattern> {
        self.patterns()
            .into_iter()
            .filter(|p| p.matches(dialed))
            .min_by(|a, b| a.cmp_specificity(b))
    }

    /// The number sent to the trunks for `dialed`, with each step of the rewrite; `None`
    /// (and the steps) when stripping leaves nothing to send.
    pub fn rewrite(&self, dialed: &str) -> (Option<String>, Vec<String>) {
        let mut steps = Vec::new();
        let (standard, note) = self.kind.standard_form(dialed);
        if let Some(note) = note {
            steps.push(format!("{note} -> {standard}"));
        }
        let kept: String = standard.chars().skip(usize::from(self.strip)).collect();
        if self.strip > 0 {
            steps.push(format!("strip {} -> {kept}", self.strip));
        }
        let sent = format!("{}{kept}", self.prefix);
        if !self.prefix.as_str().is_empty() {
            steps.push(format!("prefix {} -> {sent}", self.prefix));
        }
        if kept.is_empty() {
            return (None, steps);
        }
        (Some(sent), steps)
    }
}

/// The built-in patterns of `kind`, parsed.
pub(crate) fn builtin(kind: DirectionKind) -> Vec<Pattern> {
    kind.builtin_patterns()
        .iter()
        .filter_map(|s| Pattern::parse(s).ok())
        .collect()
}

/// A tenant's toll-fraud policy (issue 4; seed 001): international calls are refused
/// unless allowed, and then only to the listed prefixes when any are listed. Emergency
/// calls are always allowed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// Whether international calls are allowed at all (default: no).
    pub international_allowed: bool,
    /// When non-empty, international calls are allowed only to E.164 numbers starting with
    /// one of these.
    pub allow_prefixes: Vec<AllowPrefix>,
}

impl Policy {
    /// Whether an international call to the E.164 digits `e164` is allowed, and why.
    pub fn international(&self, e164: &str) -> Result<String, String> {
        if !self.international_allowed {
            return Err("international calls are not allowed for this tenant".into());
        }
        if self.allow_prefixes.is_empty() {
            return Ok("international calls are allowed to every country".into());
        }
        match self
            .allow_prefixes
            .iter()
            .find(|p| e164.starts_with(p.as_str()))
        {
            Some(p) => Ok(format!("{e164} starts with allowed prefix {p}")),
            None => Err(format!(
                "{e164} starts with none of the allowed prefixes {}",
                join(&self.allow_prefixes)
            )),
        }
    }
}

/// `a, b, c`.
fn join<T: fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(T::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn direction(kind: DirectionKind, pattern: Option<&str>, strip: u8, prefix: &str) -> Direction {
        Direction {
            id: 1,
            kind,
            pattern: pattern.map(|p| p.parse().unwrap()),
            strip,
            prefix: prefix.parse().unwrap(),
            trunks: vec!["main".parse().unwrap()],
            priority: 1,
            enabled: true,
        }
    }

    #[test]
    fn builtin_patterns_parse() {
        for kind in DirectionKind::ALL {
            assert_eq!(builtin(kind).len(), kind.builtin_patterns().len());
        }
    }

    #[test]
    fn validation_names_the_field() {
        let other = direction(DirectionKind::Other, None, 0, "");
        assert!(other
            .validate()
            .unwrap_err()
            .to_string()
            .starts_with("invalid pattern"));
        let mut none = direction(DirectionKind::Regional, None, 0, "");
        none.trunks.clear();
        assert!(none
            .validate()
            .unwrap_err()
            .to_string()
            .starts_with("invalid trunk"));
        let strip = direction(DirectionKind::Regional, None, 33, "");
        assert!(strip
            .validate()
            .unwrap_err()
            .to_string()
            .starts_with("invalid strip"));
        assert!("12a"
            .parse::<Prefix>()
            .unwrap_err()
            .to_string()
            .starts_with("invalid prefix"));
        assert!("".parse::<AllowPrefix>().is_err());
        assert_eq!("+39".parse::<AllowPrefix>().unwrap().as_str(), "39");
        assert!("Regional".parse::<DirectionKind>().is_ok());
        assert!("spb"
            .parse::<DirectionKind>()
            .unwrap_err()
            .to_string()
            .starts_with("invalid kind"));
    }

    #[test]
    fn stripping_everything_sends_nothing() {
        let d = direction(DirectionKind::Other, Some("_XX"), 5, "9");
        assert_eq!(d.rewrite("12").0, None);
    }

    #[test]
    fn international_policy() {
        let mut p = Policy::default();
        assert!(p.international("390612345678").is_err());
        p.international_allowed = true;
        assert!(p.international("390612345678").is_ok());
        p.allow_prefixes = vec!["375".parse().unwrap()];
        assert!(p.international("390612345678").is_err());
        assert!(p.international("375171234567").is_ok());
    }
}
