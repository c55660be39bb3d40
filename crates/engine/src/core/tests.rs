//! Sans-IO tests of the SIP core on the registrar path: REGISTER with digest
//! authentication (RFC 3261 §22.4, RFC 8760), the registrar rules of RFC 3261 §10.3,
//! refusals of requests outside a dialog or for unknown/disabled tenants, response routing
//! (RFC 3581 §4) and tenant isolation. Messages are parsed from CRLF text, digest
//! responses are computed here with md-5/sha2, and time is a fake clock the tests advance.

use super::{Shared, SipCore, ALLOW, SERVER};
use crate::active::ActiveCalls;
use crate::location::Location;
use crate::media::app::AppConfig;
use crate::media::{MediaError, MediaId, MediaPlane, MediaSession, MediaStats, Playback, Side};
use crate::metrics::Metrics;
use crate::registry::{Registry, TenantView, UserSecrets};
use md5::Md5;
use sha2::{Digest, Sha256};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use vpbx_model::TenantId;
use vpbx_sip_msg::{AuthParams, HeaderName, Message, Response, Transport};
use vpbx_sip_proto::digest::{ha1_hex, Algorithm, DigestVerifier};
use vpbx_sip_proto::registrar::RegistrarPolicy;
use vpbx_sip_proto::transaction::{Peer, TimerConfig, Transmit};

const ACME: TenantId = TenantId(1);
const BETA: TenantId = TenantId(2);
const NONCE_TTL: u64 = 300;
/// Where phones say they are (Via sent-by, Contact host).
const PHONE_HOST: &str = "192.0.2.10:5060";

/// The NAT'd source address requests arrive from.
fn source() -> SocketAddr {
    SocketAddr::from((Ipv4Addr::new(198, 51, 100, 7), 40000))
}

/// A tenant with `users` as (extension, password).
pub(super) fn tenant(
    id: TenantId,
    domain: &str,
    enabled: bool,
    users: &[(&str, &str)],
) -> TenantView {
    let secrets = |user: &str, password: &str| UserSecrets {
        ha1_md5: ha1_hex(Algorithm::Md5, user, domain, password),
        ha1_sha256: ha1_hex(Algorithm::Sha256, user, domain, password),
        call_limit: None,
        busy_level: None,
    };
    TenantView {
        id,
        domain: domain.parse().expect("valid test domain"),
        enabled,
        users: users
            .iter()
            .map(|(user, password)| ((*user).to_owned(), secrets(user, password)))
            .collect(),
        trunks: Default::default(),
        routing: Default::default(),
        media: Default::default(),
        menus: Default::default(),
        moh: None,
        voicemail: Default::default(),
        disa: false,
        disa_pins: Default::default(),
    }
}

/// A media plane without ports: the registrar path never opens a session.
pub(super) struct NoMedia;

impl MediaPlane for NoMedia {
    fn open(&self, _owner: u64) -> Result<MediaSession, MediaError> {
        Err(MediaError::PortsExhausted)
    }

    fn set_remote(&self, _id: MediaId, _side: Side, _rtp: SocketAddr, _rtcp: SocketAddr) {}

    fn set_timeout_armed(&self, _id: MediaId, _armed: bool) {}

    fn record(&self, _id: MediaId, _relative: &str, _caller_only: bool) -> bool {
        false
    }

    fn start_app(&self, _id: MediaId, _side: Side, _config: AppConfig) {}

    fn play(&self, _id: MediaId, _side: Side, _playback: Playback) {}

    fn bridge(&self, _id: MediaId, _side: Side) {}

    fn close(&self, _id: MediaId) -> Option<MediaStats> {
        None
    }
}

/// One shard of the core over two tenants with user 1000 each and a disabled third,
/// driven by a clock the test owns.
struct Pbx {
    core: SipCore,
    shared: Arc<Shared>,
    now: Instant,
    now_unix: u64,
}

impl Pbx {
    fn new() -> Self {
        Self::with_algorithms(vec![Algorithm::Sha256, Algorithm::Md5])
    }

    fn with_algorithms(algorithms: Vec<Algorithm>) -> Self {
        let registry = Registry::new();
        registry.replace_all(vec![
            tenant(ACME, "acme.example", true, &[("1000", "acme-pw")]),
            tenant(BETA, "beta.example", true, &[("1000", "beta-pw")]),
            tenant(TenantId(3), "gone.example", false, &[("1000", "gone-pw")]),
        ]);
        let shared = Arc::new(Shared {
            registry: Arc::new(registry),
            location: Arc::new(Location::new()),
            verifier: DigestVerifier::new([7; 32], NONCE_TTL).with_algorithms(algorithms),
            policy: RegistrarPolicy::default(),
            metrics: Arc::new(Metrics::default()),
            media: Arc::new(NoMedia),
            active: Arc::new(ActiveCalls::new()),
            sip_addr: SocketAddr::from((Ipv4Addr::new(203, 0, 113, 1), 5060)),
            ring_timeout: Duration::from_secs(30),
            default_call_limit: None,
            trunk_states: Arc::new(crate::trunk_state::TrunkStates::new()),
            recordings: Default::default(),
            data_dir: std::path::PathBuf::from("/nonexistent"),
            mailboxes: Default::default(),
        });
        Self {
            core: SipCore::new(shared.clone(), TimerConfig::default(), 0, 0xabc),
            shared,
            now: Instant::now(),
            now_unix: 1_700_000_000,
        }
    }

    /// Feeds one UDP datagram and returns the single message the core sends back.
    fn send(&mut self, text: &str) -> Transmit {
        let message = Message::parse(text.as_bytes()).expect("test request parses");
        let peer = Peer {
            transport: Transport::Udp,
            addr: source(),
            conn: None,
        };
        self.core.handle(self.now, self.now_unix, peer, message);
        let out = self.core.poll_transmit().expect("the core answers");
        assert_eq!(self.core.poll_transmit(), None, "exactly one answer");
        out
    }

    fn ask(&mut self, text: &str) -> Response {
        response(&self.send(text))
    }

    /// Sends `phone`'s REGISTER without credentials, expects 401 and returns the same
    /// REGISTER (next CSeq) answering the challenge for the phone's algorithm.
    fn authorize(&mut self, phone: &mut Phone, extra: &[&str]) -> String {
        let refused = self.ask(&phone.request("REGISTER", extra));
        assert_eq!(refused.status, 401);
        let authorization = phone.credentials(&challenge(&refused, phone.algorithm));
        phone.request("REGISTER", &[extra, &[authorization.as_str()]].concat())
    }

    fn register(&mut self, phone: &mut Phone, extra: &[&str]) -> Response {
        let text = self.authorize(phone, extra);
        self.ask(&text)
    }

    fn advance(&mut self, by: Duration) {
        self.now += by;
        self.now_unix += by.as_secs();
        self.core.handle_timeout(self.now);
    }
}

/// A UA: one Call-ID, CSeq counting up, digest answers computed here (RFC 7616 §3.4.1).
struct Phone {
    user: &'static str,
    domain: &'static str,
    password: &'static str,
    algorithm: &'static str,
    contact: Option<String>,
    rport: bool,
    call_id: String,
    cseq: u32,
}

impl Phone {
    fn new(user: &'static str, domain: &'static str, password: &'static str) -> Self {
        static CALLS: AtomicU32 = AtomicU32::new(0);
        Self {
            user,
            domain,
            password,
            algorithm: "SHA-256",
            contact: Some(format!("<sip:{user}@{PHONE_HOST}>")),
            rport: true,
            call_id: format!("call-{}", CALLS.fetch_add(1, Ordering::Relaxed)),
            cseq: 0,
        }
    }

    /// The next request of this phone, with a fresh branch; `extra` header lines are added.
    fn request(&mut self, method: &str, extra: &[&str]) -> String {
        self.cseq += 1;
        let (user, domain, call_id, cseq) = (self.user, self.domain, &self.call_id, self.cseq);
        let rport = if self.rport { ";rport" } else { "" };
        let mut text = format!(
            "{method} sip:{domain} SIP/2.0\r\n\
             Via: SIP/2.0/UDP {PHONE_HOST};branch=z9hG4bK-{call_id}-{cseq}{rport}\r\n\
             Max-Forwards: 70\r\n\
             From: <sip:{user}@{domain}>;tag=from-{call_id}\r\n\
             To: <sip:{user}@{domain}>\r\n\
             Call-ID: {call_id}\r\n\
             CSeq: {cseq} {method}\r\n"
        );
        if let Some(contact) = &self.contact {
            text.push_str(&format!("Contact: {contact}\r\n"));
        }
        for line in extra {
            text.push_str(line);
            text.push_str("\r\n");
        }
        text.push_str("Content-Length: 0\r\n\r\n");
        text
    }

    /// An Authorization line answering `challenge` with qop=auth.
    fn credentials(&self, challenge: &AuthParams) -> String {
        let realm = challenge.get("realm").unwrap_or_default();
        let nonce = challenge.get("nonce").unwrap_or_default();
        let uri = format!("sip:{}", self.domain);
        let (nc, cnonce) = ("00000001", "0a4f113b");
        let ha1 = self.hash(&format!("{}:{realm}:{}", self.user, self.password));
        let ha2 = self.hash(&format!("REGISTER:{uri}"));
        let response = self.hash(&format!("{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}"));
        format!(
            "Authorization: Digest username=\"{}\", realm=\"{realm}\", nonce=\"{nonce}\", \
             uri=\"{uri}\", response=\"{response}\", algorithm={}, qop=auth, nc={nc}, \
             cnonce=\"{cnonce}\"",
            self.user, self.algorithm
        )
    }

    fn hash(&self, data: &str) -> String {
        match self.algorithm {
            "SHA-256" => format!("{:x}", Sha256::digest(data)),
            _ => format!("{:x}", Md5::digest(data)),
        }
    }
}

fn response(transmit: &Transmit) -> Response {
    match Message::parse(&transmit.bytes) {
        Ok(Message::Response(r)) => r,
        other => panic!("expected a response, got {other:?}"),
    }
}

fn challenges(response: &Response) -> Vec<AuthParams> {
    response
        .headers
        .auth(&HeaderName::WwwAuthenticate)
        .expect("WWW-Authenticate parses")
}

/// The challenge of `response` for `algorithm`.
fn challenge(response: &Response, algorithm: &str) -> AuthParams {
    challenges(response)
        .into_iter()
        .find(|c| c.get("algorithm") == Some(algorithm))
        .expect("a challenge for the algorithm")
}

fn to_tag(response: &Response) -> Option<String> {
    let to = response.headers.to().expect("To parses");
    to.tag().map(str::to_owned)
}

fn header_names(response: &Response) -> Vec<&str> {
    response.headers.iter().map(|h| h.name.as_str()).collect()
}

/// The response without the headers echoed from the request (RFC 3261 §8.2.6).
fn without_echo(mut response: Response) -> Response {
    for name in [
        HeaderName::Via,
        HeaderName::From,
        HeaderName::To,
        HeaderName::CallId,
    ] {
        response.headers.remove(&name);
    }
    response
}

/// RFC 3261 §22.1, RFC 8760 §2.4: one challenge per configured algorithm, in the
/// configured order, realm = tenant domain, qop=auth.
#[test]
fn register_without_credentials_is_challenged_per_algorithm_in_configured_order_rfc8760_2_4() {
    for (algorithms, expected) in [
        (vec![Algorithm::Sha256, Algorithm::Md5], ["SHA-256", "MD5"]),
        (vec![Algorithm::Md5, Algorithm::Sha256], ["MD5", "SHA-256"]),
    ] {
        let mut pbx = Pbx::with_algorithms(algorithms);
        let r = pbx.ask(&Phone::new("1000", "acme.example", "").request("REGISTER", &[]));
        assert_eq!((r.status, r.reason.as_str()), (401, "Unauthorized"));
        let all = challenges(&r);
        let names: Vec<_> = all.iter().map(|c| c.get("algorithm")).collect();
        assert_eq!(names, expected.map(Some));
        for c in &all {
            assert!(c.scheme.eq_ignore_ascii_case("Digest"));
            assert_eq!(c.get("realm"), Some("acme.example"));
            assert_eq!(c.get("qop"), Some("auth"));
            assert_eq!(c.get("stale"), None);
        }
    }
}

/// RFC 8760 §2.4 / RFC 7616 §3.4.1 with SHA-256 end to end: 200 with the Contact and its
/// expires (RFC 3261 §10.3 step 8), binding in the location service and queued for saving.
#[test]
fn sha256_register_with_qop_auth_binds_contact_rfc8760() {
    let mut pbx = Pbx::new();
    let mut phone = Phone::new("1000", "acme.example", "acme-pw");
    let ok = pbx.register(&mut phone, &["Expires: 600"]);
    assert_eq!(ok.status, 200);
    assert_eq!(
        ok.headers.get(&HeaderName::Contact),
        Some("<sip:1000@192.0.2.10:5060>;expires=600")
    );
    let bindings = pbx.shared.location.lookup(ACME, "1000");
    assert_eq!(bindings.len(), 1);
    assert_eq!(bindings[0].uri, "sip:1000@192.0.2.10:5060");
    assert_eq!(bindings[0].expires_at, pbx.now_unix + 600);
    assert_eq!(bindings[0].source, source());
    let saves = pbx.core.drain_saves();
    assert_eq!(saves, vec![(ACME, "1000".to_owned(), bindings)]);
}

/// RFC 3261 §22.4 with MD5 and qop=auth (RFC 2617 §3.2.2).
#[test]
fn md5_register_with_qop_auth_is_accepted_rfc3261_22_4() {
    let mut pbx = Pbx::new();
    let mut phone = Phone::new("1000", "acme.example", "acme-pw");
    phone.algorithm = "MD5";
    assert_eq!(pbx.register(&mut phone, &[]).status, 200);
    assert_eq!(pbx.shared.location.lookup(ACME, "1000").len(), 1);
}

/// RFC 7616 §5.3: a wrong password and an unknown user get the same 403, so extensions
/// cannot be enumerated.
#[test]
fn wrong_password_and_unknown_user_get_identical_403_rfc7616_5_3() {
    let mut pbx = Pbx::new();
    let wrong = pbx.register(&mut Phone::new("1000", "acme.example", "guess"), &[]);
    let unknown = pbx.register(&mut Phone::new("4711", "acme.example", "guess"), &[]);
    assert_eq!((wrong.status, wrong.reason.as_str()), (403, "Forbidden"));
    assert_eq!(without_echo(wrong), without_echo(unknown));
    assert!(pbx.core.drain_saves().is_empty());
}

/// RFC 3261 §22.4: a nonce we did not issue is answered with a fresh challenge, not 403.
#[test]
fn forged_nonce_gets_fresh_challenge_not_403_rfc3261_22_4() {
    let mut pbx = Pbx::new();
    let mut phone = Phone::new("1000", "acme.example", "acme-pw");
    let forged = AuthParams {
        scheme: "Digest".to_owned(),
        params: vec![
            ("realm".to_owned(), "acme.example".to_owned()),
            ("nonce".to_owned(), "0".repeat(48)),
        ],
    };
    let authorization = phone.credentials(&forged);
    let r = pbx.ask(&phone.request("REGISTER", &[&authorization]));
    assert_eq!(r.status, 401);
    let fresh = challenge(&r, "SHA-256");
    assert_ne!(fresh.get("nonce"), Some("0".repeat(48).as_str()));
    assert_eq!(fresh.get("stale"), None);
}

/// RFC 7616 §3.3 (stale): correct credentials under an expired nonce get 401 with
/// stale=true and a new nonce, with which the phone then registers.
#[test]
fn expired_nonce_gets_stale_challenge_then_registers_rfc7616_3_3() {
    let mut pbx = Pbx::new();
    let mut phone = Phone::new("1000", "acme.example", "acme-pw");
    let first = pbx.ask(&phone.request("REGISTER", &[]));
    let old = challenge(&first, "SHA-256");
    pbx.advance(Duration::from_secs(NONCE_TTL + 1));
    let authorization = phone.credentials(&old);
    let stale = pbx.ask(&phone.request("REGISTER", &[&authorization]));
    assert_eq!(stale.status, 401);
    assert!(challenges(&stale)
        .iter()
        .all(|c| c.get("stale") == Some("true")));
    let renewed = challenge(&stale, "SHA-256");
    assert_ne!(renewed.get("nonce"), old.get("nonce"));
    let authorization = phone.credentials(&renewed);
    assert_eq!(
        pbx.ask(&phone.request("REGISTER", &[&authorization]))
            .status,
        200
    );
}

/// RFC 7616 §3.3: stale is only for otherwise correct credentials; a wrong password under
/// an expired nonce is still 403.
#[test]
fn expired_nonce_with_wrong_password_is_403_rfc7616_3_3() {
    let mut pbx = Pbx::new();
    let mut phone = Phone::new("1000", "acme.example", "guess");
    let first = pbx.ask(&phone.request("REGISTER", &[]));
    pbx.advance(Duration::from_secs(NONCE_TTL + 1));
    let authorization = phone.credentials(&challenge(&first, "SHA-256"));
    let r = pbx.ask(&phone.request("REGISTER", &[&authorization]));
    assert_eq!(r.status, 403);
    assert_eq!(r.headers.get(&HeaderName::WwwAuthenticate), None);
}

/// RFC 3261 §17.2.2: a retransmission (same branch) is answered from the server
/// transaction with the same bytes; the registrar does not run again. After Timer J the
/// transaction is gone.
#[test]
fn retransmitted_register_is_absorbed_by_transaction_rfc3261_17_2_2() {
    let mut pbx = Pbx::new();
    let mut phone = Phone::new("1000", "acme.example", "acme-pw");
    let text = pbx.authorize(&mut phone, &[]);
    let first = pbx.send(&text);
    assert_eq!(response(&first).status, 200);
    pbx.advance(Duration::from_secs(1));
    let again = pbx.send(&text);
    assert_eq!(again, first);
    assert_eq!(pbx.core.drain_saves().len(), 1);
    assert_eq!(pbx.shared.metrics.registrations.load(Ordering::Relaxed), 1);
    pbx.advance(Duration::from_secs(33));
    assert_eq!(pbx.core.transactions(), 0);
}

/// RFC 3261 §10.3 step 6: `Contact: *` with Expires: 0 removes every binding of the AOR.
#[test]
fn star_contact_with_expires_zero_removes_all_bindings_rfc3261_10_3() {
    let mut pbx = Pbx::new();
    let mut desk = Phone::new("1000", "acme.example", "acme-pw");
    let mut soft = Phone::new("1000", "acme.example", "acme-pw");
    soft.contact = Some("<sip:1000@192.0.2.20:5062>".to_owned());
    assert_eq!(pbx.register(&mut desk, &[]).status, 200);
    assert_eq!(pbx.register(&mut soft, &[]).status, 200);
    assert_eq!(pbx.shared.location.lookup(ACME, "1000").len(), 2);
    pbx.core.drain_saves();
    desk.contact = Some("*".to_owned());
    let ok = pbx.register(&mut desk, &["Expires: 0"]);
    assert_eq!(ok.status, 200);
    assert_eq!(ok.headers.get(&HeaderName::Contact), None);
    assert!(pbx.shared.location.lookup(ACME, "1000").is_empty());
    assert_eq!(
        pbx.core.drain_saves(),
        vec![(ACME, "1000".to_owned(), Vec::new())]
    );
}

/// RFC 3261 §10.3 step 6: `*` with a non-zero expiration is a 400.
#[test]
fn star_contact_with_nonzero_expires_is_400_rfc3261_10_3() {
    let mut pbx = Pbx::new();
    let mut phone = Phone::new("1000", "acme.example", "acme-pw");
    phone.contact = Some("*".to_owned());
    assert_eq!(pbx.register(&mut phone, &["Expires: 3600"]).status, 400);
    assert!(pbx.core.drain_saves().is_empty());
}

/// RFC 3261 §10.3 step 7, §20.23: an interval below the minimum gets 423 with Min-Expires.
#[test]
fn expires_below_minimum_is_423_with_min_expires_rfc3261_10_3() {
    let mut pbx = Pbx::new();
    let mut phone = Phone::new("1000", "acme.example", "acme-pw");
    let r = pbx.register(&mut phone, &["Expires: 30"]);
    assert_eq!((r.status, r.reason.as_str()), (423, "Interval Too Brief"));
    assert_eq!(r.headers.get(&HeaderName::MinExpires), Some("60"));
    assert!(pbx.shared.location.lookup(ACME, "1000").is_empty());
}

/// RFC 3261 §8.2.2.3: Require naming an unsupported extension gets 420 listing it in
/// Unsupported; a supported one (path) passes on to authentication.
#[test]
fn require_unknown_extension_is_420_with_unsupported_rfc3261_8_2_2_3() {
    let mut pbx = Pbx::new();
    let mut phone = Phone::new("1000", "acme.example", "acme-pw");
    let r = pbx.ask(&phone.request("REGISTER", &["Require: foo"]));
    assert_eq!((r.status, r.reason.as_str()), (420, "Bad Extension"));
    assert_eq!(
        r.headers
            .get_all(&HeaderName::Unsupported)
            .collect::<Vec<_>>(),
        ["foo"]
    );
    let r = pbx.ask(&phone.request("REGISTER", &["Require: path"]));
    assert_eq!(r.status, 401);
}

/// RFC 3261 §12.2.2, §15.1.2, §9.2: a BYE matching no dialog (with or without a To tag)
/// and a CANCEL matching no transaction get 481; the BYEs' To follows §8.2.6.2.
#[test]
fn bye_and_cancel_outside_dialog_are_481_rfc3261_12_2_2() {
    let mut pbx = Pbx::new();
    let mut phone = Phone::new("1000", "acme.example", "acme-pw");
    let stray_bye = phone.request("BYE", &[]).replace(
        "To: <sip:1000@acme.example>",
        "To: <sip:1000@acme.example>;tag=gone",
    );
    let r = pbx.ask(&stray_bye);
    assert_eq!(r.status, 481);
    assert_eq!(to_tag(&r).as_deref(), Some("gone"));
    let r = pbx.ask(&phone.request("BYE", &[]));
    assert_eq!(r.status, 481);
    assert!(to_tag(&r).is_some());
    assert_eq!(pbx.ask(&phone.request("CANCEL", &[])).status, 481);
}

/// RFC 3261 §8.2.1, §21.5.2: a method the server does not implement gets 501 with Allow.
#[test]
fn unimplemented_method_for_known_tenant_is_501_with_allow_rfc3261_8_2_1() {
    let mut pbx = Pbx::new();
    let mut phone = Phone::new("1000", "acme.example", "acme-pw");
    let r = pbx.ask(&phone.request("MESSAGE", &[]));
    assert_eq!((r.status, r.reason.as_str()), (501, "Not Implemented"));
    assert_eq!(
        r.headers.get_all(&HeaderName::Allow).collect::<Vec<_>>(),
        ALLOW.split(", ").collect::<Vec<_>>()
    );
}

/// RFC 3261 §21.4.5 and the tenant invariant: an unknown domain gets 404 and a disabled
/// tenant 403, both bare: only the echoed headers, Server and Content-Length.
#[test]
fn unknown_domain_is_404_and_disabled_tenant_403_revealing_nothing_rfc3261_21_4() {
    let mut pbx = Pbx::new();
    for (domain, status) in [("nowhere.example", 404), ("gone.example", 403)] {
        let r = pbx.ask(&Phone::new("1000", domain, "").request("REGISTER", &[]));
        assert_eq!(r.status, status, "{domain}");
        assert_eq!(
            header_names(&r),
            [
                "Via",
                "From",
                "To",
                "Call-ID",
                "CSeq",
                "Server",
                "Content-Length"
            ],
            "{domain}"
        );
        assert!(r.body.is_empty());
    }
}

/// RFC 3261 §20.35, §20.14: every kind of response carries Server and ends with
/// Content-Length, including the stateless 400 for a request missing Call-ID.
#[test]
fn responses_carry_server_and_end_with_content_length_rfc3261_20() {
    let mut pbx = Pbx::new();
    let mut phone = Phone::new("1000", "acme.example", "acme-pw");
    let bad = phone
        .request("REGISTER", &[])
        .replace("Call-ID:", "X-Call:");
    let responses = [
        pbx.ask(&bad),
        pbx.ask(&phone.request("REGISTER", &[])),
        pbx.register(&mut phone, &[]),
        pbx.ask(&phone.request("REGISTER", &["Require: foo"])),
        pbx.ask(&phone.request("MESSAGE", &[])),
        pbx.ask(&phone.request("OPTIONS", &[])),
        pbx.ask(&Phone::new("1000", "nowhere.example", "").request("REGISTER", &[])),
    ];
    let statuses: Vec<u16> = responses.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [400, 401, 200, 420, 501, 200, 404]);
    for r in &responses {
        assert_eq!(
            r.headers.get(&HeaderName::Server),
            Some(SERVER),
            "{}",
            r.status
        );
        assert_eq!(
            header_names(r).last(),
            Some(&"Content-Length"),
            "{}",
            r.status
        );
        assert_eq!(r.headers.get(&HeaderName::ContentLength), Some("0"));
    }
}

/// RFC 3581 §4: over UDP the response goes to the received address and rport port; without
/// rport, RFC 3261 §18.2.2: to the received address and the Via port.
#[test]
fn udp_response_goes_to_received_and_rport_rfc3581_4() {
    let mut pbx = Pbx::new();
    let mut phone = Phone::new("1000", "acme.example", "acme-pw");
    let out = pbx.send(&phone.request("OPTIONS", &[]));
    assert_eq!(out.peer.addr, source());
    let via = response(&out).headers.top_via().expect("Via");
    assert_eq!(via.received(), Some("198.51.100.7"));
    assert_eq!(via.rport(), Some(Some(40000)));
    phone.rport = false;
    let out = pbx.send(&phone.request("OPTIONS", &[]));
    assert_eq!(out.peer.addr, "198.51.100.7:5060".parse().expect("addr"));
}

/// Tenant isolation: user 1000 of tenant A cannot authenticate with tenant B's realm or
/// with A's password at B; A's binding is invisible under B, also to B's own 1000.
#[test]
fn tenants_are_isolated_in_auth_and_location() {
    let mut pbx = Pbx::new();
    let beta_challenge = pbx.ask(&Phone::new("1000", "beta.example", "").request("REGISTER", &[]));
    let mut borrowed = Phone::new("1000", "acme.example", "beta-pw");
    let authorization = borrowed.credentials(&challenge(&beta_challenge, "SHA-256"));
    let r = pbx.ask(&borrowed.request("REGISTER", &[&authorization]));
    assert_eq!(
        r.status, 403,
        "A's REGISTER with B's realm, nonce and password"
    );
    let r = pbx.register(&mut Phone::new("1000", "beta.example", "acme-pw"), &[]);
    assert_eq!(r.status, 403, "A's password at B");

    assert_eq!(
        pbx.register(&mut Phone::new("1000", "acme.example", "acme-pw"), &[])
            .status,
        200
    );
    assert_eq!(pbx.shared.location.lookup(ACME, "1000").len(), 1);
    assert!(pbx.shared.location.lookup(BETA, "1000").is_empty());
    assert_eq!(pbx.shared.location.counts().get(&BETA), None);

    let mut beta = Phone::new("1000", "beta.example", "beta-pw");
    beta.contact = None;
    let query = pbx.register(&mut beta, &[]);
    assert_eq!(query.status, 200);
    assert_eq!(query.headers.get(&HeaderName::Contact), None);
}
