//! Digest credentials and challenges: Authorization, Proxy-Authorization, WWW-Authenticate,
//! Proxy-Authenticate, Authentication-Info (RFC 3261 §20.7, §20.27, §20.28, §20.44, §25.1
//! `credentials` / `challenge`; RFC 8760 algorithms; RFC 7616 §3.4 quoting).
//!
//! Invariants: parameter names are lower-cased, values unquoted; `Display` quotes the
//! parameters RFC 3261 defines as `quoted-string` and parses back to an equal value.

use std::fmt;
use std::str::FromStr;

use crate::lex::{is_token, is_token_byte, is_ws, trim_ws, trim_ws_start, unquote, write_quoted};

/// An auth scheme and its `name=value` parameters (RFC 3261 §25.1 `credentials`,
/// `challenge`, `ainfo`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthParams {
    /// Scheme as received, e.g. "Digest"; empty for Authentication-Info, which has none.
    pub scheme: String,
    /// Parameters in order: names lower-cased, values unquoted.
    pub params: Vec<(String, String)>,
}

impl AuthParams {
    /// Value of parameter `name` (case-insensitive).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// True for a challenge (no `response` parameter): there `qop` is a quoted list
    /// (RFC 3261 §20.44), in credentials it is a bare token (RFC 3261 §20.7).
    fn is_challenge(&self) -> bool {
        self.get("response").is_none()
    }
}

/// The text is not a `credentials` / `challenge` value (RFC 3261 §25.1).
#[derive(Debug, thiserror::Error, PartialEq, Eq, Clone)]
#[error("invalid auth parameters")]
pub struct InvalidAuth;

/// Parses the comma-separated `auth-param` list (RFC 3261 §25.1 `digest-response`).
fn parse_params(mut s: &str) -> Result<Vec<(String, String)>, InvalidAuth> {
    let mut params = Vec::new();
    loop {
        s = trim_ws_start(s);
        while let Some(r) = s.strip_prefix(',') {
            s = trim_ws_start(r);
        }
        if s.is_empty() {
            return Ok(params);
        }
        let n = s.bytes().take_while(|&b| is_token_byte(b)).count();
        let (name, rest) = s.split_at(n);
        if name.is_empty() {
            return Err(InvalidAuth);
        }
        let rest = trim_ws_start(rest).strip_prefix('=').ok_or(InvalidAuth)?;
        let rest = trim_ws_start(rest);
        let (value, rest) = if rest.starts_with('"') {
            unquote(rest).ok_or(InvalidAuth)?
        } else {
            let n = rest
                .bytes()
                .take_while(|&b| b != b',' && b != b'"' && !is_ws(b))
                .count();
            let (v, rest) = rest.split_at(n);
            if v.is_empty() {
                return Err(InvalidAuth);
            }
            (v.to_owned(), rest)
        };
        let rest = trim_ws_start(rest);
        if !rest.is_empty() && !rest.starts_with(',') {
            return Err(InvalidAuth);
        }
        params.push((name.to_ascii_lowercase(), value));
        s = rest;
    }
}

impl FromStr for AuthParams {
    type Err = InvalidAuth;

    /// Parses `scheme LWS auth-param *(COMMA auth-param)`; a value starting directly with
    /// an `auth-param` (Authentication-Info, RFC 3261 §20.6) gets an empty scheme.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = trim_ws(s);
        let n = s.bytes().take_while(|&b| is_token_byte(b)).count();
        let (first, rest) = s.split_at(n);
        if first.is_empty() {
            return Err(InvalidAuth);
        }
        if trim_ws_start(rest).starts_with('=') {
            return Ok(AuthParams {
                scheme: String::new(),
                params: parse_params(s)?,
            });
        }
        if !rest.is_empty() && !rest.bytes().next().is_some_and(is_ws) {
            return Err(InvalidAuth);
        }
        Ok(AuthParams {
            scheme: first.to_owned(),
            params: parse_params(rest)?,
        })
    }
}

impl fmt::Display for AuthParams {
    /// Prints `scheme name=value, ...`, quoting realm, nonce, uri, response, opaque,
    /// cnonce, username, domain, nextnonce, rspauth, qop (in challenges) and any value that
    /// is not a token; algorithm, nc, stale and token values are printed bare.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.scheme)?;
        let challenge = self.is_challenge();
        for (i, (n, v)) in self.params.iter().enumerate() {
            let sep = match (i, self.scheme.is_empty()) {
                (0, true) => "",
                (0, false) => " ",
                _ => ", ",
            };
            f.write_str(sep)?;
            f.write_str(n)?;
            f.write_str("=")?;
            let quoted = match n.as_str() {
                "realm" | "nonce" | "uri" | "response" | "opaque" | "cnonce" | "username"
                | "domain" | "nextnonce" | "rspauth" => true,
                "qop" => challenge,
                _ => false,
            };
            if quoted || !is_token(v) {
                write_quoted(f, v)?;
            } else {
                f.write_str(v)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sipp_authorization() {
        let s = "Digest username=\"1000\",realm=\"t1.example\",uri=\"sip:127.0.0.1:5060\",nonce=\"abc\",response=\"0123\",algorithm=MD5,cnonce=\"c1\",qop=auth,nc=00000001";
        let a: AuthParams = s.parse().unwrap();
        assert_eq!(a.scheme, "Digest");
        assert_eq!(a.get("username"), Some("1000"));
        assert_eq!(a.get("URI"), Some("sip:127.0.0.1:5060"));
        assert_eq!(a.get("qop"), Some("auth"));
        assert_eq!(a.get("nc"), Some("00000001"));
        assert_eq!(a.get("algorithm"), Some("MD5"));
        assert_eq!(
            a.to_string(),
            "Digest username=\"1000\", realm=\"t1.example\", uri=\"sip:127.0.0.1:5060\", nonce=\"abc\", response=\"0123\", algorithm=MD5, cnonce=\"c1\", qop=auth, nc=00000001"
        );
        assert_eq!(a.to_string().parse::<AuthParams>(), Ok(a));
    }

    #[test]
    fn challenge() {
        let a: AuthParams =
            "Digest realm=\"t1.example\", qop=\"auth,auth-int\", nonce=\"n\", algorithm=SHA-256, stale=FALSE"
                .parse()
                .unwrap();
        assert_eq!(a.get("qop"), Some("auth,auth-int"));
        assert_eq!(
            a.to_string(),
            "Digest realm=\"t1.example\", qop=\"auth,auth-int\", nonce=\"n\", algorithm=SHA-256, stale=FALSE"
        );
        let a: AuthParams = "Digest realm=\"x\", qop=\"auth\"".parse().unwrap();
        assert_eq!(a.to_string(), "Digest realm=\"x\", qop=\"auth\"");
    }

    #[test]
    fn authentication_info_and_odd() {
        let a: AuthParams = "nextnonce=\"47364c23432d2e131a5fb210812c\""
            .parse()
            .unwrap();
        assert_eq!(a.scheme, "");
        assert_eq!(a.get("nextnonce"), Some("47364c23432d2e131a5fb210812c"));
        assert_eq!(a.to_string().parse::<AuthParams>(), Ok(a));
        let a: AuthParams = "Digest".parse().unwrap();
        assert!(a.params.is_empty());
        let a: AuthParams = "Digest Realm = \"a\\\"b\" , , X=y".parse().unwrap();
        assert_eq!(a.get("realm"), Some("a\"b"));
        assert_eq!(a.get("x"), Some("y"));
        for bad in [
            "",
            "Digest realm",
            "Digest realm=",
            "Digest realm=\"x",
            "Digest,a=b",
            "Digest a=b c",
        ] {
            assert!(bad.parse::<AuthParams>().is_err(), "{bad:?}");
        }
    }
}
