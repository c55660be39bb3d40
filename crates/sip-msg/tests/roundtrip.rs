//! Property tests: printing then parsing gives back the same value, for whole messages
//! (RFC 3261 §7) and for each typed header view (§19.1, §20, §25.1).

use std::net::{Ipv4Addr, Ipv6Addr};

use proptest::prelude::*;
use vpbx_sip_msg::{
    AuthParams, CSeq, Contact, HeaderName, Headers, Host, Message, Method, NameAddr, Params,
    Request, Response, Scheme, Transport, Uri, Via,
};

fn token() -> impl Strategy<Value = String> {
    "[A-Za-z0-9.!%*_+`'~-]{1,12}"
}

fn method() -> impl Strategy<Value = Method> {
    prop_oneof![
        Just(Method::Invite),
        Just(Method::Ack),
        Just(Method::Bye),
        Just(Method::Cancel),
        Just(Method::Register),
        Just(Method::Options),
        Just(Method::Subscribe),
        Just(Method::Notify),
        Just(Method::Refer),
        Just(Method::Message),
        token().prop_map(|t| t.parse().unwrap()),
    ]
}

fn host() -> impl Strategy<Value = Host> {
    prop_oneof![
        "[a-z][a-z0-9-]{0,8}(\\.[a-z][a-z0-9-]{0,8}){0,3}".prop_map(Host::Domain),
        any::<[u8; 4]>().prop_map(|b| Host::V4(Ipv4Addr::from(b))),
        any::<[u16; 8]>().prop_map(|s| Host::V6(Ipv6Addr::from(s))),
    ]
}

/// URI text without the characters that delimit URI parts.
fn uri_chars() -> impl Strategy<Value = String> {
    "([A-Za-z0-9_.!~*'()&=+$,/-]|%[0-9A-F]{2}){1,10}"
}

fn uri_params() -> impl Strategy<Value = Params> {
    prop::collection::vec(
        (
            "[a-z0-9_.!~*'()-]{1,8}",
            prop::option::of("[A-Za-z0-9_.!~*'()-]{1,8}"),
        ),
        0..4,
    )
    .prop_map(Params)
}

fn sip_uri() -> impl Strategy<Value = Uri> {
    (
        prop_oneof![Just(Scheme::Sip), Just(Scheme::Sips)],
        prop::option::of((uri_chars(), prop::option::of("[A-Za-z0-9&=+$,]{1,8}"))),
        host(),
        prop::option::of(any::<u16>()),
        uri_params(),
        prop::collection::vec(("[A-Za-z0-9-]{1,6}", "[A-Za-z0-9%-]{0,6}"), 0..3),
    )
        .prop_map(|(scheme, userinfo, host, port, params, headers)| {
            let (user, password) = match userinfo {
                Some((u, p)) => (Some(u), p),
                None => (None, None),
            };
            Uri {
                scheme,
                user,
                password,
                host,
                port,
                params,
                headers,
            }
        })
}

fn uri() -> impl Strategy<Value = Uri> {
    prop_oneof![
        4 => sip_uri(),
        1 => "\\+[0-9-]{1,12}(;phone-context=[a-z.]{1,8})?".prop_map(|t| Uri {
            scheme: Scheme::Tel,
            user: Some(t),
            password: None,
            host: Host::Domain(String::new()),
            port: None,
            params: Params::default(),
            headers: Vec::new(),
        }),
    ]
}

/// Free text for quoted strings and parameter values: printable ASCII, quotes,
/// backslashes, tabs, a control character and some non-ASCII.
fn text() -> impl Strategy<Value = String> {
    "([ -~]|\t|\u{7}|é|電){0,16}"
}

fn header_params() -> impl Strategy<Value = Params> {
    prop::collection::vec((token(), prop::option::of(text())), 0..4).prop_map(Params)
}

fn name_addr() -> impl Strategy<Value = NameAddr> {
    (prop::option::of(text()), uri(), header_params()).prop_map(|(display, uri, params)| NameAddr {
        display,
        uri,
        params,
    })
}

fn via() -> impl Strategy<Value = Via> {
    (
        prop_oneof![
            Just(Transport::Udp),
            Just(Transport::Tcp),
            Just(Transport::Tls),
            Just(Transport::Sctp),
            Just(Transport::Ws),
            Just(Transport::Wss)
        ],
        host(),
        prop::option::of(any::<u16>()),
        header_params(),
    )
        .prop_map(|(transport, host, port, params)| Via {
            transport,
            host,
            port,
            params,
        })
}

fn auth() -> impl Strategy<Value = AuthParams> {
    (
        "Digest|Basic|[A-Z][a-z]{1,6}",
        prop::collection::vec(
            (
                "realm|nonce|uri|response|qop|nc|algorithm|opaque|[a-z]{1,6}",
                text(),
            ),
            0..6,
        ),
    )
        .prop_map(|(scheme, params)| AuthParams { scheme, params })
}

/// Header fields in the normal form the parser produces: one list element per field.
fn headers() -> impl Strategy<Value = Headers> {
    let field = prop_oneof![
        via().prop_map(|v| (HeaderName::Via, v.to_string())),
        name_addr().prop_map(|n| (HeaderName::From, n.to_string())),
        name_addr().prop_map(|n| (HeaderName::To, n.to_string())),
        name_addr().prop_map(|n| (HeaderName::Contact, Contact::Addr(n).to_string())),
        name_addr().prop_map(|n| (HeaderName::Route, n.to_string())),
        "[A-Za-z0-9.@-]{1,20}".prop_map(|c| (HeaderName::CallId, c)),
        (any::<u32>(), method())
            .prop_map(|(seq, method)| { (HeaderName::CSeq, CSeq { seq, method }.to_string()) }),
        (0u32..256).prop_map(|n| (HeaderName::MaxForwards, n.to_string())),
        token().prop_map(|t| (HeaderName::Supported, t)),
        auth().prop_map(|a| (HeaderName::Authorization, a.to_string())),
        ("X-[A-Za-z0-9-]{1,10}", "([!-~]|é)([ -~]|é){0,20}([!-~]|é)|")
            .prop_map(|(n, v)| (HeaderName::parse(&n), v)),
    ];
    prop::collection::vec(field, 0..12).prop_map(|fields| {
        let mut h = Headers::new();
        for (n, v) in fields {
            h.push(n, v);
        }
        h
    })
}

fn message() -> impl Strategy<Value = Message> {
    let body = prop::collection::vec(any::<u8>(), 0..64);
    let request = (method(), uri(), headers(), body.clone(), any::<bool>()).prop_map(
        |(method, uri, mut headers, body, with_length)| {
            if with_length {
                headers.push(HeaderName::ContentLength, body.len().to_string());
            }
            Message::Request(Request {
                method,
                uri,
                headers,
                body,
            })
        },
    );
    let response = (
        100u16..700,
        "([ -~]|é){0,20}",
        headers(),
        body,
        any::<bool>(),
    )
        .prop_map(|(status, reason, mut headers, body, with_length)| {
            if with_length {
                headers.push(HeaderName::ContentLength, body.len().to_string());
            }
            Message::Response(Response {
                status,
                reason,
                headers,
                body,
            })
        });
    prop_oneof![request, response]
}

proptest! {
    #[test]
    fn message_print_parse(m in message()) {
        let bytes = m.to_bytes();
        prop_assert_eq!(Message::parse(&bytes), Ok(m));
    }

    #[test]
    fn uri_print_parse(u in uri()) {
        prop_assert_eq!(u.to_string().parse::<Uri>(), Ok(u));
    }

    #[test]
    fn via_print_parse(v in via()) {
        prop_assert_eq!(v.to_string().parse::<Via>(), Ok(v));
    }

    #[test]
    fn name_addr_print_parse(n in name_addr()) {
        prop_assert_eq!(n.to_string().parse::<NameAddr>(), Ok(n));
    }

    #[test]
    fn auth_print_parse(a in auth()) {
        prop_assert_eq!(a.to_string().parse::<AuthParams>(), Ok(a));
    }

    #[test]
    fn parse_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = Message::parse(&bytes);
        let _ = vpbx_sip_msg::frame(&bytes);
    }

    #[test]
    fn reparse_of_printed_parse_is_stable(m in message(), cut in 0usize..400) {
        let mut bytes = m.to_bytes();
        bytes.truncate(cut.min(bytes.len()));
        if let Ok(parsed) = Message::parse(&bytes) {
            prop_assert_eq!(Message::parse(&parsed.to_bytes()), Ok(parsed));
        }
    }
}
