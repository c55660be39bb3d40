//! SIP request methods (RFC 3261 §7.1, §27.4 and the extension RFCs that define them).
//!
//! Invariant: `Method::Other` never holds the spelling of a known method and always holds a
//! non-empty RFC 3261 `token` when built through `FromStr`.

use std::fmt;
use std::str::FromStr;

use crate::lex::is_token;

/// A SIP method (RFC 3261 §7.1 `Method`); methods are case-sensitive.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Method {
    /// INVITE (RFC 3261 §13).
    Invite,
    /// ACK (RFC 3261 §13.2.2.4).
    Ack,
    /// BYE (RFC 3261 §15).
    Bye,
    /// CANCEL (RFC 3261 §9).
    Cancel,
    /// REGISTER (RFC 3261 §10).
    Register,
    /// OPTIONS (RFC 3261 §11).
    Options,
    /// INFO (RFC 6086).
    Info,
    /// UPDATE (RFC 3311).
    Update,
    /// PRACK (RFC 3262).
    Prack,
    /// SUBSCRIBE (RFC 6665).
    Subscribe,
    /// NOTIFY (RFC 6665).
    Notify,
    /// REFER (RFC 3515).
    Refer,
    /// MESSAGE (RFC 3428).
    Message,
    /// PUBLISH (RFC 3903).
    Publish,
    /// Any other extension method (RFC 3261 §7.1 `extension-method`).
    Other(String),
}

impl Method {
    /// The method name as it appears on the wire (RFC 3261 §7.1).
    pub fn as_str(&self) -> &str {
        match self {
            Method::Invite => "INVITE",
            Method::Ack => "ACK",
            Method::Bye => "BYE",
            Method::Cancel => "CANCEL",
            Method::Register => "REGISTER",
            Method::Options => "OPTIONS",
            Method::Info => "INFO",
            Method::Update => "UPDATE",
            Method::Prack => "PRACK",
            Method::Subscribe => "SUBSCRIBE",
            Method::Notify => "NOTIFY",
            Method::Refer => "REFER",
            Method::Message => "MESSAGE",
            Method::Publish => "PUBLISH",
            Method::Other(s) => s,
        }
    }

    /// Maps a known method name (case-sensitive, RFC 3261 §7.1) without allocating.
    fn known(s: &str) -> Option<Method> {
        Some(match s {
            "INVITE" => Method::Invite,
            "ACK" => Method::Ack,
            "BYE" => Method::Bye,
            "CANCEL" => Method::Cancel,
            "REGISTER" => Method::Register,
            "OPTIONS" => Method::Options,
            "INFO" => Method::Info,
            "UPDATE" => Method::Update,
            "PRACK" => Method::Prack,
            "SUBSCRIBE" => Method::Subscribe,
            "NOTIFY" => Method::Notify,
            "REFER" => Method::Refer,
            "MESSAGE" => Method::Message,
            "PUBLISH" => Method::Publish,
            _ => return None,
        })
    }
}

/// The text is not an RFC 3261 §25.1 `token`.
#[derive(Debug, thiserror::Error, PartialEq, Eq, Clone)]
#[error("invalid method")]
pub struct InvalidMethod;

impl FromStr for Method {
    type Err = InvalidMethod;

    /// Parses a method: a non-empty `token` (RFC 3261 §25.1), compared case-sensitively.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Some(m) = Method::known(s) {
            return Ok(m);
        }
        if is_token(s) {
            Ok(Method::Other(s.to_owned()))
        } else {
            Err(InvalidMethod)
        }
    }
}

impl fmt::Display for Method {
    /// Prints the wire form (RFC 3261 §7.1).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_and_other() {
        assert_eq!("INVITE".parse::<Method>(), Ok(Method::Invite));
        assert_eq!("PUBLISH".parse::<Method>(), Ok(Method::Publish));
        assert_eq!(
            "invite".parse::<Method>(),
            Ok(Method::Other("invite".into()))
        );
        assert_eq!(
            "!interesting-Method0123456789_*+`.%indeed'~".parse::<Method>(),
            Ok(Method::Other(
                "!interesting-Method0123456789_*+`.%indeed'~".into()
            ))
        );
        assert!("".parse::<Method>().is_err());
        assert!("IN VITE".parse::<Method>().is_err());
        assert!("INV:".parse::<Method>().is_err());
        assert_eq!(Method::Other("FOO".into()).to_string(), "FOO");
        assert_eq!(Method::Register.as_str(), "REGISTER");
    }
}
