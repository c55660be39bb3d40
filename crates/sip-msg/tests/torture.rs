//! RFC 4475 torture tests: every message of §3 is parsed, checked field by field where the
//! RFC names the fields, printed and reparsed, and framed as if it came over a stream.
//! Valid messages (§3.1.1) must parse and validate; invalid ones (§3.1.2) must be rejected
//! by `Message::parse` or by `validate`; nothing may panic.

use std::net::Ipv4Addr;

use vpbx_sip_msg::{
    frame, AuthParams, Contact, Frame, HeaderName, Host, Message, Method, NameAddr, ParseError,
    Request, Response, Scheme, Transport,
};

fn load(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/torture/{name}.dat", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Parses, checks the print/reparse round trip and the stream framing, returns the message.
fn parse(name: &str) -> Result<Message, ParseError> {
    let bytes = load(name);
    let parsed = Message::parse(&bytes);
    if let Ok(m) = &parsed {
        assert_eq!(
            Message::parse(&m.to_bytes()).as_ref(),
            Ok(m),
            "{name}: round trip"
        );
    }
    match frame(&bytes) {
        Ok(Frame::Message(n)) => {
            assert!(n <= bytes.len());
            assert_eq!(Message::parse(&bytes[..n]), parsed, "{name}: framed parse");
        }
        Ok(Frame::Incomplete) | Err(_) => {}
        Ok(Frame::KeepAlive(_)) => panic!("{name}: no leading CRLF"),
    }
    parsed
}

fn request(name: &str) -> Request {
    match parse(name) {
        Ok(Message::Request(r)) => r,
        other => panic!("{name}: {other:?}"),
    }
}

fn response(name: &str) -> Response {
    match parse(name) {
        Ok(Message::Response(r)) => r,
        other => panic!("{name}: {other:?}"),
    }
}

fn valid_request(name: &str) -> Request {
    let r = request(name);
    assert_eq!(r.validate(), Ok(()), "{name}");
    r
}

fn one_contact(r: &Request) -> NameAddr {
    match r.headers.contacts().unwrap().as_slice() {
        [Contact::Addr(c)] => c.clone(),
        other => panic!("{other:?}"),
    }
}

fn domain(d: &str) -> Host {
    Host::Domain(d.into())
}

fn other(name: &str) -> HeaderName {
    HeaderName::Other(name.into())
}

/// Asserts the message is rejected by the parser or by validation; returns which header
/// (or parse error) rejected it.
fn rejected(name: &str) -> String {
    match parse(name) {
        Err(e) => format!("parse: {e:?}"),
        Ok(Message::Request(r)) => match r.validate() {
            Err(e) => e.header.to_owned(),
            Ok(()) => panic!("{name} was accepted"),
        },
        Ok(Message::Response(r)) => match r.validate() {
            Err(e) => e.header.to_owned(),
            Ok(()) => panic!("{name} was accepted"),
        },
    }
}

// §3.1.1 valid messages

#[test]
fn wsinv_short_tortuous_invite() {
    let r = valid_request("wsinv");
    let h = &r.headers;
    assert_eq!(r.method, Method::Invite);
    assert_eq!(r.uri.user.as_deref(), Some("vivekg"));
    assert_eq!(r.uri.host, domain("chair-dnrc.example.com"));
    assert_eq!(r.uri.param("unknownparam"), Some(None));
    let to = h.to().unwrap();
    assert_eq!(to.tag(), Some("1918181833n"));
    assert_eq!(to.display, None);
    let from = h.from().unwrap();
    assert_eq!(from.display.as_deref(), Some("J Rosenberg \\\""));
    assert_eq!(from.tag(), Some("98asjd8"));
    assert_eq!(h.max_forwards(), Ok(Some(68)));
    let cseq = h.cseq().unwrap();
    assert_eq!((cseq.seq, cseq.method), (9, Method::Invite));
    assert_eq!(h.call_id(), Ok("wsinv.ndaksdj@192.0.2.1"));
    let vias = h.vias().unwrap();
    assert_eq!(vias.len(), 3);
    assert_eq!(vias[0].transport, Transport::Udp);
    assert_eq!(vias[0].host, Host::V4(Ipv4Addr::new(192, 0, 2, 2)));
    assert_eq!(vias[0].branch(), Some("390skdjuw"));
    assert_eq!(vias[1].transport, Transport::Tcp);
    assert_eq!(vias[1].host, domain("spindle.example.com"));
    assert_eq!(vias[1].branch(), Some("z9hG4bK9ikj8"));
    assert_eq!(vias[2].host, Host::V4(Ipv4Addr::new(192, 168, 255, 111)));
    assert_eq!(vias[2].branch(), Some("z9hG4bK30239"));
    assert_eq!(h.get(&other("Subject")), Some(""));
    assert_eq!(
        h.get(&other("newfangledheader")),
        Some("newfangled value continued newfangled value")
    );
    assert_eq!(
        h.get(&other("UnknownHeaderWithUnusualValue")),
        Some(";;,,;;,;")
    );
    let routes = h.name_addrs(&HeaderName::Route).unwrap();
    assert_eq!(routes.len(), 1);
    assert_eq!(routes[0].uri.param("unknown-no-value"), Some(None));
    assert_eq!(routes[0].uri.param("unknownwith"), Some(Some("value")));
    let contacts = h.contacts().unwrap();
    let [Contact::Addr(c)] = contacts.as_slice() else {
        panic!("{contacts:?}")
    };
    assert_eq!(c.display.as_deref(), Some("Quoted string \"\""));
    assert_eq!(c.params.get("newparam"), Some(Some("newvalue")));
    assert_eq!(c.params.get("secondparam"), Some(None));
    assert_eq!(c.q(), Some(0.33));
    assert_eq!(h.content_length(), Ok(Some(150)));
    assert_eq!(r.body.len(), 150);
}

#[test]
fn intmeth_wide_range_of_valid_characters() {
    let r = valid_request("intmeth");
    let method = "!interesting-Method0123456789_*+`.%indeed'~";
    assert_eq!(r.method, Method::Other(method.into()));
    assert_eq!(
        r.uri.user.as_deref(),
        Some("1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*")
    );
    assert_eq!(
        r.uri.password.as_deref(),
        Some("&it+has=1,weird!*pas$wo~d_too.(doesn't-it)")
    );
    assert_eq!(r.uri.host, domain("example.com"));
    let h = &r.headers;
    assert_eq!(h.top_via().unwrap().branch(), Some("z9hG4bK-.!%66*_+`'~"));
    let to = h.to().unwrap();
    assert_eq!(to.display.as_deref(), Some("BEL:\x07 NUL:\x00 DEL:\x7f"));
    let from = h.from().unwrap();
    assert_eq!(
        from.display.as_deref(),
        Some("token1~` token2'+_ token3*%!.-")
    );
    assert_eq!(
        from.params.get("fromParam''~+*_!.-%"),
        Some(Some("работающий"))
    );
    assert_eq!(from.tag(), Some("_token~1'+`*%!-."));
    assert_eq!(
        h.call_id(),
        Ok("intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{")
    );
    assert_eq!(h.cseq().unwrap().method, Method::Other(method.into()));
    assert_eq!(h.max_forwards(), Ok(Some(255)));
    assert_eq!(
        h.get(&other("extensionHeader-!.%*+_`'~")),
        Some("\u{feff}大停電")
    );
    assert_eq!(to.to_string().parse(), Ok(to));
    assert_eq!(from.to_string().parse(), Ok(from));
}

#[test]
fn esc01_valid_percent_escapes() {
    let r = valid_request("esc01");
    assert_eq!(r.uri.user.as_deref(), Some("sips%3Auser%40example.com"));
    assert_eq!(r.uri.host, domain("example.net"));
    let h = &r.headers;
    assert_eq!(h.to().unwrap().uri.user.as_deref(), Some("%75se%72"));
    assert_eq!(
        h.from().unwrap().uri.user.as_deref(),
        Some("I%20have%20spaces")
    );
    assert_eq!(h.call_id(), Ok("esc01.239409asdfakjkn23onasd0-3234"));
    assert_eq!(h.get(&HeaderName::ContentType), Some("application/sdp"));
    let contacts = h.contacts().unwrap();
    let [Contact::Addr(c)] = contacts.as_slice() else {
        panic!("{contacts:?}")
    };
    assert_eq!(c.uri.user.as_deref(), Some("cal%6Cer"));
    assert_eq!(c.uri.param("%6C%72"), Some(None));
    assert_eq!(c.uri.param("n%61me"), Some(Some("v%61lue%25%34%31")));
}

#[test]
fn escnull_escaped_nulls() {
    let r = valid_request("escnull");
    let h = &r.headers;
    assert_eq!(h.to().unwrap().uri.user.as_deref(), Some("null-%00-null"));
    assert_eq!(h.from().unwrap().uri.user.as_deref(), Some("null-%00-null"));
    let users: Vec<_> = h
        .contacts()
        .unwrap()
        .into_iter()
        .map(|c| match c {
            Contact::Addr(a) => a.uri.user,
            Contact::Star => None,
        })
        .collect();
    assert_eq!(users, vec![Some("%00".into()), Some("%00%00".into())]);
}

#[test]
fn esc02_percent_that_is_not_an_escape() {
    let r = valid_request("esc02");
    assert_eq!(r.method, Method::Other("RE%47IST%45R".into()));
    let h = &r.headers;
    assert_eq!(h.to().unwrap().display.as_deref(), Some("%Z%45"));
    assert_eq!(h.from().unwrap().display.as_deref(), Some("%Z%45"));
    assert_eq!(h.contacts().unwrap().len(), 2);
    assert_eq!(
        h.get(&other("C%6Fntact")),
        Some("<sip:alias2@host2.example.com>")
    );
    assert_eq!(h.top_via().unwrap().branch(), Some("z9hG4bK209%fzsnel234"));
}

#[test]
fn lwsdisp_no_space_before_angle() {
    let r = valid_request("lwsdisp");
    let from = r.headers.from().unwrap();
    assert_eq!(from.display.as_deref(), Some("caller"));
    assert_eq!(from.tag(), Some("323"));
}

#[test]
fn longreq_long_values() {
    let r = valid_request("longreq");
    let h = &r.headers;
    let to = h.to().unwrap();
    assert_eq!(
        to.display,
        Some(format!(
            "I have a user name of {} proportion",
            "extreme".repeat(10)
        ))
    );
    assert_eq!(to.uri.port, Some(6000));
    assert_eq!(
        to.uri.param("unknownparam1"),
        Some(Some(format!("very{}value", "long".repeat(20)).as_str()))
    );
    assert_eq!(
        to.uri.param(&format!("longparam{}", "name".repeat(25))),
        Some(Some("shortvalue"))
    );
    let from = h.from().unwrap();
    let caller = "amazinglylongcallername".repeat(5);
    assert_eq!(from.uri.user.as_deref(), Some(caller.as_str()));
    assert_eq!(
        from.tag(),
        Some(format!("12{}424", "982".repeat(50)).as_str())
    );
    assert_eq!(
        from.params
            .get(&format!("unknownValueless{}", "paramname".repeat(10))),
        Some(None)
    );
    assert_eq!(
        h.call_id(),
        Ok(format!("longreq.one{}longcallid", "really".repeat(20)).as_str())
    );
    let vias = h.vias().unwrap();
    assert_eq!(vias.len(), 34);
    for (i, via) in vias.iter().take(33).enumerate() {
        assert_eq!(via.host, domain(&format!("sip{}.example.com", 33 - i)));
    }
    assert_eq!(vias[33].received(), Some("192.0.2.5"));
    assert_eq!(
        vias[33].branch(),
        Some(format!("very{}branchvalue", "long".repeat(50)).as_str())
    );
    let contacts = h.contacts().unwrap();
    let [Contact::Addr(c)] = contacts.as_slice() else {
        panic!("{contacts:?}")
    };
    assert_eq!(c.uri.user.as_deref(), Some(caller.as_str()));
    assert_eq!(r.body.len(), 150);
}

#[test]
fn dblreq_extra_octets_in_datagram_are_ignored() {
    let r = valid_request("dblreq");
    assert_eq!(r.method, Method::Register);
    assert!(r.body.is_empty());
}

#[test]
fn semiuri_semicolons_in_user_part() {
    let r = valid_request("semiuri");
    assert_eq!(r.uri.user.as_deref(), Some("user;par=u%40example.net"));
    assert_eq!(r.uri.host, domain("example.com"));
    assert!(r.uri.params.is_empty());
    let name = other("Accept");
    let accept: Vec<_> = r.headers.get_all(&name).collect();
    assert_eq!(
        accept,
        [
            "application/sdp",
            "application/pkcs7-mime",
            "multipart/mixed",
            "multipart/signed",
            "message/sip",
            "message/sipfrag"
        ]
    );
}

#[test]
fn transports_known_and_unknown() {
    let r = valid_request("transports");
    let h = &r.headers;
    let values: Vec<_> = h.get_all(&HeaderName::Via).collect();
    assert_eq!(values.len(), 5);
    let transports: Vec<_> = values
        .iter()
        .map(|v| v.parse::<vpbx_sip_msg::Via>().ok().map(|v| v.transport))
        .collect();
    assert_eq!(
        transports,
        [
            Some(Transport::Udp),
            Some(Transport::Sctp),
            Some(Transport::Tls),
            None,
            Some(Transport::Tcp)
        ]
    );
    assert_eq!(h.top_via().unwrap().host, domain("t1.example.com"));
    assert_eq!(h.call_id(), Ok("transports.kijh4akdnaqjkwendsasfdj"));
}

#[test]
fn mpart01_multipart_body_with_binary() {
    let r = valid_request("mpart01");
    assert_eq!(r.method, Method::Message);
    assert_eq!(r.body.len(), 553);
    assert!(r.body.contains(&0));
    assert!(r.body.ends_with(b"--7a9cbec02ceef655--\r\n"));
    let via = r.headers.top_via().unwrap();
    assert_eq!(via.port, Some(5070));
    assert_eq!(via.rport(), Some(None));
    assert_eq!(
        r.headers.get(&HeaderName::ContentType),
        Some("multipart/mixed;boundary=7a9cbec02ceef655")
    );
}

#[test]
fn unreason_utf8_reason_phrase() {
    let r = response("unreason");
    assert_eq!(r.status, 200);
    assert_eq!(r.reason, "= 2**3 * 5**2 но сто девяносто девять - простое");
    assert_eq!(r.validate(), Ok(()));
    assert_eq!(r.body.len(), 154);
}

#[test]
fn noreason_empty_reason_phrase() {
    let r = response("noreason");
    assert_eq!((r.status, r.reason.as_str()), (100, ""));
    assert_eq!(r.validate(), Ok(()));
}

// §3.1.2 invalid messages: each must be rejected, by the parser or by validation

#[test]
fn invalid_messages_are_rejected() {
    let expected: &[(&str, &str)] = &[
        ("badinv01", "Via"),
        ("clerr", "parse: BodyTooShort"),
        ("ncl", "parse: BadContentLength"),
        ("scalar02", "CSeq"),
        ("scalarlg", "CSeq"),
        ("quotbal", "To"),
        ("ltgtruri", "parse: BadStartLine(\"bad Request-URI\")"),
        ("badaspec", "To"),
        ("baddn", "From"),
        ("badvers", "parse: BadVersion"),
        ("mismatch01", "CSeq"),
        ("mismatch02", "CSeq"),
        ("escruri", "Request-URI"),
        ("baddate", "Date"),
        ("regbadct", "Contact"),
    ];
    for (name, why) in expected {
        assert_eq!(rejected(name), *why, "{name}");
    }
    for name in ["lwsruri", "lwsstart", "trws", "bigcode"] {
        assert!(
            matches!(parse(name), Err(ParseError::BadStartLine(_))),
            "{name}"
        );
    }
}

#[test]
fn clerr_on_a_stream_waits_for_the_declared_body() {
    assert_eq!(frame(&load("clerr")), Ok(Frame::Incomplete));
}

// §3.2 - §3.4: semantics above the parser; the parser's part is checked here

#[test]
fn badbranch_parses_with_bare_magic_cookie() {
    let r = valid_request("badbranch");
    assert_eq!(r.headers.top_via().unwrap().branch(), Some("z9hG4bK"));
}

#[test]
fn insuf_missing_required_headers() {
    let r = request("insuf");
    let err = r.validate().unwrap_err();
    assert_eq!(err.header, "From");
}

#[test]
fn unknown_and_novel_schemes_parse_opaquely() {
    let r = valid_request("unkscm");
    assert_eq!(r.uri.scheme, Scheme::Other("nobodyKnowsThisScheme".into()));
    assert_eq!(r.uri.user.as_deref(), Some("totallyopaquecontent"));
    let r = valid_request("novelsc");
    assert_eq!(r.uri.scheme, Scheme::Other("soap.beep".into()));
    let r = valid_request("unksm2");
    assert_eq!(
        r.headers.to().unwrap().uri.scheme,
        Scheme::Other("isbn".into())
    );
    assert_eq!(
        r.headers.from().unwrap().uri.scheme,
        Scheme::Other("http".into())
    );
    let contacts = r.headers.contacts().unwrap();
    let [Contact::Addr(c)] = contacts.as_slice() else {
        panic!("{contacts:?}")
    };
    assert_eq!(c.uri.scheme, Scheme::Other("name".into()));
}

#[test]
fn bext01_require_lists_are_split() {
    let r = valid_request("bext01");
    assert_eq!(
        r.headers.get_all(&HeaderName::Require).collect::<Vec<_>>(),
        ["nothingSupportsThis", "nothingSupportsThisEither"]
    );
    assert_eq!(r.headers.get_all(&HeaderName::ProxyRequire).count(), 2);
    assert_eq!(r.headers.top_via().unwrap().transport, Transport::Tls);
}

#[test]
fn invut_unknown_content_type_keeps_body() {
    let r = valid_request("invut");
    assert_eq!(r.body, b"<audio>\r\n <pcmu port=\"443\"/>\r\n</audio>\r\n");
}

#[test]
fn regaut01_unknown_auth_scheme() {
    let r = valid_request("regaut01");
    let auth = r.headers.auth(&HeaderName::Authorization).unwrap();
    assert_eq!(
        auth,
        [AuthParams {
            scheme: "NoOneKnowsThisScheme".into(),
            params: vec![("opaque-data".into(), "here".into())],
        }]
    );
}

#[test]
fn multi01_and_mcl01_are_rejected() {
    assert_ne!(rejected("multi01"), "");
    assert_eq!(rejected("mcl01"), "parse: BadContentLength");
    let mut single = load("multi01");
    let fixed = String::from_utf8_lossy(&single).replace("l: 154", "l: 152");
    single = fixed.into_bytes();
    let Ok(Message::Request(r)) = Message::parse(&single) else {
        panic!("multi01 with a fixed length must parse")
    };
    assert_eq!(r.validate().unwrap_err().header, "From");
}

#[test]
fn bcast_response_parses() {
    let r = response("bcast");
    assert_eq!(r.validate(), Ok(()));
    let vias = r.headers.vias().unwrap();
    assert_eq!(vias[1].host, Host::V4(Ipv4Addr::BROADCAST));
}

#[test]
fn zeromf_max_forwards_zero() {
    let r = valid_request("zeromf");
    assert_eq!(r.headers.max_forwards(), Ok(Some(0)));
}

#[test]
fn cparam_contact_parameters() {
    let r = valid_request("cparam01");
    let c = one_contact(&r);
    assert_eq!(c.params.get("unknownparam"), Some(None));
    assert!(c.uri.params.is_empty());
    let r = valid_request("cparam02");
    let c = one_contact(&r);
    assert_eq!(c.uri.param("unknownparam"), Some(None));
    assert!(c.params.is_empty());
}

#[test]
fn regescrt_escaped_header_in_contact_uri() {
    let r = valid_request("regescrt");
    let c = one_contact(&r);
    assert_eq!(
        c.uri.headers,
        [("Route".to_owned(), "%3Csip:sip.example.com%3E".to_owned())]
    );
}

#[test]
fn sdp01_unacceptable_accept() {
    let r = valid_request("sdp01");
    assert_eq!(
        r.headers.get(&other("accept")),
        Some("text/nobodyKnowsThis")
    );
}

#[test]
fn inv2543_rfc2543_syntax() {
    let r = valid_request("inv2543");
    assert_eq!(r.headers.top_via().unwrap().branch(), None);
    assert_eq!(r.headers.from().unwrap().tag(), None);
    assert_eq!(r.headers.max_forwards(), Ok(None));
    assert_eq!(r.body.len(), 105);
    assert_eq!(
        frame(&load("inv2543")),
        Err(ParseError::MissingContentLength)
    );
}

#[test]
fn responses_to_torture_requests_copy_the_dialog_headers() {
    let r = valid_request("wsinv");
    let resp = r.response(180, "Ringing", Some("abc"));
    assert_eq!(resp.headers.vias().unwrap().len(), 3);
    assert_eq!(resp.headers.to().unwrap().tag(), Some("1918181833n"));
    assert_eq!(resp.validate(), Ok(()));
    let r = valid_request("lwsdisp");
    let resp = r.response(200, "OK", Some("abc"));
    assert_eq!(resp.headers.to().unwrap().tag(), Some("abc"));
    assert_eq!(resp.headers.content_length(), Ok(Some(0)));
}
