//! Voice prompt names: the handle a tenant's recorded or synthesized announcement is known
//! by in the API, the CLI, dial plans and the file system.
//!
//! Invariant: a [`PromptName`] is 1..=64 of `[a-z0-9_-]`, so it is safe as a file name
//! (`<name>.wav`: no `/`, no `.`, no leading dot) and as a URL path segment.

use crate::ModelError;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Longest prompt name, characters.
pub const PROMPT_NAME_MAX: usize = 64;

/// The name of a tenant's voice prompt, unique within the tenant: 1..=64 lower-case
/// letters, digits, `_` or `-`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PromptName(String);

impl PromptName {
    /// The name as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for PromptName {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.is_empty() || s.len() > PROMPT_NAME_MAX {
            return Err(ModelError::new(
                "name",
                format!("a prompt name must be 1 to {PROMPT_NAME_MAX} characters"),
            ));
        }
        let ok = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-';
        if !s.bytes().all(ok) {
            return Err(ModelError::new(
                "name",
                format!("a prompt name allows only a-z, 0-9, _ and -: {s:?}"),
            ));
        }
        Ok(PromptName(s.to_owned()))
    }
}

impl TryFrom<String> for PromptName {
    type Error = ModelError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<PromptName> for String {
    fn from(v: PromptName) -> String {
        v.0
    }
}

impl fmt::Display for PromptName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!("welcome".parse::<PromptName>().is_ok());
        assert!("after-hours_2".parse::<PromptName>().is_ok());
        assert!("x".repeat(64).parse::<PromptName>().is_ok());
        assert!("x".repeat(65).parse::<PromptName>().is_err());
        assert!("".parse::<PromptName>().is_err());
        for bad in [
            "Welcome",
            "a.wav",
            "../etc",
            "a/b",
            ".hidden",
            "a b",
            "привет",
        ] {
            let e = bad.parse::<PromptName>().unwrap_err();
            assert_eq!(e.field, "name", "{bad}");
        }
        assert!(PromptName::try_from("Bad".to_owned()).is_err());
    }
}
