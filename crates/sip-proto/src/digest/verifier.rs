//! The digest verifier: issues challenges (RFC 3261 §22.1, §22.4; RFC 8760 §2.4) and checks
//! credentials (RFC 7616 §3.4.1 response formula, `qop=auth` or RFC 2069 style without qop).
//!
//! Invariants:
//! - `verify` does one HMAC (nonce check) and two hashes (HA2, response) whether or not
//!   the user exists; an unknown user is checked against a per-secret dummy
//!   HA1 and reported exactly like a wrong password.
//! - A nonce not made by us is `ForgedNonce` before any user lookup; an expired nonce of
//!   ours is `Stale` only when the response is otherwise correct (RFC 7616 §3.3).
//! - The `uri` parameter enters HA2 as sent; it is not compared with the Request-URI.

use vpbx_sip_msg::{AuthParams, HeaderName, Request};

use super::algorithm::Algorithm;
use super::hash::{ct_eq_hex, hex_digest, HexDigest};
use super::nonce::NonceKey;
use super::verdict::{Rejection, Verdict};

/// Issues digest challenges and verifies credentials against stored HA1 values
/// (RFC 3261 §22.4 with RFC 8760 algorithms). Cheap to share: it holds only keys.
#[derive(Clone)]
pub struct DigestVerifier {
    nonces: NonceKey,
    nonce_ttl_secs: u64,
    algorithms: Vec<Algorithm>,
    allow_no_qop: bool,
    dummy_md5: HexDigest,
    dummy_sha256: HexDigest,
}

impl std::fmt::Debug for DigestVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DigestVerifier")
            .field("nonce_ttl_secs", &self.nonce_ttl_secs)
            .field("algorithms", &self.algorithms)
            .field("allow_no_qop", &self.allow_no_qop)
            .finish_non_exhaustive()
    }
}

impl DigestVerifier {
    /// A verifier whose stateless nonces are keyed by `secret` (HMAC-SHA256 over issue time
    /// and realm) and live `nonce_ttl_secs` (RFC 7616 §5.4), offering SHA-256 then MD5
    /// (RFC 8760 §2.4) and accepting RFC 2069 style credentials without `qop`.
    pub fn new(secret: [u8; 32], nonce_ttl_secs: u64) -> Self {
        DigestVerifier {
            nonces: NonceKey::new(&secret),
            nonce_ttl_secs,
            algorithms: vec![Algorithm::Sha256, Algorithm::Md5],
            allow_no_qop: true,
            dummy_md5: hex_digest(Algorithm::Md5, &[b"vpbx-unknown-user", &secret]),
            dummy_sha256: hex_digest(Algorithm::Sha256, &[b"vpbx-unknown-user", &secret]),
        }
    }

    /// Sets the offered algorithms in order of preference (RFC 8760 §2.4: most preferred
    /// first); duplicates are dropped. Credentials using any other algorithm are
    /// [`Rejection::UnsupportedAlgorithm`]; an empty list disables digest entirely.
    pub fn with_algorithms(mut self, algorithms: Vec<Algorithm>) -> Self {
        let mut unique = Vec::with_capacity(algorithms.len());
        for alg in algorithms {
            if !unique.contains(&alg) {
                unique.push(alg);
            }
        }
        self.algorithms = unique;
        self
    }

    /// Whether credentials without `qop` (RFC 2069 / RFC 2617 §3.2.2.1 compatibility) are
    /// accepted; on by default because many phones still send them. When off they are
    /// [`Rejection::MissingParam`]`("qop")`.
    pub fn with_rfc2069(mut self, allow: bool) -> Self {
        self.allow_no_qop = allow;
        self
    }

    /// Values for WWW-Authenticate/Proxy-Authenticate (RFC 3261 §22.1, RFC 8760 §2.4), one
    /// per offered algorithm in order of preference, each with realm, a fresh nonce,
    /// algorithm, `qop="auth"` and `stale=true` when `stale` (RFC 7616 §3.3).
    pub fn challenges(&self, now_unix: u64, realm: &str, stale: bool) -> Vec<String> {
        let nonce = self.nonces.make(now_unix, realm);
        let realm = quote(realm);
        let stale = if stale { ", stale=true" } else { "" };
        self.algorithms
            .iter()
            .map(|alg| {
                format!(
                    "Digest realm={realm}, nonce=\"{nonce}\", algorithm={alg}, qop=\"auth\"{stale}"
                )
            })
            .collect()
    }

    /// Verifies one set of credentials (a parsed Authorization/Proxy-Authorization value,
    /// RFC 3261 §22.4) for a request of `method` in `realm`. `ha1` returns the stored HA1
    /// hex (RFC 7616 §3.4.2) for (username, algorithm), or `None` for an unknown user.
    pub fn verify(
        &self,
        now_unix: u64,
        method: &str,
        realm: &str,
        creds: &AuthParams,
        ha1: impl FnOnce(&str, Algorithm) -> Option<String>,
    ) -> Verdict {
        match self.check(now_unix, method, realm, creds, ha1) {
            Ok(verdict) => verdict,
            Err(rejection) => Verdict::Rejected(rejection),
        }
    }

    /// Picks, among the request's `header` values (Authorization or Proxy-Authorization),
    /// the first Digest credentials for `realm` (RFC 3261 §22.4, RFC 8760 §2.4) and verifies
    /// them. No such header at all is [`Verdict::Missing`]; headers only for other realms
    /// are [`Rejection::WrongRealm`].
    pub fn verify_request(
        &self,
        now_unix: u64,
        request: &Request,
        header: &HeaderName,
        realm: &str,
        ha1: impl FnOnce(&str, Algorithm) -> Option<String>,
    ) -> Verdict {
        let all = match request.headers.auth(header) {
            Ok(all) => all,
            Err(e) => return Verdict::Rejected(Rejection::MalformedHeader(e.to_string())),
        };
        if all.is_empty() {
            return Verdict::Missing;
        }
        let mut digest = all
            .iter()
            .filter(|c| c.scheme.eq_ignore_ascii_case("Digest"))
            .peekable();
        if digest.peek().is_none() {
            return Verdict::Rejected(Rejection::UnsupportedScheme);
        }
        match digest.find(|c| c.get("realm") == Some(realm)) {
            Some(creds) => self.verify(now_unix, request.method.as_str(), realm, creds, ha1),
            None => Verdict::Rejected(Rejection::WrongRealm),
        }
    }

    fn check(
        &self,
        now_unix: u64,
        method: &str,
        realm: &str,
        creds: &AuthParams,
        ha1: impl FnOnce(&str, Algorithm) -> Option<String>,
    ) -> Result<Verdict, Rejection> {
        if !creds.scheme.eq_ignore_ascii_case("Digest") {
            return Err(Rejection::UnsupportedScheme);
        }
        let param = |name: &'static str| creds.get(name).ok_or(Rejection::MissingParam(name));
        let username = param("username")?;
        if param("realm")? != realm {
            return Err(Rejection::WrongRealm);
        }
        let nonce = param("nonce")?;
        let uri = param("uri")?;
        let response = param("response")?;
        let alg = match creds.get("algorithm") {
            None => Algorithm::Md5,
            Some(name) => name.parse()?,
        };
        if !self.algorithms.contains(&alg) {
            return Err(Rejection::UnsupportedAlgorithm);
        }
        let qop = match creds.get("qop") {
            None if self.allow_no_qop => None,
            None => return Err(Rejection::MissingParam("qop")),
            Some(qop) if qop.eq_ignore_ascii_case("auth") => {
                let nc = param("nc")?;
                if nc.len() != 8 || !nc.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(Rejection::MalformedParam("nc"));
                }
                Some((qop, nc, param("cnonce")?))
            }
            Some(_) => return Err(Rejection::UnsupportedQop),
        };
        let issued = self
            .nonces
            .check(nonce, realm)
            .ok_or(Rejection::ForgedNonce)?;

        let stored = ha1(username, alg).and_then(|hex| HexDigest::from_hex(alg, &hex));
        let known = stored.is_some();
        let ha1 = stored.unwrap_or(match alg {
            Algorithm::Md5 => self.dummy_md5,
            Algorithm::Sha256 => self.dummy_sha256,
        });
        let expected = response_hex(alg, &ha1, method, uri, nonce, qop);
        let matches = ct_eq_hex(expected.as_bytes(), response.as_bytes());
        if !(matches & known) {
            return Err(Rejection::BadResponse);
        }
        if now_unix.abs_diff(issued) > self.nonce_ttl_secs {
            return Ok(Verdict::Stale);
        }
        Ok(Verdict::Authenticated {
            username: username.to_owned(),
        })
    }
}

/// The expected `response` (RFC 7616 §3.4.1): with `qop` given as (qop, nc, cnonce)
/// `H(HA1:nonce:nc:cnonce:qop:HA2)`, without it RFC 2069's `H(HA1:nonce:HA2)`, where
/// `HA2 = H(method:uri)` (RFC 7616 §3.4.3, qop=auth).
pub(super) fn response_hex(
    alg: Algorithm,
    ha1: &HexDigest,
    method: &str,
    uri: &str,
    nonce: &str,
    qop: Option<(&str, &str, &str)>,
) -> HexDigest {
    let ha2 = hex_digest(alg, &[method.as_bytes(), uri.as_bytes()]);
    match qop {
        Some((qop, nc, cnonce)) => hex_digest(
            alg,
            &[
                ha1.as_bytes(),
                nonce.as_bytes(),
                nc.as_bytes(),
                cnonce.as_bytes(),
                qop.as_bytes(),
                ha2.as_bytes(),
            ],
        ),
        None => hex_digest(alg, &[ha1.as_bytes(), nonce.as_bytes(), ha2.as_bytes()]),
    }
}

/// A quoted-string (RFC 3261 §25.1) with `"` and `\` escaped.
fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}
