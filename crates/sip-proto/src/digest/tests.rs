//! Digest tests: RFC 7616 §3.9.1 and RFC 2617 §3.5 worked examples, and round trips
//! challenge → credentials → verify through an independent test-side client.

use md5::Md5;
use sha2::{Digest, Sha256};
use vpbx_sip_msg::{AuthParams, HeaderName, Headers, Message, Request};

use super::hash::HexDigest;
use super::verifier::response_hex;
use super::*;

const SECRET: [u8; 32] = [42; 32];
const REALM: &str = "acme.pbx.example";
const NOW: u64 = 1_700_000_000;
const TTL: u64 = 300;

fn verifier() -> DigestVerifier {
    DigestVerifier::new(SECRET, TTL)
}

/// Client-side hash, independent of the crate's hash module.
fn h(alg: Algorithm, data: &str) -> String {
    match alg {
        Algorithm::Md5 => hex::encode(Md5::digest(data.as_bytes())),
        Algorithm::Sha256 => hex::encode(Sha256::digest(data.as_bytes())),
    }
}

/// Parses a challenge the way a phone would, through the message crate's auth parser.
fn parse_challenge(value: &str) -> AuthParams {
    let mut headers = Headers::new();
    headers.push(HeaderName::WwwAuthenticate, value);
    let mut all = headers
        .auth(&HeaderName::WwwAuthenticate)
        .unwrap_or_default();
    assert_eq!(all.len(), 1, "challenge {value} must parse");
    all.remove(0)
}

/// The test-side UAC (RFC 7616 §3.4): answers a challenge for user/password.
struct Client<'a> {
    user: &'a str,
    password: &'a str,
    uri: &'a str,
    with_qop: bool,
}

impl Client<'_> {
    fn answer(&self, challenge: &AuthParams, method: &str) -> AuthParams {
        let realm = challenge.get("realm").unwrap_or_default();
        let nonce = challenge.get("nonce").unwrap_or_default();
        let alg_name = challenge.get("algorithm").unwrap_or("MD5");
        let alg = alg_name.parse().unwrap_or(Algorithm::Md5);
        let ha1 = h(alg, &format!("{}:{realm}:{}", self.user, self.password));
        let ha2 = h(alg, &format!("{method}:{}", self.uri));
        let (cnonce, nc) = ("0a4f113b", "00000001");
        let response = if self.with_qop {
            h(alg, &format!("{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}"))
        } else {
            h(alg, &format!("{ha1}:{nonce}:{ha2}"))
        };
        let mut params = vec![
            ("username".to_owned(), self.user.to_owned()),
            ("realm".to_owned(), realm.to_owned()),
            ("nonce".to_owned(), nonce.to_owned()),
            ("uri".to_owned(), self.uri.to_owned()),
            ("response".to_owned(), response),
            ("algorithm".to_owned(), alg_name.to_owned()),
        ];
        if self.with_qop {
            params.push(("qop".to_owned(), "auth".to_owned()));
            params.push(("nc".to_owned(), nc.to_owned()));
            params.push(("cnonce".to_owned(), cnonce.to_owned()));
        }
        AuthParams {
            scheme: "Digest".to_owned(),
            params,
        }
    }
}

const ALICE: Client<'static> = Client {
    user: "alice",
    password: "s3cret",
    uri: "sip:10.0.0.1:5060",
    with_qop: true,
};

/// The store: knows alice only, keeps HA1 per algorithm.
fn store(user: &str, alg: Algorithm) -> Option<String> {
    (user == "alice").then(|| ha1_hex(alg, "alice", REALM, "s3cret"))
}

fn challenge_for(alg: Algorithm, now: u64) -> AuthParams {
    let all = verifier().challenges(now, REALM, false);
    let value = all
        .iter()
        .find(|c| c.contains(&format!("algorithm={alg}")))
        .cloned()
        .unwrap_or_default();
    parse_challenge(&value)
}

fn set(creds: &mut AuthParams, name: &str, value: &str) {
    match creds.params.iter_mut().find(|(n, _)| n == name) {
        Some(slot) => slot.1 = value.to_owned(),
        None => creds.params.push((name.to_owned(), value.to_owned())),
    }
}

fn unset(creds: &mut AuthParams, name: &str) {
    creds.params.retain(|(n, _)| n != name);
}

fn alice() -> Verdict {
    Verdict::Authenticated {
        username: "alice".to_owned(),
    }
}

/// RFC 7616 §3.9.1 (qop=auth, Mufasa / "Circle of Life"): the published MD5 and SHA-256
/// responses, computed with the RFC's inputs through the verifier's formula.
#[test]
fn rfc7616_worked_example() {
    let cases = [
        (Algorithm::Md5, "8ca523f5e9506fed4657c9700eebdbec"),
        (
            Algorithm::Sha256,
            "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1",
        ),
    ];
    for (alg, expected) in cases {
        let ha1 = ha1_hex(alg, "Mufasa", "http-auth@example.org", "Circle of Life");
        let Some(ha1) = HexDigest::from_hex(alg, &ha1) else {
            panic!("HA1 must be valid hex")
        };
        let response = response_hex(
            alg,
            &ha1,
            "GET",
            "/dir/index.html",
            "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
            Some((
                "auth",
                "00000001",
                "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
            )),
        );
        assert_eq!(response.to_string(), expected, "{alg}");
    }
}

/// RFC 2617 §3.5 example (MD5, qop=auth).
#[test]
fn rfc2617_example() {
    let ha1 = ha1_hex(
        Algorithm::Md5,
        "Mufasa",
        "testrealm@host.com",
        "Circle Of Life",
    );
    let Some(ha1) = HexDigest::from_hex(Algorithm::Md5, &ha1) else {
        panic!("HA1 must be valid hex")
    };
    let response = response_hex(
        Algorithm::Md5,
        &ha1,
        "GET",
        "/dir/index.html",
        "dcd98b7102dd2f0e8b11d0f600bfb0c093",
        Some(("auth", "00000001", "0a4f113b")),
    );
    assert_eq!(response.to_string(), "6629fae49393a05397450978507c4ef1");
}

/// RFC 8760 §2.4: one challenge per algorithm, SHA-256 first; RFC 7616 §3.3 parameters.
#[test]
fn challenges_prefer_sha256_and_carry_parameters() {
    let all = verifier().challenges(NOW, REALM, false);
    assert_eq!(all.len(), 2);
    assert!(all[0].contains("algorithm=SHA-256"));
    assert!(all[1].contains("algorithm=MD5"));
    for value in &all {
        let c = parse_challenge(value);
        assert!(c.scheme.eq_ignore_ascii_case("Digest"));
        assert_eq!(c.get("realm"), Some(REALM));
        assert_eq!(c.get("qop"), Some("auth"));
        assert_eq!(c.get("stale"), None);
        let nonce = c.get("nonce").unwrap_or_default();
        assert!(!nonce.is_empty());
        assert!(nonce
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\'));
    }
    let stale = verifier().challenges(NOW, REALM, true);
    assert!(stale
        .iter()
        .all(|v| parse_challenge(v).get("stale") == Some("true")));
}

#[test]
fn algorithm_set_and_order_are_configurable() {
    let v = verifier().with_algorithms(vec![Algorithm::Md5, Algorithm::Md5]);
    let all = v.challenges(NOW, REALM, false);
    assert_eq!(all.len(), 1);
    assert!(all[0].contains("algorithm=MD5"));
    let creds = ALICE.answer(&challenge_for(Algorithm::Sha256, NOW), "REGISTER");
    assert_eq!(
        v.verify(NOW, "REGISTER", REALM, &creds, store),
        Verdict::Rejected(Rejection::UnsupportedAlgorithm)
    );
}

#[test]
fn realm_is_quoted_in_challenges() {
    let all = verifier().challenges(NOW, "we\"ird\\realm", false);
    assert!(all[0].starts_with("Digest realm=\"we\\\"ird\\\\realm\", "));
}

/// Round trip for both algorithms, with and without qop (RFC 2069 style).
#[test]
fn round_trip_both_algorithms() {
    for alg in [Algorithm::Sha256, Algorithm::Md5] {
        for with_qop in [true, false] {
            let client = Client { with_qop, ..ALICE };
            let creds = client.answer(&challenge_for(alg, NOW), "REGISTER");
            let verdict = verifier().verify(NOW + 10, "REGISTER", REALM, &creds, store);
            assert_eq!(verdict, alice(), "{alg} qop={with_qop}");
        }
    }
}

/// RFC 7616 §3.4: without an algorithm parameter MD5 is meant.
#[test]
fn missing_algorithm_means_md5() {
    let mut creds = ALICE.answer(&challenge_for(Algorithm::Md5, NOW), "INVITE");
    unset(&mut creds, "algorithm");
    assert_eq!(
        verifier().verify(NOW, "INVITE", REALM, &creds, store),
        alice()
    );
}

#[test]
fn rfc2069_style_can_be_refused() {
    let client = Client {
        with_qop: false,
        ..ALICE
    };
    let creds = client.answer(&challenge_for(Algorithm::Md5, NOW), "INVITE");
    let strict = verifier().with_rfc2069(false);
    assert_eq!(
        strict.verify(NOW, "INVITE", REALM, &creds, store),
        Verdict::Rejected(Rejection::MissingParam("qop"))
    );
}

/// The method is part of HA2 (RFC 7616 §3.4.3).
#[test]
fn method_is_bound() {
    let creds = ALICE.answer(&challenge_for(Algorithm::Sha256, NOW), "REGISTER");
    assert_eq!(
        verifier().verify(NOW, "INVITE", REALM, &creds, store),
        Verdict::Rejected(Rejection::BadResponse)
    );
}

/// The uri parameter is used as sent, whatever the Request-URI (sipp puts the server's
/// address there).
#[test]
fn uri_param_is_used_as_given() {
    let client = Client {
        uri: "sip:192.0.2.7:5080;transport=udp",
        ..ALICE
    };
    let creds = client.answer(&challenge_for(Algorithm::Md5, NOW), "REGISTER");
    assert_eq!(
        verifier().verify(NOW, "REGISTER", REALM, &creds, store),
        alice()
    );
}

/// RFC 7616 §3.3: an expired nonce with a correct response is stale.
#[test]
fn expired_nonce_with_good_response_is_stale() {
    let creds = ALICE.answer(&challenge_for(Algorithm::Sha256, NOW), "REGISTER");
    let v = verifier();
    assert_eq!(
        v.verify(NOW + TTL, "REGISTER", REALM, &creds, store),
        alice()
    );
    assert_eq!(
        v.verify(NOW + TTL + 1, "REGISTER", REALM, &creds, store),
        Verdict::Stale
    );
}

/// An expired nonce with a wrong response, or for an unknown user, is not stale.
#[test]
fn expired_nonce_with_bad_response_is_rejected() {
    let wrong = Client {
        password: "guess",
        ..ALICE
    };
    let creds = wrong.answer(&challenge_for(Algorithm::Sha256, NOW), "REGISTER");
    assert_eq!(
        verifier().verify(NOW + 3 * TTL, "REGISTER", REALM, &creds, store),
        Verdict::Rejected(Rejection::BadResponse)
    );
    let nobody = Client {
        user: "mallory",
        ..ALICE
    };
    let creds = nobody.answer(&challenge_for(Algorithm::Sha256, NOW), "REGISTER");
    assert_eq!(
        verifier().verify(NOW + 3 * TTL, "REGISTER", REALM, &creds, store),
        Verdict::Rejected(Rejection::BadResponse)
    );
}

#[test]
fn forged_nonces_are_rejected() {
    let mut challenge = challenge_for(Algorithm::Md5, NOW);
    for forged in ["dcd98b7102dd2f0e8b11d0f600bfb0c093", "", "0000000000000000"] {
        set(&mut challenge, "nonce", forged);
        let creds = ALICE.answer(&challenge, "REGISTER");
        assert_eq!(
            verifier().verify(NOW, "REGISTER", REALM, &creds, store),
            Verdict::Rejected(Rejection::ForgedNonce)
        );
    }
    let creds = ALICE.answer(&challenge_for(Algorithm::Md5, NOW), "REGISTER");
    let other_secret = DigestVerifier::new([1; 32], TTL);
    assert_eq!(
        other_secret.verify(NOW, "REGISTER", REALM, &creds, store),
        Verdict::Rejected(Rejection::ForgedNonce)
    );
}

/// A nonce issued for one tenant's realm does not work in another.
#[test]
fn nonce_is_bound_to_realm() {
    let value = verifier().challenges(NOW, "other.example", false);
    let mut challenge = parse_challenge(&value[0]);
    set(&mut challenge, "realm", REALM);
    let creds = ALICE.answer(&challenge, "REGISTER");
    assert_eq!(
        verifier().verify(NOW, "REGISTER", REALM, &creds, store),
        Verdict::Rejected(Rejection::ForgedNonce)
    );
}

#[test]
fn wrong_realm_is_rejected() {
    let creds = ALICE.answer(&challenge_for(Algorithm::Md5, NOW), "REGISTER");
    assert_eq!(
        verifier().verify(NOW, "REGISTER", "other.example", &creds, store),
        Verdict::Rejected(Rejection::WrongRealm)
    );
}

/// Wrong password and unknown user look the same to callers, and the unknown user's
/// credentials are still hashed (the store closure is asked exactly as for a known user).
#[test]
fn wrong_password_and_unknown_user_are_indistinguishable() {
    let challenge = challenge_for(Algorithm::Sha256, NOW);
    let wrong = Client {
        password: "guess",
        ..ALICE
    }
    .answer(&challenge, "REGISTER");
    let unknown = Client {
        user: "mallory",
        ..ALICE
    }
    .answer(&challenge, "REGISTER");
    let v = verifier();
    let a = v.verify(NOW, "REGISTER", REALM, &wrong, store);
    let b = v.verify(NOW, "REGISTER", REALM, &unknown, store);
    assert_eq!(a, Verdict::Rejected(Rejection::BadResponse));
    assert_eq!(a, b);
    assert_eq!(a.clone(), b);
}

/// A user unknown to the store can never authenticate, not even with a response computed
/// from some guessed HA1.
#[test]
fn unknown_user_never_authenticates() {
    let creds = ALICE.answer(&challenge_for(Algorithm::Md5, NOW), "REGISTER");
    assert_eq!(
        verifier().verify(NOW, "REGISTER", REALM, &creds, |_, _| None),
        Verdict::Rejected(Rejection::BadResponse)
    );
    assert_eq!(
        verifier().verify(NOW, "REGISTER", REALM, &creds, |_, _| Some("zz".into())),
        Verdict::Rejected(Rejection::BadResponse)
    );
}

/// The store is asked for the HA1 of the credentials' algorithm (RFC 7616 §3.4.2: HA1
/// depends on the algorithm), for unknown users too.
#[test]
fn store_is_asked_for_the_credentials_algorithm() {
    for alg in [Algorithm::Md5, Algorithm::Sha256] {
        for user in ["alice", "mallory"] {
            let client = Client { user, ..ALICE };
            let creds = client.answer(&challenge_for(alg, NOW), "REGISTER");
            let mut asked = None;
            verifier().verify(NOW, "REGISTER", REALM, &creds, |user, a| {
                asked = Some((user.to_owned(), a));
                store(user, a)
            });
            assert_eq!(asked, Some((user.to_owned(), alg)));
        }
    }
}

#[test]
fn upper_case_response_and_stored_ha1_are_accepted() {
    let mut creds = ALICE.answer(&challenge_for(Algorithm::Sha256, NOW), "REGISTER");
    let upper = creds
        .get("response")
        .unwrap_or_default()
        .to_ascii_uppercase();
    set(&mut creds, "response", &upper);
    let verdict = verifier().verify(NOW, "REGISTER", REALM, &creds, |u, a| {
        store(u, a).map(|h| h.to_ascii_uppercase())
    });
    assert_eq!(verdict, alice());
}

#[test]
fn missing_and_malformed_parameters() {
    let good = ALICE.answer(&challenge_for(Algorithm::Md5, NOW), "REGISTER");
    for name in [
        "username", "realm", "nonce", "uri", "response", "cnonce", "nc",
    ] {
        let mut creds = good.clone();
        unset(&mut creds, name);
        assert_eq!(
            verifier().verify(NOW, "REGISTER", REALM, &creds, store),
            Verdict::Rejected(Rejection::MissingParam(name)),
            "{name}"
        );
    }
    for (name, value, rejection) in [
        ("nc", "1", Rejection::MalformedParam("nc")),
        ("nc", "0000000g", Rejection::MalformedParam("nc")),
        ("qop", "auth-int", Rejection::UnsupportedQop),
        ("algorithm", "MD5-sess", Rejection::UnsupportedAlgorithm),
        ("algorithm", "SHA-512-256", Rejection::UnsupportedAlgorithm),
    ] {
        let mut creds = good.clone();
        set(&mut creds, name, value);
        assert_eq!(
            verifier().verify(NOW, "REGISTER", REALM, &creds, store),
            Verdict::Rejected(rejection)
        );
    }
    let mut basic = good;
    basic.scheme = "Basic".to_owned();
    assert_eq!(
        verifier().verify(NOW, "REGISTER", REALM, &basic, store),
        Verdict::Rejected(Rejection::UnsupportedScheme)
    );
}

fn register_with(auth: &[String]) -> Request {
    let mut text = String::from(
        "REGISTER sip:acme.pbx.example SIP/2.0\r\n\
         Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds\r\n\
         Max-Forwards: 70\r\n\
         To: <sip:alice@acme.pbx.example>\r\n\
         From: <sip:alice@acme.pbx.example>;tag=1928301774\r\n\
         Call-ID: a84b4c76e66710@pc33\r\n\
         CSeq: 2 REGISTER\r\n\
         Contact: <sip:alice@192.0.2.10:5060>\r\n",
    );
    for value in auth {
        text.push_str("Authorization: ");
        text.push_str(value);
        text.push_str("\r\n");
    }
    text.push_str("Content-Length: 0\r\n\r\n");
    match Message::parse(text.as_bytes()) {
        Ok(Message::Request(request)) => request,
        other => panic!("test REGISTER must parse: {other:?}"),
    }
}

/// RFC 3261 §22.4: among several credentials the one for our realm is used.
#[test]
fn verify_request_picks_our_realm() {
    let ours = ALICE.answer(&challenge_for(Algorithm::Sha256, NOW), "REGISTER");
    let theirs = DigestVerifier::new([9; 32], TTL).challenges(NOW, "elsewhere.example", false);
    let theirs = ALICE.answer(&parse_challenge(&theirs[0]), "REGISTER");
    let request = register_with(&[theirs.to_string(), ours.to_string()]);
    let v = verifier();
    assert_eq!(
        v.verify_request(NOW, &request, &HeaderName::Authorization, REALM, store),
        alice()
    );
    let only_theirs = register_with(&[theirs.to_string()]);
    assert_eq!(
        v.verify_request(NOW, &only_theirs, &HeaderName::Authorization, REALM, store),
        Verdict::Rejected(Rejection::WrongRealm)
    );
}

#[test]
fn verify_request_without_credentials_is_missing() {
    let request = register_with(&[]);
    assert_eq!(
        verifier().verify_request(NOW, &request, &HeaderName::Authorization, REALM, store),
        Verdict::Missing
    );
    let ours = ALICE.answer(&challenge_for(Algorithm::Md5, NOW), "REGISTER");
    let request = register_with(&[ours.to_string()]);
    assert_eq!(
        verifier().verify_request(NOW, &request, &HeaderName::ProxyAuthorization, REALM, store),
        Verdict::Missing
    );
}

#[test]
fn verify_request_with_other_scheme_is_unsupported() {
    let request = register_with(&["Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==".to_owned()]);
    assert_eq!(
        verifier().verify_request(NOW, &request, &HeaderName::Authorization, REALM, store),
        Verdict::Rejected(Rejection::UnsupportedScheme)
    );
}
