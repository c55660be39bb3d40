//! Registrar tests, one per rule of RFC 3261 §10.3 (plus RFC 3327 Path and RFC 5626
//! instance), driving `apply`, `ok_response` and `error_response` with parsed REGISTERs.

use std::net::SocketAddr;

use vpbx_sip_msg::{HeaderName, Message, Request, Response, Transport};

use super::*;

const NOW: u64 = 1_700_000_000;
const CALL_ID: &str = "843817637684230@998sdasdh09";

fn source() -> SocketAddr {
    SocketAddr::from(([192, 0, 2, 10], 5060))
}

/// A REGISTER for bob (RFC 3261 §10.2 example) with `cseq`, `call_id` and extra headers.
fn register_as(call_id: &str, cseq: u32, extra: &[&str]) -> Request {
    let mut text = format!(
        "REGISTER sip:registrar.biloxi.com SIP/2.0\r\n\
         Via: SIP/2.0/UDP bobspc.biloxi.com:5060;branch=z9hG4bKnashds7\r\n\
         Max-Forwards: 70\r\n\
         To: Bob <sip:bob@biloxi.com>\r\n\
         From: Bob <sip:bob@biloxi.com>;tag=456248\r\n\
         Call-ID: {call_id}\r\n\
         CSeq: {cseq} REGISTER\r\n"
    );
    for line in extra {
        text.push_str(line);
        text.push_str("\r\n");
    }
    text.push_str("Content-Length: 0\r\n\r\n");
    match Message::parse(text.as_bytes()) {
        Ok(Message::Request(request)) => request,
        other => panic!("test REGISTER must parse: {other:?}\n{text}"),
    }
}

fn register(cseq: u32, extra: &[&str]) -> Request {
    register_as(CALL_ID, cseq, extra)
}

fn run(current: &[Binding], request: &Request) -> Result<Update, RegisterError> {
    run_with(&RegistrarPolicy::default(), NOW, current, request)
}

fn run_with(
    policy: &RegistrarPolicy,
    now: u64,
    current: &[Binding],
    request: &Request,
) -> Result<Update, RegisterError> {
    apply(policy, now, current, request, source(), Transport::Udp)
}

fn ok(result: Result<Update, RegisterError>) -> Update {
    match result {
        Ok(update) => update,
        Err(e) => panic!("REGISTER must succeed: {e}"),
    }
}

fn uris(update: &Update) -> Vec<&str> {
    update.bindings.iter().map(|b| b.uri.as_str()).collect()
}

fn values<'a>(response: &'a Response, name: &'a HeaderName) -> Vec<&'a str> {
    response.headers.get_all(name).collect()
}

/// RFC 3261 §10.3 step 7: a new contact without any interval gets the default.
#[test]
fn new_contact_gets_default_interval() {
    let update = ok(run(&[], &register(1, &["Contact: <sip:bob@192.0.2.4>"])));
    assert!(update.changed);
    assert_eq!(uris(&update), ["sip:bob@192.0.2.4"]);
    let b = &update.bindings[0];
    assert_eq!(b.expires_at, NOW + 3600);
    assert_eq!(b.call_id, CALL_ID);
    assert_eq!(b.cseq, 1);
    assert_eq!(b.source, source());
    assert_eq!(b.transport, Transport::Udp);
    assert_eq!(b.q, None);
    assert!(b.path.is_empty());
}

/// RFC 3261 §10.2.1 / §10.3 step 7: several contacts in one REGISTER, as separate headers
/// and comma-separated, each with its own interval.
#[test]
fn multiple_contacts() {
    let request = register(
        1,
        &[
            "Contact: <sip:bob@192.0.2.4>;expires=120, <sip:bob@192.0.2.5>",
            "Contact: <sips:bob@bob.example>;expires=600",
            "Expires: 1800",
        ],
    );
    let update = ok(run(&[], &request));
    assert_eq!(update.bindings.len(), 3);
    let at = |uri: &str| {
        update
            .bindings
            .iter()
            .find(|b| b.uri == uri)
            .map(|b| b.expires_at)
    };
    assert_eq!(at("sip:bob@192.0.2.4"), Some(NOW + 120));
    assert_eq!(at("sip:bob@192.0.2.5"), Some(NOW + 1800));
    assert_eq!(at("sips:bob@bob.example"), Some(NOW + 600));
}

/// RFC 3261 §10.3 step 7: the Expires header applies to contacts without a parameter.
#[test]
fn expires_header_over_default() {
    let request = register(1, &["Contact: <sip:bob@192.0.2.4>", "Expires: 300"]);
    let update = ok(run(&[], &request));
    assert_eq!(update.bindings[0].expires_at, NOW + 300);
}

/// RFC 3261 §20.19: a malformed Expires header counts as 3600 (then the policy applies).
#[test]
fn malformed_expires_header_is_3600() {
    let request = register(1, &["Contact: <sip:bob@192.0.2.4>", "Expires: soon"]);
    let update = ok(run(&[], &request));
    assert_eq!(update.bindings[0].expires_at, NOW + 3600);
}

/// RFC 3261 §20.10 / §25.1: a malformed expires or q parameter is a bad request.
#[test]
fn malformed_contact_parameters_are_400() {
    for contact in [
        "Contact: <sip:bob@192.0.2.4>;expires=soon",
        "Contact: <sip:bob@192.0.2.4>;expires",
        "Contact: <sip:bob@192.0.2.4>;q=1.5",
        "Contact: <sip:bob@192.0.2.4>;q=high",
    ] {
        let result = run(&[], &register(1, &[contact]));
        assert!(
            matches!(result, Err(RegisterError::BadRequest(_))),
            "{contact}: {result:?}"
        );
    }
}

/// RFC 3261 §10.3 step 7: intervals below the minimum (and below one hour) get 423 with
/// Min-Expires (§20.23); zero is not brief, it removes.
#[test]
fn interval_too_brief() {
    let request = register(1, &["Contact: <sip:bob@192.0.2.4>;expires=30"]);
    let error = run(&[], &request).err();
    assert_eq!(
        error,
        Some(RegisterError::IntervalTooBrief { min_expires: 60 })
    );
    let response = error_response(
        &request,
        &RegisterError::IntervalTooBrief { min_expires: 60 },
        "reg1",
    );
    assert_eq!(response.status, 423);
    assert_eq!(response.reason, "Interval Too Brief");
    assert_eq!(response.headers.get(&HeaderName::MinExpires), Some("60"));
    assert_eq!(
        response
            .headers
            .to()
            .ok()
            .and_then(|t| t.tag().map(str::to_owned)),
        Some("reg1".to_owned())
    );

    let header = register(1, &["Contact: <sip:bob@192.0.2.4>", "Expires: 59"]);
    assert!(matches!(
        run(&[], &header),
        Err(RegisterError::IntervalTooBrief { .. })
    ));
    let zero = register(1, &["Contact: <sip:bob@192.0.2.4>;expires=0"]);
    assert_eq!(ok(run(&[], &zero)).bindings, []);
}

/// RFC 3261 §10.3 step 7: the 423 rule only covers intervals under one hour.
#[test]
fn minimum_above_one_hour_does_not_reject_an_hour() {
    let policy = RegistrarPolicy {
        min_expires: 7200,
        max_expires: 86_400,
        ..RegistrarPolicy::default()
    };
    let request = register(1, &["Contact: <sip:bob@192.0.2.4>;expires=3600"]);
    let update = ok(run_with(&policy, NOW, &[], &request));
    assert_eq!(update.bindings[0].expires_at, NOW + 3600);
}

/// RFC 3261 §10.3 step 7: the registrar may shorten an interval to its maximum.
#[test]
fn interval_clamped_to_maximum() {
    let request = register(1, &["Contact: <sip:bob@192.0.2.4>;expires=86400"]);
    let update = ok(run(&[], &request));
    assert_eq!(update.bindings[0].expires_at, NOW + 3600);
    let huge = register(1, &["Contact: <sip:bob@192.0.2.4>;expires=99999999999"]);
    assert_eq!(ok(run(&[], &huge)).bindings[0].expires_at, NOW + 3600);
}

/// RFC 3261 §10.2.1.2 / §16.6: bindings come back highest q first; absent q ranks as 1.0.
#[test]
fn q_ordering() {
    let request = register(
        1,
        &[
            "Contact: <sip:low@192.0.2.1>;q=0.1",
            "Contact: <sip:none@192.0.2.2>",
            "Contact: <sip:high@192.0.2.3>;q=0.9",
            "Contact: <sip:mid@192.0.2.4>;q=0.5",
        ],
    );
    let update = ok(run(&[], &request));
    assert_eq!(
        uris(&update),
        [
            "sip:none@192.0.2.2",
            "sip:high@192.0.2.3",
            "sip:mid@192.0.2.4",
            "sip:low@192.0.2.1"
        ]
    );
    assert_eq!(update.bindings[2].q, Some(0.5));
}

/// RFC 3261 §10.3 step 7: same Call-ID with a higher CSeq refreshes the binding; a pure
/// refresh is not a change.
#[test]
fn refresh_with_higher_cseq() {
    let first = ok(run(&[], &register(1, &["Contact: <sip:bob@192.0.2.4>"])));
    let refresh = register(2, &["Contact: <sip:bob@192.0.2.4>", "Expires: 600"]);
    let later = NOW + 500;
    let update = ok(run_with(
        &RegistrarPolicy::default(),
        later,
        &first.bindings,
        &refresh,
    ));
    assert!(!update.changed);
    assert_eq!(update.bindings.len(), 1);
    assert_eq!(update.bindings[0].expires_at, later + 600);
    assert_eq!(update.bindings[0].cseq, 2);
}

/// RFC 3261 §19.1.4: the refresh finds its binding although the host is spelled in
/// another case (the binding keeps the latest spelling).
#[test]
fn refresh_matches_equivalent_uri() {
    let first = ok(run(
        &[],
        &register(1, &["Contact: <sip:bob@Bob.Example:5060>"]),
    ));
    let update = ok(run(
        &first.bindings,
        &register(2, &["Contact: <sip:bob@bob.example:5060>"]),
    ));
    assert_eq!(update.bindings.len(), 1);
    let other_port = ok(run(
        &first.bindings,
        &register(3, &["Contact: <sip:bob@bob.example>"]),
    ));
    assert_eq!(other_port.bindings.len(), 2);
}

/// RFC 3261 §10.3 step 7: same Call-ID with an equal or lower CSeq aborts (500).
#[test]
fn out_of_order() {
    let first = ok(run(&[], &register(5, &["Contact: <sip:bob@192.0.2.4>"])));
    for cseq in [5, 4] {
        let stale = register(cseq, &["Contact: <sip:bob@192.0.2.4>;expires=0"]);
        assert_eq!(
            run(&first.bindings, &stale),
            Err(RegisterError::OutOfOrder),
            "CSeq {cseq}"
        );
    }
    let response = error_response(
        &register(4, &["Contact: <sip:bob@192.0.2.4>"]),
        &RegisterError::OutOfOrder,
        "t",
    );
    assert_eq!(response.status, 500);
}

/// RFC 3261 §10.3 step 7: another Call-ID (e.g. the phone rebooted) replaces the binding
/// whatever its CSeq.
#[test]
fn new_call_id_replaces_binding() {
    let first = ok(run(&[], &register(9, &["Contact: <sip:bob@192.0.2.4>"])));
    let reboot = register_as("fresh-call-id", 1, &["Contact: <sip:bob@192.0.2.4>"]);
    let update = ok(run(&first.bindings, &reboot));
    assert!(update.changed);
    assert_eq!(update.bindings.len(), 1);
    assert_eq!(update.bindings[0].call_id, "fresh-call-id");
    assert_eq!(update.bindings[0].cseq, 1);
}

/// RFC 3261 §10.2.2 / §10.3 step 7: expires=0 (parameter or header) removes one binding.
#[test]
fn removal_by_zero_expires() {
    let two = ok(run(
        &[],
        &register(1, &["Contact: <sip:bob@192.0.2.4>, <sip:bob@192.0.2.5>"]),
    ));
    let by_param = ok(run(
        &two.bindings,
        &register(2, &["Contact: <sip:bob@192.0.2.4>;expires=0"]),
    ));
    assert!(by_param.changed);
    assert_eq!(uris(&by_param), ["sip:bob@192.0.2.5"]);
    let by_header = ok(run(
        &by_param.bindings,
        &register(3, &["Contact: <sip:bob@192.0.2.5>", "Expires: 0"]),
    ));
    assert!(by_header.changed);
    assert!(by_header.bindings.is_empty());
    let unknown = ok(run(
        &[],
        &register(4, &["Contact: <sip:nobody@192.0.2.9>;expires=0"]),
    ));
    assert!(!unknown.changed);
}

/// RFC 3261 §10.3 step 6: `*` with Expires: 0 removes every binding.
#[test]
fn star_removes_all() {
    let two = ok(run(
        &[],
        &register(1, &["Contact: <sip:bob@192.0.2.4>, <sip:bob@192.0.2.5>"]),
    ));
    let star = register(2, &["Contact: *", "Expires: 0"]);
    let update = ok(run(&two.bindings, &star));
    assert!(update.changed);
    assert!(update.bindings.is_empty());
    let other_call = register_as("other", 1, &["Contact: *", "Expires: 0"]);
    assert!(ok(run(&two.bindings, &other_call)).bindings.is_empty());
}

/// RFC 3261 §10.3 step 6: `*` needs Expires: 0 and no other contact; same Call-ID with an
/// old CSeq aborts.
#[test]
fn star_rules() {
    for extra in [
        &["Contact: *"][..],
        &["Contact: *", "Expires: 10"][..],
        &["Contact: *, <sip:bob@192.0.2.4>", "Expires: 0"][..],
    ] {
        assert!(
            matches!(
                run(&[], &register(1, extra)),
                Err(RegisterError::BadRequest(_))
            ),
            "{extra:?}"
        );
    }
    let first = ok(run(&[], &register(3, &["Contact: <sip:bob@192.0.2.4>"])));
    let star = register(3, &["Contact: *", "Expires: 0"]);
    assert_eq!(run(&first.bindings, &star), Err(RegisterError::OutOfOrder));
}

/// RFC 3261 §10.2.3 / §10.3 step 8: a REGISTER without Contact queries the bindings;
/// expired ones are gone.
#[test]
fn fetch_without_contact() {
    let two = ok(run(
        &[],
        &register(
            1,
            &["Contact: <sip:bob@192.0.2.4>;expires=100, <sip:bob@192.0.2.5>;expires=1000"],
        ),
    ));
    let query = register(2, &[]);
    let same = ok(run(&two.bindings, &query));
    assert!(!same.changed);
    assert_eq!(same.bindings, two.bindings);
    let later = ok(run_with(
        &RegistrarPolicy::default(),
        NOW + 100,
        &two.bindings,
        &query,
    ));
    assert!(later.changed);
    assert_eq!(uris(&later), ["sip:bob@192.0.2.5"]);
}

/// Policy limit: more contacts than allowed, in one request or accumulated, is 403.
#[test]
fn too_many_contacts() {
    let policy = RegistrarPolicy {
        max_contacts: 2,
        ..RegistrarPolicy::default()
    };
    let three = register(
        1,
        &["Contact: <sip:a@192.0.2.1>, <sip:b@192.0.2.2>, <sip:c@192.0.2.3>"],
    );
    let error = run_with(&policy, NOW, &[], &three).err();
    assert_eq!(error, Some(RegisterError::TooManyContacts { max: 2 }));
    let two = ok(run_with(
        &policy,
        NOW,
        &[],
        &register(1, &["Contact: <sip:a@192.0.2.1>, <sip:b@192.0.2.2>"]),
    ));
    let another = register_as("second-phone", 1, &["Contact: <sip:c@192.0.2.3>"]);
    assert_eq!(
        run_with(&policy, NOW, &two.bindings, &another),
        Err(RegisterError::TooManyContacts { max: 2 })
    );
    let replace = register(
        2,
        &["Contact: <sip:a@192.0.2.1>;expires=0, <sip:c@192.0.2.3>"],
    );
    assert_eq!(
        uris(&ok(run_with(&policy, NOW, &two.bindings, &replace))),
        ["sip:b@192.0.2.2", "sip:c@192.0.2.3"]
    );
    let response = error_response(&three, &RegisterError::TooManyContacts { max: 2 }, "t");
    assert_eq!(response.status, 403);
}

/// RFC 3327 §5.3: Path is stored with the binding and echoed in the 200 OK when the UA
/// said `Supported: path`.
#[test]
fn path_stored_and_echoed() {
    let request = register(
        1,
        &[
            "Path: <sip:edge1.example;lr>",
            "Path: <sip:edge2.example;lr>",
            "Supported: outbound, path",
            "Contact: <sip:bob@192.0.2.4>",
        ],
    );
    let update = ok(run(&[], &request));
    let path = &update.bindings[0].path;
    assert_eq!(path.len(), 2);
    assert!(path[0].contains("edge1.example"));
    assert!(path[1].contains("edge2.example"));
    let response = ok_response(&request, &update.bindings, NOW, "reg1");
    let echoed = values(&response, &HeaderName::Path);
    assert_eq!(echoed.len(), 2);
    assert!(echoed[0].contains("edge1.example"));
    assert!(echoed[1].contains("edge2.example"));

    let unsupported = register(
        1,
        &[
            "Path: <sip:edge1.example;lr>",
            "Contact: <sip:bob@192.0.2.4>",
        ],
    );
    let response = ok_response(&unsupported, &update.bindings, NOW, "reg1");
    assert!(values(&response, &HeaderName::Path).is_empty());
}

/// RFC 3261 §10.3 step 8: the 200 OK lists every live binding with the seconds left, plus
/// q and the RFC 5626 instance; it has our To tag, no Date, and Content-Length last.
#[test]
fn ok_response_lists_bindings() {
    let request = register(
        1,
        &[
            "Contact: <sip:bob@192.0.2.4;transport=tcp>;q=0.5;+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-000A95A0E128>\";expires=600",
            "Contact: <sip:bob@192.0.2.5>;expires=100",
            "User-Agent: TestPhone/1.0",
        ],
    );
    let update = ok(run(&[], &request));
    assert_eq!(
        uris(&update),
        ["sip:bob@192.0.2.5", "sip:bob@192.0.2.4;transport=tcp"]
    );
    let bob = &update.bindings[1];
    assert_eq!(
        bob.instance.as_deref(),
        Some("<urn:uuid:00000000-0000-1000-8000-000A95A0E128>")
    );
    assert_eq!(bob.user_agent.as_deref(), Some("TestPhone/1.0"));
    let later = NOW + 150;
    let response = ok_response(&request, &update.bindings, later, "reg1");
    assert_eq!(response.status, 200);
    let contacts = values(&response, &HeaderName::Contact);
    assert_eq!(contacts.len(), 1);
    assert!(contacts[0].starts_with("<sip:bob@192.0.2.4;transport=tcp>;expires=450"));
    assert!(contacts[0].contains(";q=0.5"));
    assert!(
        contacts[0].contains("+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-000A95A0E128>\"")
    );
    assert_eq!(response.headers.get(&HeaderName::Date), None);
    assert_eq!(
        response.headers.iter().last().map(|h| h.name.clone()),
        Some(HeaderName::ContentLength)
    );
    assert_eq!(
        response
            .headers
            .to()
            .ok()
            .and_then(|t| t.tag().map(str::to_owned)),
        Some("reg1".to_owned())
    );
    let parsed = ok_response(&request, &update.bindings, NOW, "reg1");
    let typed = parsed.headers.contacts().unwrap_or_default();
    assert_eq!(typed.len(), 2);
}

/// The 200 OK Contacts reparse with the granted intervals (RFC 3261 §10.3 step 8).
#[test]
fn ok_response_contacts_reparse() {
    let request = register(1, &["Contact: <sip:bob@192.0.2.4>;expires=7200"]);
    let update = ok(run(&[], &request));
    let response = ok_response(&request, &update.bindings, NOW, "t");
    let bytes = Message::Response(response).to_bytes();
    let Ok(Message::Response(parsed)) = Message::parse(&bytes) else {
        panic!("200 OK must reparse");
    };
    let contacts = parsed.headers.contacts().unwrap_or_default();
    let expires: Vec<Option<u32>> = contacts
        .iter()
        .map(|c| match c {
            vpbx_sip_msg::Contact::Addr(addr) => addr.expires(),
            vpbx_sip_msg::Contact::Star => None,
        })
        .collect();
    assert_eq!(expires, [Some(3600)]);
}

/// A REGISTER missing Call-ID/CSeq is a bad request, not a panic.
#[test]
fn broken_headers_are_400() {
    let mut request = register(1, &["Contact: <sip:bob@192.0.2.4>"]);
    request.headers.remove(&HeaderName::CallId);
    assert!(matches!(
        run(&[], &request),
        Err(RegisterError::BadRequest(_))
    ));
    let mut request = register(1, &["Contact: <sip:bob@192.0.2.4>"]);
    request.headers.set(HeaderName::Contact, "<<<");
    assert!(matches!(
        run(&[], &request),
        Err(RegisterError::BadRequest(_))
    ));
}

/// Duplicate contacts in one REGISTER are not mistaken for a replay: the last one wins.
#[test]
fn duplicate_contact_in_one_request() {
    let request = register(
        1,
        &["Contact: <sip:bob@192.0.2.4>;expires=100, <sip:bob@192.0.2.4>;expires=200"],
    );
    let update = ok(run(&[], &request));
    assert_eq!(update.bindings.len(), 1);
    assert_eq!(update.bindings[0].expires_at, NOW + 200);
}

/// Source and transport of the latest REGISTER are kept; a move is a change.
#[test]
fn new_source_is_a_change() {
    let first = ok(run(&[], &register(1, &["Contact: <sip:bob@192.0.2.4>"])));
    let moved = apply(
        &RegistrarPolicy::default(),
        NOW,
        &first.bindings,
        &register(2, &["Contact: <sip:bob@192.0.2.4>"]),
        SocketAddr::from(([198, 51, 100, 7], 40000)),
        Transport::Tcp,
    );
    let moved = ok(moved);
    assert!(moved.changed);
    assert_eq!(moved.bindings[0].transport, Transport::Tcp);
    assert_eq!(
        moved.bindings[0].source,
        SocketAddr::from(([198, 51, 100, 7], 40000))
    );
}
