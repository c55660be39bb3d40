//! Contact URI equivalence for binding lookup (RFC 3261 §10.3 step 7 refers to the URI
//! comparison of §19.1.4).
//!
//! Rules kept from §19.1.4: schemes and hosts compare case-insensitively; user and password
//! compare case-sensitively after %-unescaping; a port matches only the same explicit port
//! (an omitted port does not equal 5060); parameters present in both must match
//! (case-insensitively); `user`, `ttl`, `method` and `maddr` must be present in both or in
//! neither, and so must `transport`, as the §19.1.4 examples require ("can resolve to
//! different transports"); other parameters present in one only are ignored; URI headers
//! must be the same set.
//!
//! Invariant: the relation is symmetric and reflexive.

use vpbx_sip_msg::{Host, Params, Scheme, Uri};

const MUST_BE_IN_BOTH: [&str; 5] = ["user", "ttl", "method", "maddr", "transport"];

/// Whether two contact URIs denote the same binding (RFC 3261 §19.1.4).
pub(super) fn same_contact(a: &Uri, b: &Uri) -> bool {
    same_scheme(&a.scheme, &b.scheme)
        && same_escaped(a.user.as_deref(), b.user.as_deref())
        && same_escaped(a.password.as_deref(), b.password.as_deref())
        && same_host(&a.host, &b.host)
        && a.port == b.port
        && same_params(&a.params, &b.params)
        && same_headers(&a.headers, &b.headers)
        && same_headers(&b.headers, &a.headers)
}

fn same_scheme(a: &Scheme, b: &Scheme) -> bool {
    match (a, b) {
        (Scheme::Other(x), Scheme::Other(y)) => x.eq_ignore_ascii_case(y),
        _ => a == b,
    }
}

fn same_host(a: &Host, b: &Host) -> bool {
    match (a, b) {
        (Host::Domain(x), Host::Domain(y)) => x.eq_ignore_ascii_case(y),
        _ => a == b,
    }
}

fn same_escaped(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(x), Some(y)) => unescape(x).eq(unescape(y)),
        _ => false,
    }
}

fn same_params(a: &Params, b: &Params) -> bool {
    let in_both = a.0.iter().all(|(name, value)| match b.get(name) {
        None => true,
        Some(other) => same_value(value.as_deref(), other),
    });
    let presence = MUST_BE_IN_BOTH
        .iter()
        .all(|name| a.contains(name) == b.contains(name));
    in_both && presence
}

fn same_value(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(x), Some(y)) => x.eq_ignore_ascii_case(y),
        _ => false,
    }
}

/// Every header of `a` appears in `b` (names case-insensitive, values exact).
fn same_headers(a: &[(String, String)], b: &[(String, String)]) -> bool {
    a.iter().all(|(name, value)| {
        b.iter()
            .any(|(n, v)| n.eq_ignore_ascii_case(name) && unescape(v).eq(unescape(value)))
    })
}

/// The bytes of `s` with `%HH` escapes decoded; a malformed escape stays literal.
fn unescape(s: &str) -> impl Iterator<Item = u8> + '_ {
    let mut bytes = s.bytes();
    std::iter::from_fn(move || {
        let first = bytes.next()?;
        if first != b'%' {
            return Some(first);
        }
        let mut ahead = bytes.clone();
        match (ahead.next().and_then(nibble), ahead.next().and_then(nibble)) {
            (Some(hi), Some(lo)) => {
                bytes = ahead;
                Some(hi << 4 | lo)
            }
            _ => Some(first),
        }
    })
}

fn nibble(b: u8) -> Option<u8> {
    char::from(b)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(s: &str) -> Uri {
        match s.parse() {
            Ok(u) => u,
            Err(e) => panic!("{s}: {e:?}"),
        }
    }

    fn same(a: &str, b: &str) -> bool {
        let (a, b) = (uri(a), uri(b));
        let forward = same_contact(&a, &b);
        assert_eq!(forward, same_contact(&b, &a), "symmetry");
        forward
    }

    /// RFC 3261 §19.1.4 equivalent examples.
    #[test]
    fn rfc3261_equivalent_uris() {
        assert!(same(
            "sip:%61lice@atlanta.com;transport=TCP",
            "sip:alice@AtLanTa.CoM;Transport=tcp"
        ));
        assert!(same(
            "sip:carol@chicago.com",
            "sip:carol@chicago.com;newparam=5"
        ));
        assert!(same(
            "sip:carol@chicago.com;security=on",
            "sip:carol@chicago.com;newparam=5"
        ));
        assert!(same(
            "sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com",
            "sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com"
        ));
        assert!(same(
            "sip:alice@atlanta.com?subject=project%20x&priority=urgent",
            "sip:alice@atlanta.com?priority=urgent&subject=project%20x"
        ));
    }

    /// RFC 3261 §19.1.4 non-equivalent examples.
    #[test]
    fn rfc3261_different_uris() {
        assert!(!same(
            "SIP:ALICE@AtLanTa.CoM;Transport=udp",
            "sip:alice@AtLanTa.CoM;Transport=UDP"
        ));
        assert!(!same("sip:bob@biloxi.com", "sip:bob@biloxi.com:5060"));
        assert!(!same(
            "sip:bob@biloxi.com",
            "sip:bob@biloxi.com;transport=udp"
        ));
        assert!(!same(
            "sip:bob@biloxi.com",
            "sip:bob@biloxi.com:6000;transport=tcp"
        ));
        assert!(!same(
            "sip:carol@chicago.com",
            "sip:carol@chicago.com?Subject=next%20meeting"
        ));
        assert!(!same("sip:bob@phone21.boxesbybob.com", "sip:bob@192.0.2.4"));
        assert!(!same(
            "sip:carol@chicago.com;user=phone",
            "sip:carol@chicago.com"
        ));
        assert!(!same(
            "sip:carol@chicago.com;transport=udp",
            "sip:carol@chicago.com;transport=tcp"
        ));
    }

    #[test]
    fn ipv6_and_ports() {
        assert!(same(
            "sip:a@[2001:db8::1]:5070",
            "sip:a@[2001:DB8:0::1]:5070"
        ));
        assert!(!same(
            "sip:a@[2001:db8::1]:5070",
            "sip:a@[2001:db8::1]:5071"
        ));
    }

    #[test]
    fn unescape_keeps_malformed_escapes() {
        assert_eq!(unescape("%41%4").collect::<Vec<u8>>(), b"A%4");
        assert_eq!(unescape("%zz%").collect::<Vec<u8>>(), b"%zz%");
        assert_eq!(unescape("é%C3%A9").collect::<Vec<u8>>(), "éé".as_bytes());
    }
}
