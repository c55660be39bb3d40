//! Voice prompt names: the handle a tenant's recorded or synthesized announcement is known
//! by in the API, the CLI, dial plans and the file system.
//!
//! Invariant: a [`PromptName`] is 1..=64 of `[a-z0-9_-]`, so it is safe as a file name
//! (`<name>.wav`: no `/`, no `.`, no leading dot) and as a URL path segment.

use crate::slug::{slug_name, SLUG_MAX};

/// Longest prompt name, characters.
pub const PROMPT_NAME_MAX: usize = SLUG_MAX;

slug_name!(
    /// The name of a tenant's voice prompt, unique within the tenant: 1..=64 lower-case
    /// letters, digits, `_` or `-`.
    PromptName,
    "a prompt name"
);

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
