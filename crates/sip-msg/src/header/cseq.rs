//! The CSeq header value (RFC 3261 §20.16).
//!
//! Invariant: the sequence number fits in 32 bits (RFC 3261 §8.1.1.5 requires < 2**31 for
//! new requests; larger received values up to 2**32-1 are accepted).

use std::fmt;
use std::str::FromStr;

use crate::lex::{is_ws, trim_ws, trim_ws_start};
use crate::method::Method;

/// `CSeq: 1*DIGIT LWS Method` (RFC 3261 §20.16).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CSeq {
    /// Sequence number.
    pub seq: u32,
    /// Method.
    pub method: Method,
}

/// The text is not a CSeq value (RFC 3261 §20.16).
#[derive(Debug, thiserror::Error, PartialEq, Eq, Clone)]
#[error("invalid CSeq")]
pub struct InvalidCSeq;

impl FromStr for CSeq {
    type Err = InvalidCSeq;

    /// Parses `1*DIGIT LWS Method`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = trim_ws(s);
        let n = s.bytes().take_while(u8::is_ascii_digit).count();
        let (digits, rest) = s.split_at(n);
        if digits.is_empty() || !rest.bytes().next().is_some_and(is_ws) {
            return Err(InvalidCSeq);
        }
        let seq = digits.parse().map_err(|_| InvalidCSeq)?;
        let method = trim_ws_start(rest).parse().map_err(|_| InvalidCSeq)?;
        Ok(CSeq { seq, method })
    }
}

impl fmt::Display for CSeq {
    /// Prints `seq METHOD`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.seq, self.method)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cseq() {
        let c: CSeq = " 314159  INVITE ".parse().unwrap();
        assert_eq!(
            c,
            CSeq {
                seq: 314159,
                method: Method::Invite
            }
        );
        assert_eq!(c.to_string(), "314159 INVITE");
        assert_eq!(
            "1 NEWMETHOD".parse::<CSeq>().map(|c| c.method),
            Ok(Method::Other("NEWMETHOD".into()))
        );
        for bad in [
            "",
            "INVITE",
            "1",
            "1INVITE",
            "-1 INVITE",
            "36893488147419103232 INVITE",
            "1 INVITE x",
        ] {
            assert!(bad.parse::<CSeq>().is_err(), "{bad:?}");
        }
    }
}
