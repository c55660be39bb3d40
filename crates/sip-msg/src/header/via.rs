//! The Via header value (RFC 3261 §20.42, §18.2.1 `received`, RFC 3581 `rport`,
//! RFC 7118 WS/WSS transports).
//!
//! Invariants: only `SIP/2.0` is accepted as the sent-protocol; the transport is one this
//! crate knows; `Display` output parses back to an equal `Via`.

use std::fmt;
use std::str::FromStr;

use crate::header::params::{parse_header_params, Params};
use crate::host::{parse_port, Host};
use crate::lex::{is_token_byte, is_ws, trim_ws, trim_ws_start};

/// Transport of a Via sent-protocol (RFC 3261 §20.42 `transport`, RFC 7118).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Transport {
    /// UDP.
    Udp,
    /// TCP.
    Tcp,
    /// TLS over TCP.
    Tls,
    /// SCTP.
    Sctp,
    /// WebSocket (RFC 7118).
    Ws,
    /// Secure WebSocket (RFC 7118).
    Wss,
}

impl Transport {
    /// The upper-case token used in Via (RFC 3261 §20.42).
    pub fn as_str(&self) -> &'static str {
        match self {
            Transport::Udp => "UDP",
            Transport::Tcp => "TCP",
            Transport::Tls => "TLS",
            Transport::Sctp => "SCTP",
            Transport::Ws => "WS",
            Transport::Wss => "WSS",
        }
    }
}

/// The transport token is not one this crate knows.
#[derive(Debug, thiserror::Error, PartialEq, Eq, Clone)]
#[error("unknown transport")]
pub struct UnknownTransport;

impl FromStr for Transport {
    type Err = UnknownTransport;

    /// Parses a transport token case-insensitively (RFC 3261 §7.3.1).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [
            Transport::Udp,
            Transport::Tcp,
            Transport::Tls,
            Transport::Sctp,
            Transport::Ws,
            Transport::Wss,
        ]
        .into_iter()
        .find(|t| t.as_str().eq_ignore_ascii_case(s))
        .ok_or(UnknownTransport)
    }
}

impl fmt::Display for Transport {
    /// Prints the upper-case token ("UDP").
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One via-parm (RFC 3261 §20.42): sent-protocol, sent-by and parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Via {
    /// Transport from `SIP/2.0/<transport>`.
    pub transport: Transport,
    /// sent-by host.
    pub host: Host,
    /// sent-by port, if given.
    pub port: Option<u16>,
    /// via-params (branch, received, rport, maddr, ttl, extensions), in order.
    pub params: Params,
}

impl Via {
    /// The `branch` parameter value (RFC 3261 §8.1.1.7).
    pub fn branch(&self) -> Option<&str> {
        self.params.get("branch").flatten()
    }

    /// The `received` parameter value (RFC 3261 §18.2.1).
    pub fn received(&self) -> Option<&str> {
        self.params.get("received").flatten()
    }

    /// The `rport` parameter (RFC 3581 §3): `None` if absent, `Some(None)` for a bare
    /// `;rport` (or a value that is not a port), `Some(Some(p))` once filled in.
    pub fn rport(&self) -> Option<Option<u16>> {
        self.params.get("rport").map(|v| v.and_then(parse_port))
    }
}

/// The text is not a via-parm (RFC 3261 §20.42).
#[derive(Debug, thiserror::Error, PartialEq, Eq, Clone)]
#[error("invalid Via")]
pub struct InvalidVia;

/// Splits a token off the start of `s`.
fn take_token(s: &str) -> (&str, &str) {
    let n = s.bytes().take_while(|&b| is_token_byte(b)).count();
    s.split_at(n)
}

/// Consumes `SWS "/" SWS` (RFC 3261 §25.1 `SLASH`).
fn slash(s: &str) -> Result<&str, InvalidVia> {
    trim_ws_start(s)
        .strip_prefix('/')
        .map(trim_ws_start)
        .ok_or(InvalidVia)
}

impl FromStr for Via {
    type Err = InvalidVia;

    /// Parses one via-parm: `SIP / 2.0 / transport LWS sent-by *( SEMI via-params )`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = trim_ws(s);
        let (name, rest) = take_token(s);
        if !name.eq_ignore_ascii_case("SIP") {
            return Err(InvalidVia);
        }
        let (version, rest) = take_token(slash(rest)?);
        if version != "2.0" {
            return Err(InvalidVia);
        }
        let (transport, rest) = take_token(slash(rest)?);
        let transport = transport.parse().map_err(|_| InvalidVia)?;
        if !rest.bytes().next().is_some_and(is_ws) {
            return Err(InvalidVia);
        }
        let rest = trim_ws_start(rest);
        let host_len = if rest.starts_with('[') {
            rest.find(']').ok_or(InvalidVia)? + 1
        } else {
            rest.bytes()
                .take_while(|&b| !is_ws(b) && b != b';' && b != b':')
                .count()
        };
        let (host, rest) = rest.split_at(host_len);
        let host: Host = host.parse().map_err(|_| InvalidVia)?;
        let rest = trim_ws_start(rest);
        let (port, rest) = match rest.strip_prefix(':') {
            Some(p) => {
                let p = trim_ws_start(p);
                let n = p.bytes().take_while(u8::is_ascii_digit).count();
                let (digits, rest) = p.split_at(n);
                (Some(parse_port(digits).ok_or(InvalidVia)?), rest)
            }
            None => (None, rest),
        };
        let (params, rest) = parse_header_params(rest).ok_or(InvalidVia)?;
        if !trim_ws(rest).is_empty() {
            return Err(InvalidVia);
        }
        Ok(Via {
            transport,
            host,
            port,
            params,
        })
    }
}

impl fmt::Display for Via {
    /// Prints `SIP/2.0/UDP host[:port];params`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SIP/2.0/{} {}", self.transport, self.host)?;
        if let Some(p) = self.port {
            write!(f, ":{p}")?;
        }
        write!(f, "{}", self.params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{Ipv4Addr, Ipv6Addr};

    #[test]
    fn sipp_via() {
        let v: Via = "SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bK-1;rport"
            .parse()
            .unwrap();
        assert_eq!(v.transport, Transport::Udp);
        assert_eq!(v.host, Host::V4(Ipv4Addr::LOCALHOST));
        assert_eq!(v.port, Some(5062));
        assert_eq!(v.branch(), Some("z9hG4bK-1"));
        assert_eq!(v.rport(), Some(None));
        assert_eq!(v.received(), None);
        assert_eq!(
            v.to_string(),
            "SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bK-1;rport"
        );
    }

    #[test]
    fn spaced_and_ipv6() {
        let v: Via = "SIP / 2.0 / tcp  [2001:db8::9] : 5070 ; branch = z9hG4bKx ; received=2001:db8::1 ; rport=5071"
            .parse()
            .unwrap();
        assert_eq!(v.transport, Transport::Tcp);
        assert_eq!(v.host, Host::V6("2001:db8::9".parse::<Ipv6Addr>().unwrap()));
        assert_eq!(v.port, Some(5070));
        assert_eq!(v.received(), Some("2001:db8::1"));
        assert_eq!(v.rport(), Some(Some(5071)));
        assert_eq!(v.to_string().parse::<Via>(), Ok(v.clone()));
        assert_eq!(
            v.to_string(),
            "SIP/2.0/TCP [2001:db8::9]:5070;branch=z9hG4bKx;received=2001:db8::1;rport=5071"
        );
    }

    #[test]
    fn transports() {
        for t in ["udp", "TCP", "Tls", "SCTP", "ws", "WSS"] {
            let p: Transport = t.parse().unwrap();
            assert!(p.to_string().eq_ignore_ascii_case(t));
        }
        assert!("UNKNOWN".parse::<Transport>().is_err());
    }

    #[test]
    fn rejects() {
        for bad in [
            "",
            "SIP/2.0/UDP",
            "SIP/2.0/UDP ",
            "SIP/3.0/UDP h",
            "SIP/2.0/FOO h",
            "SIP/2.0/UDPh",
            "SIP/2.0/UDP h:",
            "SIP/2.0/UDP h:70000",
            "SIP/2.0/UDP h;",
            "SIP/2.0/UDP h junk",
            "SIP/2.0/UDP [::1",
            "HTTP/2.0/UDP h",
        ] {
            assert!(bad.parse::<Via>().is_err(), "{bad:?}");
        }
    }
}
