//! The Contact header value (RFC 3261 §20.10) and its `expires` / `q` parameters
//! (RFC 3261 §10.2.1.2, §20.10).
//!
//! Invariant: `*` is only the whole value, never combined with addresses.

use std::fmt;
use std::str::FromStr;

use crate::header::name_addr::{InvalidNameAddr, NameAddr};
use crate::lex::trim_ws;

/// One Contact value: the wildcard `*` (only valid in REGISTER with Expires: 0) or an address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Contact {
    /// `Contact: *` (RFC 3261 §10.2.2).
    Star,
    /// A contact address with parameters.
    Addr(NameAddr),
}

impl NameAddr {
    /// The `expires` contact parameter in seconds (RFC 3261 §20.10), if present and numeric;
    /// values beyond `u32` saturate to `u32::MAX`.
    pub fn expires(&self) -> Option<u32> {
        let v = self.params.get("expires").flatten()?;
        parse_delta_seconds(v)
    }

    /// The `q` contact parameter (RFC 3261 §20.10 `qvalue`), if present and in 0..=1.
    pub fn q(&self) -> Option<f32> {
        let v = self.params.get("q").flatten()?;
        let q: f32 = v.parse().ok()?;
        (0.0..=1.0).contains(&q).then_some(q)
    }
}

/// Parses RFC 3261 §25.1 `delta-seconds` (1*DIGIT), saturating at `u32::MAX` as RFC 3261
/// §20.19 allows for oversized values.
pub(crate) fn parse_delta_seconds(v: &str) -> Option<u32> {
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(v.parse::<u32>().unwrap_or(u32::MAX))
}

impl FromStr for Contact {
    type Err = InvalidNameAddr;

    /// Parses `*` or a contact-param (RFC 3261 §20.10).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if trim_ws(s) == "*" {
            Ok(Contact::Star)
        } else {
            s.parse().map(Contact::Addr)
        }
    }
}

impl fmt::Display for Contact {
    /// Prints `*` or the name-addr.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Contact::Star => f.write_str("*"),
            Contact::Addr(a) => write!(f, "{a}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contacts() {
        assert_eq!(" * ".parse(), Ok(Contact::Star));
        assert_eq!(Contact::Star.to_string(), "*");
        let c: Contact = "<sip:1000@127.0.0.1:5172;transport=udp>;expires=3600;q=0.5"
            .parse()
            .unwrap();
        let Contact::Addr(a) = &c else {
            panic!("not an address")
        };
        assert_eq!(a.expires(), Some(3600));
        assert_eq!(a.q(), Some(0.5));
        assert_eq!(c.to_string().parse::<Contact>(), Ok(c.clone()));
        let a: NameAddr = "<sip:a@b>;expires=99999999999;q=2".parse().unwrap();
        assert_eq!(a.expires(), Some(u32::MAX));
        assert_eq!(a.q(), None);
        let a: NameAddr = "<sip:a@b>;expires=-1".parse().unwrap();
        assert_eq!(a.expires(), None);
        assert!("*x".parse::<Contact>().is_err());
    }
}
