//! Connection data `c=<nettype> <addrtype> <connection-address>` (RFC 8866 §5.7) and the
//! network/address types shared with `o=` (RFC 8866 §5.2).
//!
//! Invariants: `ttl` is only set for `IP4` (RFC 8866 §5.7: IPv6 multicast has no TTL) and
//! `count` only when the address type is `IP4` or `IP6`, with `ttl` present for `IP4`;
//! an [`Address::Name`] of an `IP4`/`IP6` connection holds no `/`. The parser only builds
//! values that keep these, so printing and parsing again gives the same value.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::lex;

/// Network type (RFC 8866 §5.2 `<nettype>`); only `IN` is defined.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum NetType {
    /// `IN`, the Internet.
    In,
    /// Any other registered token, kept verbatim.
    Other(String),
}

/// Address type (RFC 8866 §5.2 `<addrtype>`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum AddrType {
    /// `IP4`.
    Ip4,
    /// `IP6`.
    Ip6,
    /// Any other token, kept verbatim.
    Other(String),
}

/// A unicast or multicast address, or a host name (RFC 8866 §5.2, §5.7, §9 `FQDN`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Address {
    /// A literal IPv4 or IPv6 address.
    Ip(IpAddr),
    /// A fully qualified domain name, or the verbatim address of an unknown address type.
    Name(String),
}

/// A `c=` line (RFC 8866 §5.7).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Connection {
    /// Network type, `IN` in practice.
    pub net_type: NetType,
    /// Address type.
    pub addr_type: AddrType,
    /// The base address.
    pub address: Address,
    /// IPv4 multicast TTL (`/ttl`, RFC 8866 §5.7).
    pub ttl: Option<u8>,
    /// Number of consecutive multicast addresses (`/<number of addresses>`).
    pub count: Option<u32>,
}

impl NetType {
    /// Parses a `<nettype>` token (RFC 8866 §5.2).
    pub(crate) fn parse(s: &str) -> Option<NetType> {
        match s {
            "IN" => Some(NetType::In),
            _ if lex::is_token(s) => Some(NetType::Other(s.to_owned())),
            _ => None,
        }
    }
}

impl AddrType {
    /// Parses an `<addrtype>` token (RFC 8866 §5.2).
    pub(crate) fn parse(s: &str) -> Option<AddrType> {
        match s {
            "IP4" => Some(AddrType::Ip4),
            "IP6" => Some(AddrType::Ip6),
            _ if lex::is_token(s) => Some(AddrType::Other(s.to_owned())),
            _ => None,
        }
    }

    /// The address type of a literal address.
    pub fn of(ip: IpAddr) -> AddrType {
        match ip {
            IpAddr::V4(_) => AddrType::Ip4,
            IpAddr::V6(_) => AddrType::Ip6,
        }
    }
}

impl Address {
    /// Parses an address of `addr_type` without any `/` suffix (RFC 8866 §9
    /// `unicast-address`, `IP4-address`, `IP6-address`, `FQDN`); a literal of the wrong
    /// family is rejected.
    pub(crate) fn parse(addr_type: &AddrType, s: &str) -> Option<Address> {
        match addr_type {
            AddrType::Ip4 | AddrType::Ip6 => {
                if let Ok(ip) = s.parse::<IpAddr>() {
                    return (AddrType::of(ip) == *addr_type).then_some(Address::Ip(ip));
                }
                (lex::is_non_ws(s) && !s.contains(['/', ':'])).then(|| Address::Name(s.to_owned()))
            }
            AddrType::Other(_) => lex::is_non_ws(s).then(|| Address::Name(s.to_owned())),
        }
    }

    /// The literal IP address, if this is one.
    pub fn ip(&self) -> Option<IpAddr> {
        match self {
            Address::Ip(ip) => Some(*ip),
            Address::Name(_) => None,
        }
    }
}

impl Connection {
    /// A unicast `c=IN IP4|IP6 <ip>` line (RFC 8866 §5.7).
    pub fn new(ip: IpAddr) -> Connection {
        Connection {
            net_type: NetType::In,
            addr_type: AddrType::of(ip),
            address: Address::Ip(ip),
            ttl: None,
            count: None,
        }
    }

    /// Parses the value of a `c=` line, including the multicast forms
    /// `<addr>/<ttl>[/<n>]` (IP4) and `<addr>/<n>` (IP6) of RFC 8866 §5.7.
    pub(crate) fn parse(value: &str) -> Option<Connection> {
        let mut it = lex::fields(value);
        let (net, addr_type, addr) = (it.next()?, it.next()?, it.next()?);
        if it.next().is_some() {
            return None;
        }
        let net_type = NetType::parse(net)?;
        let addr_type = AddrType::parse(addr_type)?;
        if let AddrType::Other(_) = addr_type {
            let address = Address::parse(&addr_type, addr)?;
            return Some(Connection {
                net_type,
                addr_type,
                address,
                ttl: None,
                count: None,
            });
        }
        let mut parts = addr.split('/');
        let address = Address::parse(&addr_type, parts.next()?)?;
        let first = parts.next().map(lex::digits::<u32>);
        let second = parts.next().map(lex::digits::<u32>);
        if parts.next().is_some() {
            return None;
        }
        let (ttl, count) = match (&addr_type, first, second) {
            (_, None, _) => (None, None),
            (AddrType::Ip4, Some(ttl), second) => {
                let ttl = u8::try_from(ttl?).ok()?;
                let count = match second {
                    None => None,
                    Some(count) => Some(count.filter(|&c| c > 0)?),
                };
                (Some(ttl), count)
            }
            (_, Some(count), None) => (None, Some(count.filter(|&c| c > 0)?)),
            (_, Some(_), Some(_)) => return None,
        };
        Some(Connection {
            net_type,
            addr_type,
            address,
            ttl,
            count,
        })
    }

    /// The literal IP address, if the connection address is one.
    pub fn ip(&self) -> Option<IpAddr> {
        self.address.ip()
    }

    /// Whether the address is `0.0.0.0` or `::`: the RFC 2543 hold form, which
    /// RFC 3264 §8.4 still requires answerers to understand.
    pub fn is_unspecified(&self) -> bool {
        self.ip().is_some_and(|ip| ip.is_unspecified())
    }

    /// Whether this is a multicast connection (a TTL or count is given, or the address is a
    /// multicast literal; RFC 8866 §5.7).
    pub fn is_multicast(&self) -> bool {
        self.ttl.is_some() || self.count.is_some() || self.ip().is_some_and(|ip| ip.is_multicast())
    }
}

impl Default for Connection {
    /// `c=IN IP4 0.0.0.0`, the unspecified address (RFC 3264 §8.4).
    fn default() -> Connection {
        Connection::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
    }
}

impl From<Ipv6Addr> for Connection {
    /// `c=IN IP6 <ip>` (RFC 8866 §5.7).
    fn from(ip: Ipv6Addr) -> Connection {
        Connection::new(IpAddr::V6(ip))
    }
}

impl From<Ipv4Addr> for Connection {
    /// `c=IN IP4 <ip>` (RFC 8866 §5.7).
    fn from(ip: Ipv4Addr) -> Connection {
        Connection::new(IpAddr::V4(ip))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unicast_ip4_and_ip6() {
        let c = Connection::parse("IN IP4 192.0.2.10");
        assert_eq!(c, Some(Connection::from(Ipv4Addr::new(192, 0, 2, 10))));
        let c = Connection::parse("IN IP6 2001:db8::1");
        assert_eq!(
            c,
            Some(Connection::from(Ipv6Addr::new(
                0x2001, 0xdb8, 0, 0, 0, 0, 0, 1
            )))
        );
    }

    #[test]
    fn rfc8866_s5_7_multicast_forms() {
        let c = Connection::parse("IN IP4 224.2.1.1/127/3");
        let c = c.as_ref();
        assert_eq!(c.and_then(|c| c.ttl), Some(127));
        assert_eq!(c.and_then(|c| c.count), Some(3));
        assert!(c.is_some_and(Connection::is_multicast));
        let c = Connection::parse("IN IP4 224.2.1.1/127");
        assert_eq!(c.as_ref().and_then(|c| c.ttl), Some(127));
        let c = Connection::parse("IN IP6 ff15::101/3");
        assert_eq!(c.as_ref().and_then(|c| c.count), Some(3));
        assert_eq!(c.as_ref().and_then(|c| c.ttl), None);
    }

    #[test]
    fn malformed_connections_are_rejected() {
        for bad in [
            "IN IP4",
            "IN IP4 1.2.3.4 extra",
            "IN IP4 224.2.1.1/300",
            "IN IP4 224.2.1.1/1/2/3",
            "IN IP4 224.2.1.1/x",
            "IN IP4 224.2.1.1/1/0",
            "IN IP6 ff15::101/3/4",
            "IN IP4 2001:db8::1",
            "IN IP6 192.0.2.1",
            "IN IP4 ",
            "IN@ IP4 1.2.3.4",
        ] {
            assert_eq!(Connection::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn names_and_other_types() {
        let c = Connection::parse("IN IP4 media.example.com");
        assert_eq!(
            c.map(|c| c.address),
            Some(Address::Name("media.example.com".into()))
        );
        let c = Connection::parse("TN RFC2543 +1-555-0100/x");
        assert_eq!(
            c.map(|c| (c.net_type, c.addr_type, c.address)),
            Some((
                NetType::Other("TN".into()),
                AddrType::Other("RFC2543".into()),
                Address::Name("+1-555-0100/x".into())
            ))
        );
    }

    #[test]
    fn rfc3264_s8_4_unspecified_address() {
        assert!(Connection::default().is_unspecified());
        assert!(Connection::from(Ipv6Addr::UNSPECIFIED).is_unspecified());
        assert!(!Connection::from(Ipv4Addr::LOCALHOST).is_unspecified());
    }
}
