//! Hosts as used in SIP URIs and Via sent-by (RFC 3261 §19.1.1, §25.1 `host`, RFC 5954
//! IPv6 references).
//!
//! Invariants: `Host::Domain` is lower-cased and non-empty when built by `FromStr` (except
//! the empty placeholder used by non-SIP URIs); IPv6 addresses print as `[...]`.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

/// A host: domain name, IPv4 address or IPv6 address (RFC 3261 §25.1 `host`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Host {
    /// A host name, lower-cased (RFC 3261 §19.1.4: host comparison is case-insensitive).
    Domain(String),
    /// An `IPv4address`.
    V4(Ipv4Addr),
    /// An `IPv6reference` (printed with brackets).
    V6(Ipv6Addr),
}

/// The text is not an RFC 3261 §25.1 `host`.
#[derive(Debug, thiserror::Error, PartialEq, Eq, Clone)]
#[error("invalid host")]
pub struct InvalidHost;

/// Characters allowed in a `hostname` (RFC 3261 §25.1; `_` accepted for robustness).
fn is_hostname_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_')
}

impl FromStr for Host {
    type Err = InvalidHost;

    /// Parses `hostname`, `IPv4address` or `IPv6reference`; a bare IPv6 address (as in the
    /// Via `received` parameter, RFC 3261 §20.42) is accepted too.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Some(inner) = s.strip_prefix('[') {
            let inner = inner.strip_suffix(']').ok_or(InvalidHost)?;
            return inner.parse().map(Host::V6).map_err(|_| InvalidHost);
        }
        if s.contains(':') {
            return s.parse().map(Host::V6).map_err(|_| InvalidHost);
        }
        if s.is_empty() || !s.bytes().all(is_hostname_byte) {
            return Err(InvalidHost);
        }
        if let Ok(v4) = s.parse::<Ipv4Addr>() {
            return Ok(Host::V4(v4));
        }
        Ok(Host::Domain(s.to_ascii_lowercase()))
    }
}

impl fmt::Display for Host {
    /// Prints the host; IPv6 as an `IPv6reference` (RFC 3261 §25.1).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Host::Domain(d) => f.write_str(d),
            Host::V4(a) => write!(f, "{a}"),
            Host::V6(a) => write!(f, "[{a}]"),
        }
    }
}

/// Splits `hostport` (RFC 3261 §25.1) into host and optional port.
pub(crate) fn parse_hostport(s: &str) -> Result<(Host, Option<u16>), InvalidHost> {
    let (host, port) = if s.starts_with('[') {
        let close = s.find(']').ok_or(InvalidHost)?;
        let (h, rest) = s.split_at(close + 1);
        match rest {
            "" => (h, None),
            _ => (h, Some(rest.strip_prefix(':').ok_or(InvalidHost)?)),
        }
    } else {
        match s.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (s, None),
        }
    };
    let port = match port {
        Some(p) => Some(parse_port(p).ok_or(InvalidHost)?),
        None => None,
    };
    Ok((host.parse()?, port))
}

/// Parses a `port` (1*DIGIT, at most 65535).
pub(crate) fn parse_port(p: &str) -> Option<u16> {
    if p.is_empty() || p.len() > 5 || !p.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    p.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        assert_eq!(
            "Example.COM".parse(),
            Ok(Host::Domain("example.com".into()))
        );
        assert_eq!("10.0.0.1".parse(), Ok(Host::V4(Ipv4Addr::new(10, 0, 0, 1))));
        assert_eq!("[::1]".parse(), Ok(Host::V6(Ipv6Addr::LOCALHOST)));
        assert_eq!("::1".parse(), Ok(Host::V6(Ipv6Addr::LOCALHOST)));
        assert_eq!("".parse::<Host>(), Err(InvalidHost));
        assert_eq!("a b".parse::<Host>(), Err(InvalidHost));
        assert_eq!("[::1".parse::<Host>(), Err(InvalidHost));
        assert_eq!("[zz]".parse::<Host>(), Err(InvalidHost));
        assert_eq!(Host::V6(Ipv6Addr::LOCALHOST).to_string(), "[::1]");
    }

    #[test]
    fn hostports() {
        assert_eq!(
            parse_hostport("[2001:db8::10]:5070"),
            Ok(("[2001:db8::10]".parse().unwrap(), Some(5070)))
        );
        assert_eq!(
            parse_hostport("h.example:1"),
            Ok((Host::Domain("h.example".into()), Some(1)))
        );
        assert_eq!(
            parse_hostport("h.example"),
            Ok((Host::Domain("h.example".into()), None))
        );
        assert!(parse_hostport("h:").is_err());
        assert!(parse_hostport("h:65536").is_err());
        assert!(parse_hostport("h:1:2").is_err());
        assert!(parse_hostport("[::1]5060").is_err());
        assert!(parse_hostport("[::1]:x").is_err());
    }
}
