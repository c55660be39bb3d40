//! IVR menu names: the handle a tenant's voice menu is known by in the API, the CLI, number
//! targets (`ivr:NAME`) and other menus' actions.
//!
//! Invariant: an [`IvrName`] follows the rules of [`crate::PromptName`]: 1..=64 of
//! `[a-z0-9_-]`, so it is safe in a URL path segment and after `ivr:` in a target.

use crate::slug::{slug_name, SLUG_MAX};

/// Longest IVR menu name, characters.
pub const IVR_NAME_MAX: usize = SLUG_MAX;

slug_name!(
    /// The name of a tenant's IVR menu, unique within the tenant: 1..=64 lower-case letters,
    /// digits, `_` or `-`.
    IvrName,
    "an IVR menu name"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for good in ["main", "after-hours_2", "1"] {
            assert_eq!(good.parse::<IvrName>().unwrap().as_str(), good);
        }
        assert!("x".repeat(64).parse::<IvrName>().is_ok());
        assert!("x".repeat(65).parse::<IvrName>().is_err());
        for bad in [
            "", "Main", "a.b", "../etc", "a/b", "a b", "ivr:main", "меню",
        ] {
            let e = bad.parse::<IvrName>().unwrap_err();
            assert_eq!(e.field, "name", "{bad}");
        }
        assert!(IvrName::try_from("Bad".to_owned()).is_err());
        let night = IvrName::try_from("night".to_owned()).unwrap();
        assert_eq!(String::from(night), "night");
    }
}
