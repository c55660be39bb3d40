//! A tenant's SIP domain (RFC 3261 §25.1 `hostname`, RFC 1035 labels).
//!
//! Invariant: lower-case ASCII, 1..=253 chars, dot-separated labels of 1..=63 chars of
//! letters, digits and inner hyphens, not an IP address literal.

use crate::ModelError;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A validated, lower-cased tenant domain such as `acme.pbx.example`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Domain(String);

impl Domain {
    /// The domain as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Domain {
    type Err = ModelError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |r: &str| ModelError::new("domain", format!("{r}: {s:?}"));
        let d = s.trim_end_matches('.').to_ascii_lowercase();
        if d.is_empty() || d.len() > 253 {
            return Err(err("must be 1 to 253 characters"));
        }
        if d.parse::<std::net::IpAddr>().is_ok() {
            return Err(err("must be a host name, not an IP address"));
        }
        for label in d.split('.') {
            let ok_chars = label
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            if label.is_empty() || label.len() > 63 || !ok_chars {
                return Err(err("labels must be 1 to 63 letters, digits or hyphens"));
            }
            if label.starts_with('-') || label.ends_with('-') {
                return Err(err("labels must not start or end with a hyphen"));
            }
        }
        Ok(Domain(d))
    }
}

impl TryFrom<String> for Domain {
    type Error = ModelError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Domain> for String {
    fn from(d: Domain) -> String {
        d.0
    }
}

impl fmt::Display for Domain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_and_lowercases() {
        assert_eq!(
            "Acme.PBX.example".parse::<Domain>().unwrap().as_str(),
            "acme.pbx.example"
        );
        assert_eq!(
            "t1.example.".parse::<Domain>().unwrap().as_str(),
            "t1.example"
        );
    }

    #[test]
    fn rejects_bad() {
        for bad in [
            "",
            "a..b",
            "-a.b",
            "a-.b",
            "a b",
            "127.0.0.1",
            "::1",
            "a_b.c",
            "ä.de",
        ] {
            assert!(bad.parse::<Domain>().is_err(), "{bad}");
        }
        assert!("a".repeat(64).parse::<Domain>().is_err());
    }
}
