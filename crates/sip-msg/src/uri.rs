//! SIP, SIPS and other URIs (RFC 3261 §19.1, §25.1 `SIP-URI`, `absoluteURI`; RFC 3966 `tel`
//! kept opaque; RFC 5954 IPv6 references).
//!
//! Invariants: `user`, `password`, parameter values and header values keep their
//! %-escapes exactly as received; hosts are normalised by [`Host`]; `Display` output parses
//! back to an equal `Uri`. For `Scheme::Tel`/`Scheme::Other` the whole part after the colon
//! is in `user` and `host` is `Host::Domain("")`.

use std::fmt;
use std::str::FromStr;

use crate::header::params::{parse_uri_params, Params};
use crate::host::{parse_hostport, Host};

/// URI scheme (RFC 3261 §19.1, §25.1 `scheme`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scheme {
    /// `sip:` (RFC 3261 §19.1).
    Sip,
    /// `sips:` (RFC 3261 §19.1).
    Sips,
    /// `tel:` (RFC 3966), kept opaque.
    Tel,
    /// Any other scheme, spelled as received, kept opaque.
    Other(String),
}

impl Scheme {
    /// The scheme name as printed.
    pub fn as_str(&self) -> &str {
        match self {
            Scheme::Sip => "sip",
            Scheme::Sips => "sips",
            Scheme::Tel => "tel",
            Scheme::Other(s) => s,
        }
    }
}

/// A URI as used in the Request-URI and in name-addr headers (RFC 3261 §19.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Uri {
    /// Scheme.
    pub scheme: Scheme,
    /// User part, still %-escaped as received; for opaque schemes the whole opaque part.
    pub user: Option<String>,
    /// Password part (RFC 3261 §19.1.1; its use is NOT RECOMMENDED), still escaped.
    pub password: Option<String>,
    /// Host.
    pub host: Host,
    /// Port, if given.
    pub port: Option<u16>,
    /// URI parameters (RFC 3261 §19.1.1), values as received.
    pub params: Params,
    /// URI headers `?name=value&...` (RFC 3261 §19.1.1), as received.
    pub headers: Vec<(String, String)>,
}

/// The text is not a URI this crate accepts (RFC 3261 §19.1, §25.1).
#[derive(Debug, thiserror::Error, PartialEq, Eq, Clone)]
#[error("invalid URI")]
pub struct InvalidUri;

impl Uri {
    /// Value of URI parameter `name` (case-insensitive): `None` if absent, `Some(None)` for a
    /// flag such as `;lr` (RFC 3261 §19.1.1).
    pub fn param(&self, name: &str) -> Option<Option<&str>> {
        self.params.get(name)
    }

    /// The `transport` URI parameter value, if any (RFC 3261 §19.1.1).
    pub fn transport(&self) -> Option<&str> {
        self.param("transport").flatten()
    }

    /// Builds a `sip:` URI with only a user and host (RFC 3261 §19.1.1).
    pub fn sip(user: Option<&str>, host: Host, port: Option<u16>) -> Uri {
        Uri {
            scheme: Scheme::Sip,
            user: user.map(str::to_owned),
            password: None,
            host,
            port,
            params: Params::default(),
            headers: Vec::new(),
        }
    }
}

/// Characters allowed anywhere in a URI as this crate accepts it: visible ASCII except the
/// delimiters that can never appear unescaped in `SIP-URI` or `absoluteURI` (RFC 3261 §25.1).
fn is_uri_byte(b: u8) -> bool {
    b.is_ascii_graphic()
        && !matches!(
            b,
            b'"' | b'<' | b'>' | b'\\' | b'^' | b'`' | b'{' | b'|' | b'}'
        )
}

/// RFC 3261 §25.1 `scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )`.
fn is_scheme(s: &str) -> bool {
    let mut b = s.bytes();
    matches!(b.next(), Some(c) if c.is_ascii_alphabetic())
        && b.all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.'))
}

impl FromStr for Uri {
    type Err = InvalidUri;

    /// Parses `SIP-URI`, `SIPS-URI` or an opaque `absoluteURI` (RFC 3261 §25.1).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (scheme, rest) = s.split_once(':').ok_or(InvalidUri)?;
        if !is_scheme(scheme) || rest.is_empty() || !rest.bytes().all(is_uri_byte) {
            return Err(InvalidUri);
        }
        let scheme = if scheme.eq_ignore_ascii_case("sip") {
            Scheme::Sip
        } else if scheme.eq_ignore_ascii_case("sips") {
            Scheme::Sips
        } else if scheme.eq_ignore_ascii_case("tel") {
            Scheme::Tel
        } else {
            Scheme::Other(scheme.to_owned())
        };
        if !matches!(scheme, Scheme::Sip | Scheme::Sips) {
            return Ok(Uri {
                scheme,
                user: Some(rest.to_owned()),
                password: None,
                host: Host::Domain(String::new()),
                port: None,
                params: Params::default(),
                headers: Vec::new(),
            });
        }
        let (userinfo, hostpart) = match rest.split_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, rest),
        };
        let (user, password) = match userinfo {
            None => (None, None),
            Some(u) => {
                let (user, pw) = match u.split_once(':') {
                    Some((user, pw)) => (user, Some(pw.to_owned())),
                    None => (u, None),
                };
                if user.is_empty() {
                    return Err(InvalidUri);
                }
                (Some(user.to_owned()), pw)
            }
        };
        let (before_headers, headers) = match hostpart.split_once('?') {
            Some((b, h)) => (b, Some(h)),
            None => (hostpart, None),
        };
        let (hostport, params) = match before_headers.split_once(';') {
            Some((hp, p)) => (hp, parse_uri_params(p).ok_or(InvalidUri)?),
            None => (before_headers, Params::default()),
        };
        let (host, port) = parse_hostport(hostport).map_err(|_| InvalidUri)?;
        let headers = match headers {
            None => Vec::new(),
            Some(h) => h
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((n, v)) if !n.is_empty() => Ok((n.to_owned(), v.to_owned())),
                    _ => Err(InvalidUri),
                })
                .collect::<Result<_, _>>()?,
        };
        Ok(Uri {
            scheme,
            user,
            password,
            host,
            port,
            params,
            headers,
        })
    }
}

impl fmt::Display for Uri {
    /// Prints the URI (RFC 3261 §19.1.1 component order).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.scheme.as_str())?;
        f.write_str(":")?;
        if !matches!(self.scheme, Scheme::Sip | Scheme::Sips) {
            return f.write_str(self.user.as_deref().unwrap_or(""));
        }
        if let Some(user) = &self.user {
            f.write_str(user)?;
            if let Some(pw) = &self.password {
                write!(f, ":{pw}")?;
            }
            f.write_str("@")?;
        }
        write!(f, "{}", self.host)?;
        if let Some(port) = self.port {
            write!(f, ":{port}")?;
        }
        self.params.write_uri(f)?;
        for (i, (n, v)) in self.headers.iter().enumerate() {
            f.write_str(if i == 0 { "?" } else { "&" })?;
            write!(f, "{n}={v}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{Ipv4Addr, Ipv6Addr};

    #[test]
    fn sip_uri_full() {
        let u: Uri = "SIP:alice:secret@Atlanta.COM:5061;transport=TCP;lr?Subject=x&h="
            .parse()
            .unwrap();
        assert_eq!(u.scheme, Scheme::Sip);
        assert_eq!(u.user.as_deref(), Some("alice"));
        assert_eq!(u.password.as_deref(), Some("secret"));
        assert_eq!(u.host, Host::Domain("atlanta.com".into()));
        assert_eq!(u.port, Some(5061));
        assert_eq!(u.transport(), Some("TCP"));
        assert_eq!(u.param("LR"), Some(None));
        assert_eq!(
            u.headers,
            vec![("Subject".into(), "x".into()), ("h".into(), String::new())]
        );
        assert_eq!(
            u.to_string(),
            "sip:alice:secret@atlanta.com:5061;transport=TCP;lr?Subject=x&h="
        );
        assert_eq!(u.to_string().parse::<Uri>(), Ok(u));
    }

    #[test]
    fn ipv6_and_v4() {
        let u: Uri = "sips:[2001:db8::1]:5061".parse().unwrap();
        assert_eq!(u.scheme, Scheme::Sips);
        assert_eq!(u.host, Host::V6("2001:db8::1".parse::<Ipv6Addr>().unwrap()));
        assert_eq!(u.port, Some(5061));
        assert_eq!(u.to_string(), "sips:[2001:db8::1]:5061");
        let u: Uri = "sip:1000@127.0.0.1:5172;transport=udp".parse().unwrap();
        assert_eq!(u.host, Host::V4(Ipv4Addr::LOCALHOST));
        assert_eq!(u.user.as_deref(), Some("1000"));
        assert_eq!(u.transport(), Some("udp"));
    }

    #[test]
    fn escaped_user_kept() {
        let u: Uri = "sip:sips%3Auser%40example.com@example.net".parse().unwrap();
        assert_eq!(u.user.as_deref(), Some("sips%3Auser%40example.com"));
        let u: Uri = "sip:user;par=u%40example.net@example.com".parse().unwrap();
        assert_eq!(u.user.as_deref(), Some("user;par=u%40example.net"));
        assert!(u.params.is_empty());
    }

    #[test]
    fn opaque_schemes() {
        let u: Uri = "tel:+1-201-555-0123;phone-context=x".parse().unwrap();
        assert_eq!(u.scheme, Scheme::Tel);
        assert_eq!(u.user.as_deref(), Some("+1-201-555-0123;phone-context=x"));
        assert_eq!(u.host, Host::Domain(String::new()));
        assert_eq!(u.to_string(), "tel:+1-201-555-0123;phone-context=x");
        let u: Uri = "urn:service:sos".parse().unwrap();
        assert_eq!(u.scheme, Scheme::Other("urn".into()));
        assert_eq!(u.to_string(), "urn:service:sos");
    }

    #[test]
    fn rejects() {
        for bad in [
            "",
            "sip",
            "sip:",
            "1sip:x",
            "sip:@host",
            "sip:host:99999",
            "sip:ho st",
            "sip:<x>",
            "sip:a@",
            "sip:host;;x",
            "sip:host?a",
            "sip:host?=b",
            "sip:[::1",
            "tel:",
            "sip:a\"b@c",
        ] {
            assert!(bad.parse::<Uri>().is_err(), "{bad}");
        }
    }

    #[test]
    fn constructor() {
        let u = Uri::sip(Some("1000"), Host::Domain("t1.example".into()), None);
        assert_eq!(u.to_string(), "sip:1000@t1.example");
    }
}
