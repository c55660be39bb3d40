//! Attributes `a=<name>[:<value>]` (RFC 8866 §5.13) with typed views of those the B2BUA
//! needs: `rtpmap`, `fmtp`, `ptime`, `maxptime` (RFC 8866 §6.4–§6.6, §6.15), the direction
//! attributes (§6.7), `rtcp` (RFC 3605) and `rtcp-mux` (RFC 5761 §5.1.1).
//!
//! Invariant: a known attribute whose value does not follow its grammar is kept verbatim as
//! [`Attribute::Other`], like every unknown attribute (RFC 8866 §5.13: unknown attributes
//! are ignored, and a relay must pass them on). An `Other` never holds a name/value pair that
//! would parse as a typed variant when built by the parser.

use crate::connection::Connection;
use crate::direction::Direction;
use crate::lex;
use crate::rtpmap::{Fmtp, RtpMap};

/// `a=rtcp:<port> [<nettype> <addrtype> <connection-address>]` (RFC 3605 §2.1).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Rtcp {
    /// The RTCP port.
    pub port: u16,
    /// The RTCP address, when it differs from the media connection address.
    pub connection: Option<Connection>,
}

/// One `a=` line (RFC 8866 §5.13).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Attribute {
    /// `a=rtpmap` (RFC 8866 §6.6).
    RtpMap(RtpMap),
    /// `a=fmtp` for an RTP payload type (RFC 8866 §6.15).
    Fmtp(Fmtp),
    /// `a=ptime`, packet time in milliseconds (RFC 8866 §6.4).
    Ptime(u32),
    /// `a=maxptime`, maximum packet time in milliseconds (RFC 8866 §6.5).
    MaxPtime(u32),
    /// `a=sendrecv`, `a=sendonly`, `a=recvonly` or `a=inactive` (RFC 8866 §6.7).
    Direction(Direction),
    /// `a=rtcp` (RFC 3605 §2.1).
    Rtcp(Rtcp),
    /// `a=rtcp-mux`, RTP and RTCP on one port (RFC 5761 §5.1.1).
    RtcpMux,
    /// Any other attribute, verbatim: `a=<name>` (property) or `a=<name>:<value>`.
    Other {
        /// The attribute name (text before the first `:`).
        name: String,
        /// The value (text after the first `:`), `None` for a property attribute.
        value: Option<String>,
    },
}

impl Rtcp {
    /// Parses an `rtcp` attribute value (RFC 3605 §2.1).
    fn parse(value: &str) -> Option<Rtcp> {
        let (port, rest) = lex::split_word(value.trim_matches([' ', '\t']));
        let port = lex::digits(port)?;
        let connection = match rest {
            "" => None,
            rest => Some(Connection::parse(rest)?),
        };
        Some(Rtcp { port, connection })
    }
}

impl Attribute {
    /// Builds an attribute kept verbatim (RFC 8866 §5.13).
    pub fn other(name: impl Into<String>, value: Option<&str>) -> Attribute {
        Attribute::Other {
            name: name.into(),
            value: value.map(str::to_owned),
        }
    }

    /// The attribute name (RFC 8866 §5.13 `att-field`).
    pub fn name(&self) -> &str {
        match self {
            Attribute::RtpMap(_) => "rtpmap",
            Attribute::Fmtp(_) => "fmtp",
            Attribute::Ptime(_) => "ptime",
            Attribute::MaxPtime(_) => "maxptime",
            Attribute::Direction(d) => d.as_str(),
            Attribute::Rtcp(_) => "rtcp",
            Attribute::RtcpMux => "rtcp-mux",
            Attribute::Other { name, .. } => name,
        }
    }

    /// Parses the text after `a=`; `None` when the name is empty (RFC 8866 §5.13). Trailing
    /// blanks after a property attribute name are tolerated for the typed views.
    pub(crate) fn parse(text: &str) -> Option<Attribute> {
        let (name, value) = match text.split_once(':') {
            Some((name, value)) => (name, Some(value)),
            None => (text, None),
        };
        if name.is_empty() {
            return None;
        }
        let typed = match (name, value) {
            ("rtpmap", Some(v)) => RtpMap::parse(v).map(Attribute::RtpMap),
            ("fmtp", Some(v)) => Fmtp::parse(v).map(Attribute::Fmtp),
            ("ptime", Some(v)) => lex::digits(v.trim()).map(Attribute::Ptime),
            ("maxptime", Some(v)) => lex::digits(v.trim()).map(Attribute::MaxPtime),
            ("rtcp", Some(v)) => Rtcp::parse(v).map(Attribute::Rtcp),
            (name, None) if name.trim_end() == "rtcp-mux" => Some(Attribute::RtcpMux),
            (name, None) => Direction::from_name(name.trim_end()).map(Attribute::Direction),
            _ => None,
        };
        Some(typed.unwrap_or_else(|| Attribute::other(name, value)))
    }
}

/// The last direction attribute in `attributes`, if any (RFC 8866 §6.7).
pub(crate) fn direction_in(attributes: &[Attribute]) -> Option<Direction> {
    attributes.iter().rev().find_map(|a| match a {
        Attribute::Direction(d) => Some(*d),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payload::PayloadType;

    #[test]
    fn typed_attributes() {
        assert_eq!(Attribute::parse("ptime:20"), Some(Attribute::Ptime(20)));
        assert_eq!(
            Attribute::parse("maxptime:150"),
            Some(Attribute::MaxPtime(150))
        );
        assert_eq!(Attribute::parse("rtcp-mux"), Some(Attribute::RtcpMux));
        assert_eq!(
            Attribute::parse("recvonly \t"),
            Some(Attribute::Direction(Direction::RecvOnly))
        );
        assert_eq!(
            Attribute::parse("sendonly"),
            Some(Attribute::Direction(Direction::SendOnly))
        );
        let a = Attribute::parse("rtpmap:101 telephone-event/8000");
        assert!(matches!(a, Some(Attribute::RtpMap(m)) if m.codec.is_telephone_event()));
        let a = Attribute::parse("fmtp:101 0-16");
        assert!(
            matches!(a, Some(Attribute::Fmtp(f)) if f.payload_type == PayloadType::new(101).unwrap_or(PayloadType::PCMU))
        );
    }

    #[test]
    fn rfc3605_s2_1_rtcp() {
        let a = Attribute::parse("rtcp:53020");
        assert_eq!(
            a,
            Some(Attribute::Rtcp(Rtcp {
                port: 53020,
                connection: None
            }))
        );
        let a = Attribute::parse("rtcp:53020 IN IP4 126.16.64.4");
        assert!(matches!(
            a,
            Some(Attribute::Rtcp(Rtcp {
                port: 53020,
                connection: Some(_)
            }))
        ));
        let a = Attribute::parse("rtcp:9 IN IP6 ::");
        assert!(
            matches!(a, Some(Attribute::Rtcp(Rtcp { port: 9, connection: Some(c) })) if c.is_unspecified())
        );
    }

    #[test]
    fn rfc8866_s5_13_unknown_or_malformed_kept_verbatim() {
        let cases = [
            ("ptime:20.5", "ptime", Some("20.5")),
            ("rtcp:x", "rtcp", Some("x")),
            ("sendrecv:1", "sendrecv", Some("1")),
            ("rtpmap:abc", "rtpmap", Some("abc")),
            ("ice-ufrag:F7gI", "ice-ufrag", Some("F7gI")),
            (
                "candidate:1 1 UDP 2130706431 10.0.1.1 8998 typ host",
                "candidate",
                Some("1 1 UDP 2130706431 10.0.1.1 8998 typ host"),
            ),
            ("X-nat:0", "X-nat", Some("0")),
            ("foo:", "foo", Some("")),
            ("SENDONLY", "SENDONLY", None),
        ];
        for (text, name, value) in cases {
            assert_eq!(
                Attribute::parse(text),
                Some(Attribute::other(name, value)),
                "{text}"
            );
        }
        assert_eq!(Attribute::parse(""), None);
        assert_eq!(Attribute::parse(":x"), None);
    }

    #[test]
    fn last_direction_wins() {
        let attrs = [
            Attribute::Direction(Direction::SendOnly),
            Attribute::RtcpMux,
            Attribute::Direction(Direction::Inactive),
        ];
        assert_eq!(direction_in(&attrs), Some(Direction::Inactive));
        assert_eq!(direction_in(&[]), None);
    }
}
