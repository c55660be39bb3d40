//! Short names of a tenant's objects (voice prompts, IVR menus): the handle each is known
//! by in the API, the CLI, dial plans and the file system.
//!
//! Invariant: a slug name is 1..=[`SLUG_MAX`] of `[a-z0-9_-]`, so it is safe as a file
//! name (`<name>.wav`: no `/`, no `.`, no leading dot), as a URL path segment and after a
//! `kind:` prefix in a target.

/// Longest slug name, characters.
pub const SLUG_MAX: usize = 64;

/// Defines a validated slug-name type `$name` whose errors call it `$what`.
macro_rules! slug_name {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
        )]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// The name as a string slice.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::ModelError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                use $crate::slug::SLUG_MAX;
                if s.is_empty() || s.len() > SLUG_MAX {
                    return Err($crate::ModelError::new(
                        "name",
                        format!(concat!($what, " must be 1 to {} characters"), SLUG_MAX),
                    ));
                }
                let ok =
                    |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-';
                if !s.bytes().all(ok) {
                    return Err($crate::ModelError::new(
                        "name",
                        format!(concat!($what, " allows only a-z, 0-9, _ and -: {:?}"), s),
                    ));
                }
                Ok($name(s.to_owned()))
            }
        }

        impl TryFrom<String> for $name {
            type Error = $crate::ModelError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                s.parse()
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

pub(crate) use slug_name;
