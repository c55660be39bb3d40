//! SIP trunk configuration values: trunk names, carrier hosts, transports, SIP user parts,
//! trunk secrets and codec lists (RFC 3261 §19.1.1 URI parts, §18 transports; seed 000
//! §4.5.2 `sip_trunks`).
//!
//! Invariants: a [`TrunkName`] is 1..=32 of `[a-z0-9_-]`; a [`TrunkHost`] is a lower-cased
//! host name or an IP address literal (no port, no brackets); a [`SipUser`] holds only RFC
//! 3261 §25.1 `user` characters (unreserved, user-unreserved, no escapes); a [`TrunkSecret`]
//! is 1..=128 printable characters and never appears in `Debug` or serialized output; a
//! [`CodecList`] is a non-empty list without duplicates of the codecs the media plane
//! relays.

use crate::ModelError;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

/// Identifier of a trunk row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TrunkId(pub i64);

impl fmt::Display for TrunkId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A trunk's name, unique within its tenant: 1..=32 lower-case letters, digits, `_` or
/// `-` (it names the trunk in routes and logs, like Asterisk's peer name).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TrunkName(String);

/// The carrier's SIP server: a host name (RFC 3261 §25.1 `hostname`, lower-cased) or an
/// IPv4/IPv6 address literal, without port.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TrunkHost(String);

/// A SIP URI user part for trunk credentials and From (RFC 3261 §25.1 `user`): 1..=64
/// characters from `unreserved` and `user-unreserved` (no `%` escapes, no `@` or `:`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SipUser(String);

/// The digest password a carrier issued for a trunk: 1..=128 printable characters. Its
/// `Debug` prints `***` and it is not serializable; it is stored only encrypted.
#[derive(Clone, PartialEq, Eq)]
pub struct TrunkSecret(String);

/// Transport used to reach a trunk (RFC 3261 §18; TLS per §26.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TrunkTransport {
    /// UDP (RFC 3261 §18.1.1), the default.
    Udp,
    /// TCP (RFC 3261 §18.1.1).
    Tcp,
    /// TLS over TCP (RFC 3261 §26.2.1).
    Tls,
}

/// A codec a trunk may use, as named in SDP `rtpmap` (RFC 3551 §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Codec {
    /// G.711 A-law, payload type 8 (RFC 3551 §4.5.14).
    #[serde(rename = "PCMA")]
    Pcma,
    /// G.711 µ-law, payload type 0 (RFC 3551 §4.5.14).
    #[serde(rename = "PCMU")]
    Pcmu,
}

/// The codecs allowed on a trunk in order of preference (Asterisk `disallow=all`,
/// `allow=alaw,ulaw`): non-empty, no duplicates; printed as `PCMA,PCMU`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CodecList(Vec<Codec>);

impl TrunkName {
    /// The name as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for TrunkName {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.is_empty() || s.len() > 32 {
            return Err(ModelError::new("name", "must be 1 to 32 characters"));
        }
        let ok = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-';
        if !s.bytes().all(ok) {
            return Err(ModelError::new(
                "name",
                format!("only a-z, 0-9, _ and - are allowed: {s:?}"),
            ));
        }
        Ok(TrunkName(s.to_owned()))
    }
}

impl TrunkHost {
    /// The host as a string slice (an IPv6 address without brackets).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The address, when the host is an IP literal rather than a name.
    pub fn ip(&self) -> Option<IpAddr> {
        self.0.parse().ok()
    }
}

impl FromStr for TrunkHost {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let inner = s
            .strip_prefix('[')
            .and_then(|r| r.strip_suffix(']'))
            .unwrap_or(s);
        if let Ok(ip) = inner.parse::<IpAddr>() {
            return Ok(TrunkHost(ip.to_string()));
        }
        let err = |r: &str| ModelError::new("host", format!("{r}: {s:?}"));
        let d = s.trim_end_matches('.').to_ascii_lowercase();
        if d.is_empty() || d.len() > 253 {
            return Err(err("must be 1 to 253 characters"));
        }
        for label in d.split('.') {
            let ok = label
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
            if label.is_empty() || label.len() > 63 || !ok {
                return Err(err("must be a host name or an IP address"));
            }
        }
        Ok(TrunkHost(d))
    }
}

impl SipUser {
    /// The user part as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for SipUser {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.is_empty() || s.len() > 64 {
            return Err(ModelError::new("username", "must be 1 to 64 characters"));
        }
        // RFC 3261 §25.1: unreserved = alphanum / mark; user-unreserved.
        let ok = |b: u8| b.is_ascii_alphanumeric() || b"-_.!~*'()&=+$,;?/".contains(&b);
        if !s.bytes().all(ok) {
            return Err(ModelError::new(
                "username",
                format!("not a SIP user part: {s:?}"),
            ));
        }
        Ok(SipUser(s.to_owned()))
    }
}

impl TrunkSecret {
    /// The secret text, for computing digest responses and encrypting it only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl FromStr for TrunkSecret {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let n = s.chars().count();
        if !(1..=128).contains(&n) {
            return Err(ModelError::new("secret", "must be 1 to 128 characters"));
        }
        if s.chars().any(char::is_control) {
            return Err(ModelError::new(
                "secret",
                "must not contain control characters",
            ));
        }
        Ok(TrunkSecret(s.to_owned()))
    }
}

impl fmt::Debug for TrunkSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TrunkSecret(***)")
    }
}

impl TrunkTransport {
    /// The lower-case name used in configuration: `udp`, `tcp` or `tls`.
    pub fn as_str(self) -> &'static str {
        match self {
            TrunkTransport::Udp => "udp",
            TrunkTransport::Tcp => "tcp",
            TrunkTransport::Tls => "tls",
        }
    }

    /// The port used when none is configured (RFC 3261 §19.1.2: 5060, 5061 for TLS).
    pub fn default_port(self) -> u16 {
        match self {
            TrunkTransport::Tls => 5061,
            TrunkTransport::Udp | TrunkTransport::Tcp => 5060,
        }
    }
}

impl FromStr for TrunkTransport {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "udp" => Ok(TrunkTransport::Udp),
            "tcp" => Ok(TrunkTransport::Tcp),
            "tls" => Ok(TrunkTransport::Tls),
            _ => Err(ModelError::new(
                "transport",
                format!("expected udp, tcp or tls, not {s:?}"),
            )),
        }
    }
}

impl fmt::Display for TrunkTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Codec {
    /// The SDP encoding name (RFC 3551 §6): `PCMA` or `PCMU`.
    pub fn as_str(self) -> &'static str {
        match self {
            Codec::Pcma => "PCMA",
            Codec::Pcmu => "PCMU",
        }
    }
}

impl FromStr for Codec {
    type Err = ModelError;
    /// Accepts the SDP names and Asterisk's `alaw`/`ulaw`, any case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "pcma" | "alaw" => Ok(Codec::Pcma),
            "pcmu" | "ulaw" => Ok(Codec::Pcmu),
            _ => Err(ModelError::new(
                "codecs",
                format!("unknown codec {s:?} (use PCMA, PCMU)"),
            )),
        }
    }
}

impl CodecList {
    /// The codecs in order of preference.
    pub fn codecs(&self) -> &[Codec] {
        &self.0
    }
}

impl Default for CodecList {
    /// `PCMA,PCMU`, the seed's `allow=alaw,ulaw`.
    fn default() -> Self {
        CodecList(vec![Codec::Pcma, Codec::Pcmu])
    }
}

impl FromStr for CodecList {
    type Err = ModelError;
    /// Parses a comma-separated list such as `PCMA,PCMU`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut list = Vec::new();
        for name in s.split(',') {
            let codec: Codec = name.parse()?;
            if list.contains(&codec) {
                return Err(ModelError::new(
                    "codecs",
                    format!("{} listed twice", codec.as_str()),
                ));
            }
            list.push(codec);
        }
        Ok(CodecList(list))
    }
}

impl fmt::Display for CodecList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, c) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            f.write_str(c.as_str())?;
        }
        Ok(())
    }
}

macro_rules! string_conversions {
    ($t:ident) => {
        impl TryFrom<String> for $t {
            type Error = ModelError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                s.parse()
            }
        }
        impl From<$t> for String {
            fn from(v: $t) -> String {
                v.to_string()
            }
        }
    };
}
string_conversions!(TrunkName);
string_conversions!(TrunkHost);
string_conversions!(SipUser);
string_conversions!(CodecList);

macro_rules! display_inner {
    ($t:ident) => {
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}
display_inner!(TrunkName);
display_inner!(TrunkHost);
display_inner!(SipUser);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!("sip-74952345678".parse::<TrunkName>().is_ok());
        assert!("a_b".parse::<TrunkName>().is_ok());
        let e = "Bad Name".parse::<TrunkName>().unwrap_err();
        assert_eq!(e.field, "name");
        assert!("".parse::<TrunkName>().is_err());
        assert!("x".repeat(33).parse::<TrunkName>().is_err());
    }

    #[test]
    fn hosts() {
        assert_eq!(
            "SIP.NewOperator.ru".parse::<TrunkHost>().unwrap().as_str(),
            "sip.newoperator.ru"
        );
        let v6: TrunkHost = "[2001:db8::1]".parse().unwrap();
        assert_eq!(v6.as_str(), "2001:db8::1");
        assert!(v6.ip().is_some());
        assert!("sip.example".parse::<TrunkHost>().unwrap().ip().is_none());
        assert_eq!("a b".parse::<TrunkHost>().unwrap_err().field, "host");
        assert!("host:5060".parse::<TrunkHost>().is_err());
    }

    #[test]
    fn users_secrets_transports_codecs() {
        assert!("74952345678".parse::<SipUser>().is_ok());
        assert_eq!("a@b".parse::<SipUser>().unwrap_err().field, "username");
        let s: TrunkSecret = "sdfsddf^$#$".parse().unwrap();
        assert_eq!(format!("{s:?}"), "TrunkSecret(***)");
        assert_eq!("".parse::<TrunkSecret>().unwrap_err().field, "secret");
        assert_eq!("TLS".parse::<TrunkTransport>(), Ok(TrunkTransport::Tls));
        assert_eq!(TrunkTransport::Tls.default_port(), 5061);
        assert_eq!(
            "sctp".parse::<TrunkTransport>().unwrap_err().field,
            "transport"
        );
        let c: CodecList = "alaw,PCMU".parse().unwrap();
        assert_eq!(c.to_string(), "PCMA,PCMU");
        assert_eq!(c, CodecList::default());
        assert_eq!(
            "PCMA,pcma".parse::<CodecList>().unwrap_err().field,
            "codecs"
        );
        assert!("G729".parse::<CodecList>().is_err());
        assert!("".parse::<CodecList>().is_err());
    }
}
