//! An extension number inside a tenant: the SIP user part of its address of record.
//!
//! Invariant: 2..=10 ASCII digits (seed platform: 3- and 4-digit internal numbers; DIDs are
//! numbers, not extensions).

use crate::ModelError;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A validated extension number such as `1000`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Extension(String);

impl Extension {
    /// The extension as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Extension {
    type Err = ModelError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if (2..=10).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Extension(s.to_owned()))
        } else {
            Err(ModelError::new(
                "extension",
                format!("must be 2 to 10 digits: {s:?}"),
            ))
        }
    }
}

impl TryFrom<String> for Extension {
    type Error = ModelError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Extension> for String {
    fn from(e: Extension) -> String {
        e.0
    }
}

impl fmt::Display for Extension {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_only() {
        assert!("1000".parse::<Extension>().is_ok());
        for bad in ["", "1", "10a0", "12345678901", "+100", " 100"] {
            assert!(bad.parse::<Extension>().is_err(), "{bad}");
        }
    }
}
