//! Free-text fields with limits: display names, e-mail addresses, SIP passwords.

use crate::ModelError;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A person's display name: 1..=64 characters, no control characters, no `"` or `\`
/// (it is printed inside a SIP quoted-string, RFC 3261 §25.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DisplayName(String);

/// An e-mail address: `local@domain`, 3..=254 characters, no spaces or control characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

/// A SIP password as given by an administrator: 6..=128 printable characters. It is only
/// ever held long enough to derive digest HA1 values; it is never stored or printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

macro_rules! string_newtype {
    ($t:ident) => {
        impl $t {
            /// The value as a string slice.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl TryFrom<String> for $t {
            type Error = ModelError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                s.parse()
            }
        }
        impl From<$t> for String {
            fn from(v: $t) -> String {
                v.0
            }
        }
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}
string_newtype!(DisplayName);
string_newtype!(Email);

impl FromStr for DisplayName {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let n = s.chars().count();
        if n == 0 || n > 64 {
            return Err(ModelError::new("name", "must be 1 to 64 characters"));
        }
        if s.chars().any(|c| c.is_control() || c == '"' || c == '\\') {
            return Err(ModelError::new(
                "name",
                "must not contain control characters, quotes or backslashes",
            ));
        }
        Ok(DisplayName(s.trim().to_owned()))
    }
}

impl FromStr for Email {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || ModelError::new("email", format!("not an e-mail address: {s:?}"));
        if s.len() < 3 || s.len() > 254 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad());
        }
        match s.split_once('@') {
            Some((local, domain))
                if !local.is_empty() && domain.contains('.') && !domain.contains('@') =>
            {
                Ok(Email(s.to_owned()))
            }
            _ => Err(bad()),
        }
    }
}

impl Password {
    /// The password text, for deriving HA1 values only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl FromStr for Password {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let n = s.chars().count();
        if !(6..=128).contains(&n) {
            return Err(ModelError::new("password", "must be 6 to 128 characters"));
        }
        if s.chars().any(|c| c.is_control()) {
            return Err(ModelError::new(
                "password",
                "must not contain control characters",
            ));
        }
        Ok(Password(s.to_owned()))
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits() {
        assert!("Alice Smith".parse::<DisplayName>().is_ok());
        assert!("a\"b".parse::<DisplayName>().is_err());
        assert!("a@b.c".parse::<Email>().is_ok());
        assert!("ab.c".parse::<Email>().is_err());
        assert!("short".parse::<Password>().is_err());
        assert!("p1000t1-long".parse::<Password>().is_ok());
        assert_eq!(
            format!("{:?}", "secret-pw".parse::<Password>().unwrap()),
            "Password(***)"
        );
    }
}
