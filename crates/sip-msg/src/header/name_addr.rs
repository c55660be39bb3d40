//! `name-addr` / `addr-spec` with header parameters, as in From, To, Contact, Route,
//! Record-Route, Path, Refer-To (RFC 3261 §20.10, §20.20, §20.39, §25.1).
//!
//! Invariants: the display name is stored unquoted; in the `addr-spec` form (no `<>`) the
//! parameters after the URI belong to the header, not the URI, and the URI may not contain
//! `,`, `?` or `;` (RFC 3261 §20.10). `Display` always prints `<uri>` and parses back to an
//! equal value.

use std::fmt;
use std::str::FromStr;

use crate::header::params::{parse_header_params, Params};
use crate::lex::{is_token_byte, is_ws, trim_ws, trim_ws_start, unquote, write_quoted};
use crate::uri::Uri;

/// A display name, URI and header parameters (RFC 3261 §25.1 `name-addr` / `addr-spec`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameAddr {
    /// Display name, unquoted and unescaped.
    pub display: Option<String>,
    /// The address.
    pub uri: Uri,
    /// Header parameters (`tag`, `expires`, `q`, ...).
    pub params: Params,
}

impl NameAddr {
    /// Builds a name-addr with no display name and no parameters.
    pub fn new(uri: Uri) -> NameAddr {
        NameAddr {
            display: None,
            uri,
            params: Params::default(),
        }
    }

    /// The `tag` parameter (RFC 3261 §19.3).
    pub fn tag(&self) -> Option<&str> {
        self.params.get("tag").flatten()
    }
}

/// The text is not a `name-addr` or `addr-spec` with parameters (RFC 3261 §25.1).
#[derive(Debug, thiserror::Error, PartialEq, Eq, Clone)]
#[error("invalid name-addr")]
pub struct InvalidNameAddr;

/// A display name in the `*(token LWS)` form: tokens separated by whitespace; non-ASCII
/// UTF-8 is tolerated for interoperability.
fn is_token_display(s: &str) -> bool {
    s.bytes().all(|b| is_token_byte(b) || is_ws(b) || b >= 0x80)
}

/// Splits `<uri>` off the start of `s` (which begins with `<`).
fn angle_uri(s: &str) -> Result<(Uri, &str), InvalidNameAddr> {
    let inner = s.strip_prefix('<').ok_or(InvalidNameAddr)?;
    let (uri, rest) = inner.split_once('>').ok_or(InvalidNameAddr)?;
    Ok((uri.parse().map_err(|_| InvalidNameAddr)?, rest))
}

impl FromStr for NameAddr {
    type Err = InvalidNameAddr;

    /// Parses `( name-addr / addr-spec ) *( SEMI generic-param )`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = trim_ws(s);
        let (display, uri, rest) = if s.starts_with('"') {
            let (display, rest) = unquote(s).ok_or(InvalidNameAddr)?;
            let (uri, rest) = angle_uri(trim_ws_start(rest))?;
            (Some(display), uri, rest)
        } else {
            let stop = s
                .bytes()
                .position(|b| matches!(b, b'<' | b'"' | b';'))
                .unwrap_or(s.len());
            match s.as_bytes().get(stop) {
                Some(b'<') => {
                    let (display, rest) = s.split_at(stop);
                    let display = trim_ws(display);
                    if !is_token_display(display) {
                        return Err(InvalidNameAddr);
                    }
                    let (uri, rest) = angle_uri(rest)?;
                    let display = (!display.is_empty()).then(|| display.to_owned());
                    (display, uri, rest)
                }
                Some(b'"') => return Err(InvalidNameAddr),
                _ => {
                    let (spec, rest) = s.split_at(stop);
                    let spec = trim_ws(spec);
                    if spec.bytes().any(|b| matches!(b, b',' | b'?') || is_ws(b)) {
                        return Err(InvalidNameAddr);
                    }
                    (None, spec.parse().map_err(|_| InvalidNameAddr)?, rest)
                }
            }
        };
        let (params, rest) = parse_header_params(rest).ok_or(InvalidNameAddr)?;
        if !trim_ws(rest).is_empty() {
            return Err(InvalidNameAddr);
        }
        Ok(NameAddr {
            display,
            uri,
            params,
        })
    }
}

impl fmt::Display for NameAddr {
    /// Prints `["display" ]<uri>;params` (the display name always quoted).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(d) = &self.display {
            write_quoted(f, d)?;
            f.write_str(" ")?;
        }
        write!(f, "<{}>{}", self.uri, self.params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Host;

    #[test]
    fn forms() {
        let n: NameAddr = "\"Alice \\\"A\\\"\" <sip:alice@atlanta.com>;tag=1928301774"
            .parse()
            .unwrap();
        assert_eq!(n.display.as_deref(), Some("Alice \"A\""));
        assert_eq!(n.tag(), Some("1928301774"));
        assert_eq!(n.to_string().parse::<NameAddr>(), Ok(n.clone()));

        let n: NameAddr = "Bob  Smith<sip:bob@biloxi.com;transport=tcp> ; tag = x"
            .parse()
            .unwrap();
        assert_eq!(n.display.as_deref(), Some("Bob  Smith"));
        assert_eq!(n.uri.transport(), Some("tcp"));
        assert_eq!(n.tag(), Some("x"));

        let n: NameAddr = "sip:carol@chicago.com;tag=abc;transport=tcp"
            .parse()
            .unwrap();
        assert_eq!(n.display, None);
        assert_eq!(n.uri.host, Host::Domain("chicago.com".into()));
        assert!(n.uri.params.is_empty());
        assert_eq!(n.params.get("transport"), Some(Some("tcp")));
        assert_eq!(
            n.to_string(),
            "<sip:carol@chicago.com>;tag=abc;transport=tcp"
        );

        let n: NameAddr = "<sip:1000@127.0.0.1:5172;transport=udp>".parse().unwrap();
        assert_eq!(n.display, None);
        assert_eq!(n.uri.port, Some(5172));
        assert_eq!(n.to_string(), "<sip:1000@127.0.0.1:5172;transport=udp>");

        let n: NameAddr = "\"\" <sip:x@y>".parse().unwrap();
        assert_eq!(n.display.as_deref(), Some(""));
        assert_eq!(n.to_string(), "\"\" <sip:x@y>");
        assert_eq!(NameAddr::new(n.uri.clone()).to_string(), "<sip:x@y>");
    }

    #[test]
    fn rejects() {
        for bad in [
            "",
            "\"unterminated <sip:a@b>",
            "Bell, Alexander <sip:a.g.bell@bell-tel.com>",
            "<sip:a@b",
            "sip:user@example.com?Route=%3Csip:example.com%3E",
            "sip:a@b, sip:c@d",
            "Bob \"x\" <sip:a@b>",
            "<sip:a@b> junk",
            "<sip:a@b>;",
            "<notauri>",
        ] {
            assert!(bad.parse::<NameAddr>().is_err(), "{bad:?}");
        }
    }
}
