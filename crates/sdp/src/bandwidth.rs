//! Bandwidth lines `b=<bwtype>:<bandwidth>` (RFC 8866 §5.8; `TIAS` RFC 3890, `RR`/`RS`
//! RFC 3556).
//!
//! Invariant: an `Other` type is a token other than the known ones, so printing and parsing
//! again gives the same value.

use crate::lex;

/// The bandwidth modifier (RFC 8866 §5.8 `<bwtype>`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum BandwidthType {
    /// `CT`, conference total (RFC 8866 §5.8).
    Ct,
    /// `AS`, application specific, kbit/s (RFC 8866 §5.8).
    As,
    /// `TIAS`, transport independent, bit/s (RFC 3890 §6.2).
    Tias,
    /// `RR`, RTCP bandwidth of receivers (RFC 3556 §2).
    Rr,
    /// `RS`, RTCP bandwidth of senders (RFC 3556 §2).
    Rs,
    /// Any other token, kept verbatim.
    Other(String),
}

/// A `b=` line (RFC 8866 §5.8).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Bandwidth {
    /// The modifier.
    pub kind: BandwidthType,
    /// The value, in the unit of the modifier.
    pub value: u64,
}

impl BandwidthType {
    /// The modifier token (RFC 8866 §5.8).
    pub fn as_str(&self) -> &str {
        match self {
            BandwidthType::Ct => "CT",
            BandwidthType::As => "AS",
            BandwidthType::Tias => "TIAS",
            BandwidthType::Rr => "RR",
            BandwidthType::Rs => "RS",
            BandwidthType::Other(s) => s,
        }
    }
}

impl Bandwidth {
    /// Parses the value of a `b=` line (RFC 8866 §5.8).
    pub(crate) fn parse(value: &str) -> Option<Bandwidth> {
        let (kind, number) = value.split_once(':')?;
        let kind = match kind {
            "CT" => BandwidthType::Ct,
            "AS" => BandwidthType::As,
            "TIAS" => BandwidthType::Tias,
            "RR" => BandwidthType::Rr,
            "RS" => BandwidthType::Rs,
            other if lex::is_token(other) => BandwidthType::Other(other.to_owned()),
            _ => return None,
        };
        Some(Bandwidth {
            kind,
            value: lex::digits(number)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc8866_s5_8_bandwidth() {
        let b = Bandwidth::parse("AS:64");
        assert_eq!(
            b,
            Some(Bandwidth {
                kind: BandwidthType::As,
                value: 64
            })
        );
        assert_eq!(
            Bandwidth::parse("TIAS:64000").map(|b| b.kind),
            Some(BandwidthType::Tias)
        );
        assert_eq!(
            Bandwidth::parse("X-YZ:1").map(|b| b.kind),
            Some(BandwidthType::Other("X-YZ".into()))
        );
        assert_eq!(Bandwidth::parse("AS"), None);
        assert_eq!(Bandwidth::parse("AS:x"), None);
        assert_eq!(Bandwidth::parse(":1"), None);
    }
}
