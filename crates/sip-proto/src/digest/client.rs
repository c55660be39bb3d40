//! Client (UAC) side of SIP digest authentication: answering a 401/407 challenge with
//! Authorization/Proxy-Authorization credentials (RFC 3261 §22.2, §22.3), with the RFC 8760
//! algorithms (MD5, SHA-256) and the RFC 7616 §3.4 response formulas.
//!
//! Invariants:
//! - Among several challenges of one realm the strongest supported algorithm wins
//!   (SHA-256 over MD5, RFC 8760 §2.4); `-sess` algorithms, `qop=auth-int` alone and
//!   schemes other than Digest are never answered.
//! - `qop=auth` is used whenever the challenge offers it (with the caller's cnonce and nc);
//!   without `qop` the RFC 2069 formula is used (RFC 7616 §3.4.1).
//! - The password enters only HA1 and never appears in any output or error.

use vpbx_sip_msg::{AuthParams, HeaderName, Request, Response};

use super::algorithm::Algorithm;
use super::hash::hex_digest;
use super::verifier::response_hex;

/// Why a challenge cannot be answered (RFC 3261 §22.2, RFC 7616 §3.3, RFC 8760 §2).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChallengeError {
    /// The response is not a 401 or 407 (RFC 3261 §22.2, §22.3).
    #[error("status {0} is not a challenge")]
    NotAChallenge(u16),
    /// No parseable Digest challenge with a supported algorithm and qop is present.
    #[error("no usable digest challenge")]
    NoUsableChallenge,
    /// A challenge lacks a parameter required by RFC 7616 §3.3 (`realm`, `nonce`).
    #[error("challenge without {0}")]
    MissingParam(&'static str),
}

/// What a challenge offers, once checked: algorithm and whether `qop=auth` is available.
struct Offer {
    alg: Algorithm,
    qop_auth: bool,
}

/// Checks one challenge (RFC 7616 §3.3): Digest scheme, supported algorithm (absent = MD5,
/// RFC 2617 §3.2.1), and a `qop` list that is absent or contains `auth`.
fn offer(challenge: &AuthParams) -> Option<Offer> {
    if !challenge.scheme.eq_ignore_ascii_case("Digest") {
        return None;
    }
    let alg = match challenge.get("algorithm") {
        None => Algorithm::Md5,
        Some(name) => name.parse().ok()?,
    };
    let qop_auth = match challenge.get("qop") {
        None => false,
        Some(list) => {
            if !list
                .split(',')
                .any(|q| q.trim().eq_ignore_ascii_case("auth"))
            {
                return None;
            }
            true
        }
    };
    Some(Offer { alg, qop_auth })
}

/// Ranks algorithms for RFC 8760 §2.4: SHA-256 before MD5.
fn strength(alg: Algorithm) -> u8 {
    match alg {
        Algorithm::Sha256 => 2,
        Algorithm::Md5 => 1,
    }
}

/// The challenge to answer among `challenges` (all from one realm or not): the first with
/// the strongest supported algorithm (RFC 8760 §2.4), or `None` when none is usable.
pub fn best_challenge(challenges: &[AuthParams]) -> Option<&AuthParams> {
    challenges
        .iter()
        .filter_map(|c| offer(c).map(|o| (c, strength(o.alg))))
        .fold(None, |best: Option<(&AuthParams, u8)>, (c, s)| match best {
            Some((_, b)) if b >= s => best,
            _ => Some((c, s)),
        })
        .map(|(c, _)| c)
}

/// Credentials answering `challenge` (RFC 3261 §22.2; RFC 7616 §3.4): `username`,
/// `realm`, `nonce`, `uri`, `response`, `algorithm` (when the challenge named one),
/// `opaque` (echoed), and with `qop=auth` also `qop`, `nc` (8 hex digits) and `cnonce`.
/// `uri` is the Request-URI as it will be sent; `nc` counts uses of this nonce from 1.
pub fn answer_challenge(
    challenge: &AuthParams,
    username: &str,
    password: &str,
    method: &str,
    uri: &str,
    cnonce: &str,
    nc: u32,
) -> Result<AuthParams, ChallengeError> {
    let offered = offer(challenge).ok_or(ChallengeError::NoUsableChallenge)?;
    let realm = challenge
        .get("realm")
        .ok_or(ChallengeError::MissingParam("realm"))?;
    let nonce = challenge
        .get("nonce")
        .ok_or(ChallengeError::MissingParam("nonce"))?;
    let ha1 = hex_digest(
        offered.alg,
        &[username.as_bytes(), realm.as_bytes(), password.as_bytes()],
    );
    let nc = format!("{nc:08x}");
    let qop = offered.qop_auth.then_some(("auth", nc.as_str(), cnonce));
    let response = response_hex(offered.alg, &ha1, method, uri, nonce, qop);
    let mut params = vec![
        ("username".to_owned(), username.to_owned()),
        ("realm".to_owned(), realm.to_owned()),
        ("nonce".to_owned(), nonce.to_owned()),
        ("uri".to_owned(), uri.to_owned()),
        ("response".to_owned(), response.to_string()),
    ];
    if let Some(alg) = challenge.get("algorithm") {
        params.push(("algorithm".to_owned(), alg.to_owned()));
    }
    if let Some(opaque) = challenge.get("opaque") {
        params.push(("opaque".to_owned(), opaque.to_owned()));
    }
    if offered.qop_auth {
        params.push(("qop".to_owned(), "auth".to_owned()));
        params.push(("nc".to_owned(), nc));
        params.push(("cnonce".to_owned(), cnonce.to_owned()));
    }
    Ok(AuthParams {
        scheme: "Digest".to_owned(),
        params,
    })
}

/// The header a challenge response is answered in (RFC 3261 §22.2, §22.3): 401 reads
/// WWW-Authenticate and answers with Authorization; 407 reads Proxy-Authenticate and
/// answers with Proxy-Authorization.
pub fn challenge_headers(status: u16) -> Option<(HeaderName, HeaderName)> {
    match status {
        401 => Some((HeaderName::WwwAuthenticate, HeaderName::Authorization)),
        407 => Some((
            HeaderName::ProxyAuthenticate,
            HeaderName::ProxyAuthorization,
        )),
        _ => None,
    }
}

/// Answers a 401/407 `response` to `request` (RFC 3261 §22.2, §22.3): for every realm
/// challenged, the best challenge (RFC 8760 §2.4) is answered, and the request's previous
/// credentials of that header are replaced. Unparseable challenge values are skipped. The
/// caller still increments CSeq (RFC 3261 §22.2) before resending.
pub fn authorize(
    request: &mut Request,
    response: &Response,
    username: &str,
    password: &str,
    cnonce: &str,
    nc: u32,
) -> Result<(), ChallengeError> {
    let (challenge_header, answer_header) =
        challenge_headers(response.status).ok_or(ChallengeError::NotAChallenge(response.status))?;
    let challenges: Vec<AuthParams> = response
        .headers
        .get_all(&challenge_header)
        .filter_map(|v| v.parse().ok())
        .collect();
    let mut realms: Vec<&str> = Vec::new();
    for c in &challenges {
        if let Some(realm) = c.get("realm") {
            if offer(c).is_some() && !realms.contains(&realm) {
                realms.push(realm);
            }
        }
    }
    if realms.is_empty() {
        return Err(ChallengeError::NoUsableChallenge);
    }
    let uri = request.uri.to_string();
    let method = request.method.as_str().to_owned();
    let mut answers = Vec::with_capacity(realms.len());
    for realm in realms {
        let of_realm: Vec<AuthParams> = challenges
            .iter()
            .filter(|c| c.get("realm") == Some(realm))
            .cloned()
            .collect();
        let best = best_challenge(&of_realm).ok_or(ChallengeError::NoUsableChallenge)?;
        answers.push(answer_challenge(
            best, username, password, &method, &uri, cnonce, nc,
        )?);
    }
    request.headers.remove(&answer_header);
    for a in answers {
        request.headers.push(answer_header.clone(), a.to_string());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::{ha1_hex, DigestVerifier, Verdict};
    use vpbx_sip_msg::{Message, Request};

    fn parse(s: &str) -> AuthParams {
        s.parse().expect("challenge parses")
    }

    /// RFC 2617 §3.5: Mufasa's GET of /dir/index.html with qop=auth.
    #[test]
    fn rfc2617_example() {
        let ch = parse(
            "Digest realm=\"testrealm@host.com\", qop=\"auth,auth-int\", \
             nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", \
             opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"",
        );
        let a = answer_challenge(
            &ch,
            "Mufasa",
            "Circle Of Life",
            "GET",
            "/dir/index.html",
            "0a4f113b",
            1,
        )
        .unwrap();
        assert_eq!(a.get("response"), Some("6629fae49393a05397450978507c4ef1"));
        assert_eq!(a.get("nc"), Some("00000001"));
        assert_eq!(a.get("qop"), Some("auth"));
        assert_eq!(a.get("opaque"), Some("5ccc069c403ebaf9f0171e9517f40e41"));
        assert_eq!(a.get("algorithm"), None, "challenge named none");
    }

    /// RFC 7616 §3.9.1: the same exchange with both MD5 and SHA-256 challenges; the
    /// client must prefer SHA-256 and both answers must match the RFC's values.
    #[test]
    fn rfc7616_example_both_algorithms() {
        let common = "realm=\"http-auth@example.org\", qop=\"auth, auth-int\", \
            nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", \
            opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"";
        let sha = parse(&format!("Digest {common}, algorithm=SHA-256"));
        let md5 = parse(&format!("Digest {common}, algorithm=MD5"));
        let both = [md5.clone(), sha.clone()];
        assert_eq!(best_challenge(&both), Some(&sha));
        let answer = |c: &AuthParams| {
            answer_challenge(
                c,
                "Mufasa",
                "Circle of Life",
                "GET",
                "/dir/index.html",
                "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
                1,
            )
            .unwrap()
        };
        assert_eq!(
            answer(&sha).get("response"),
            Some("753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1")
        );
        assert_eq!(
            answer(&md5).get("response"),
            Some("8ca523f5e9506fed4657c9700eebdbec")
        );
    }

    #[test]
    fn unusable_challenges() {
        for c in [
            "Basic realm=\"x\"",
            "Digest realm=\"x\", nonce=\"n\", algorithm=MD5-sess",
            "Digest realm=\"x\", nonce=\"n\", qop=\"auth-int\"",
        ] {
            assert_eq!(best_challenge(&[parse(c)]), None, "{c}");
        }
        let no_nonce = parse("Digest realm=\"x\"");
        assert_eq!(
            answer_challenge(&no_nonce, "u", "p", "REGISTER", "sip:x", "c", 1),
            Err(ChallengeError::MissingParam("nonce"))
        );
    }

    fn register() -> Request {
        let raw = "REGISTER sip:acme.pbx.example SIP/2.0\r\n\
            Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1\r\n\
            From: <sip:1000@acme.pbx.example>;tag=a\r\n\
            To: <sip:1000@acme.pbx.example>\r\n\
            Call-ID: c1\r\nCSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n";
        match Message::parse(raw.as_bytes()) {
            Ok(Message::Request(r)) => r,
            other => panic!("{other:?}"),
        }
    }

    /// Our client and our server must agree, for every algorithm and with or without qop.
    #[test]
    fn agrees_with_the_verifier() {
        let realm = "acme.pbx.example";
        for (algs, expect) in [
            (vec![Algorithm::Sha256, Algorithm::Md5], Algorithm::Sha256),
            (vec![Algorithm::Md5, Algorithm::Sha256], Algorithm::Sha256),
            (vec![Algorithm::Md5], Algorithm::Md5),
        ] {
            let v = DigestVerifier::new([9; 32], 300).with_algorithms(algs);
            let mut request = register();
            let mut challenge = request.response(401, "Unauthorized", Some("t"));
            for c in v.challenges(1_000, realm, false) {
                challenge.headers.push(HeaderName::WwwAuthenticate, c);
            }
            authorize(&mut request, &challenge, "1000", "secret-pw", "abcdef", 1).unwrap();
            let creds = request.headers.auth(&HeaderName::Authorization).unwrap();
            assert_eq!(creds.len(), 1);
            assert_eq!(creds[0].get("algorithm"), Some(expect.as_str()));
            let verdict = v.verify_request(
                1_001,
                &request,
                &HeaderName::Authorization,
                realm,
                |user, alg| Some(ha1_hex(alg, user, realm, "secret-pw")),
            );
            assert_eq!(
                verdict,
                Verdict::Authenticated {
                    username: "1000".into()
                }
            );
            let wrong = v.verify_request(
                1_001,
                &request,
                &HeaderName::Authorization,
                realm,
                |user, alg| Some(ha1_hex(alg, user, realm, "other-pw")),
            );
            assert!(matches!(wrong, Verdict::Rejected(_)));
        }
    }

    #[test]
    fn no_qop_and_proxy_challenges() {
        let realm = "carrier.example";
        let v = DigestVerifier::new([3; 32], 300);
        let nonce_challenge = v.challenges(5, realm, false)[1].replace(", qop=\"auth\"", "");
        let mut request = register();
        let mut challenge = request.response(407, "Proxy Authentication Required", None);
        challenge
            .headers
            .push(HeaderName::ProxyAuthenticate, nonce_challenge);
        challenge.headers.push(
            HeaderName::ProxyAuthenticate,
            "Digest realm=\"other.example\", nonce=\"x\"",
        );
        authorize(&mut request, &challenge, "u1", "pw-123456", "c", 1).unwrap();
        let creds = request
            .headers
            .auth(&HeaderName::ProxyAuthorization)
            .unwrap();
        assert_eq!(creds.len(), 2, "one answer per realm (RFC 3261 §22.3)");
        assert_eq!(creds[0].get("qop"), None);
        let verdict = v.verify_request(
            6,
            &request,
            &HeaderName::ProxyAuthorization,
            realm,
            |user, alg| Some(ha1_hex(alg, user, realm, "pw-123456")),
        );
        assert_eq!(
            verdict,
            Verdict::Authenticated {
                username: "u1".into()
            }
        );
        // Answering again replaces, never accumulates, credentials.
        authorize(&mut request, &challenge, "u1", "pw-123456", "c", 2).unwrap();
        assert_eq!(
            request
                .headers
                .get_all(&HeaderName::ProxyAuthorization)
                .count(),
            2
        );
        let ok = request.response(200, "OK", None);
        assert_eq!(
            authorize(&mut request, &ok, "u1", "pw", "c", 1),
            Err(ChallengeError::NotAChallenge(200))
        );
    }
}
