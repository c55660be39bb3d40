//! Sans-IO tests of the trunk agents of shard 0 on a simulated clock: outbound
//! registration to a carrier (RFC 3261 §10.2) with its digest challenge (§22.2) and removal
//! (Expires: 0, §10.2.2), and OPTIONS probes (§11) marking the carrier up, then down after
//! two probes left unanswered; states as published in `TrunkStates`.

use super::{Shared, SipCore};
use crate::active::ActiveCalls;
use crate::location::Location;
use crate::media::app::AppConfig;
use crate::media::{MediaError, MediaId, MediaPlane, MediaSession, MediaStats, Playback, Side};
use crate::metrics::Metrics;
use crate::registry::{Registry, TenantView, TrunkView};
use crate::trunk_state::{Health, TrunkState};
use md5::{Digest, Md5};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};
use vpbx_model::TenantId;
use vpbx_sip_msg::{HeaderName, Message, Method, Request, Response, Transport};
use vpbx_sip_proto::digest::DigestVerifier;
use vpbx_sip_proto::registrar::RegistrarPolicy;
use vpbx_sip_proto::transaction::{Peer, TimerConfig};

const ACME: TenantId = TenantId(1);
/// The carrier of trunk `main`.
const CARRIER: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(Ipv4Addr::new(127, 0, 0, 10)), 5060);
/// vpbx's SIP address.
const SIP_ADDR: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(Ipv4Addr::new(203, 0, 113, 1)), 5060);

/// The agents never open media.
struct NoMedia;

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

/// acme with trunk `main` (account acct/pw, registering and probed) when `with_trunk`.
fn acme(with_trunk: bool) -> TenantView {
    let trunks = with_trunk.then(|| TrunkView {
        name: "main".into(),
        host: CARRIER.ip().to_string(),
        port: CARRIER.port(),
        transport: Transport::Udp,
        addr: Some(CARRIER),
        username: Some("acct".into()),
        secret: Some("pw".into()),
        from_user: None,
        from_domain: None,
        register: true,
        call_limit: None,
        codecs: vec!["PCMA".into()],
        insecure: false,
        qualify: true,
        enabled: true,
    });
    TenantView {
        id: ACME,
        domain: "acme.example".parse().expect("domain"),
        enabled: true,
        users: Default::default(),
        trunks: Default::default(),
        routing: Default::default(),
        media: Default::default(),
        menus: Default::default(),
        moh: None,
        voicemail: Default::default(),
        disa: false,
        disa_pins: Default::default(),
    }
    .with_routing(trunks.into_iter().collect(), Default::default())
}

/// Shard 0 over acme, with a clock the test owns.
struct Pbx {
    core: SipCore,
    shared: Arc<Shared>,
    now: Instant,
}

impl Pbx {
    fn new() -> Self {
        let registry = Registry::new();
        registry.replace_all(vec![acme(true)]);
        let shared = Arc::new(Shared {
            registry: Arc::new(registry),
            location: Arc::new(Location::new()),
            verifier: DigestVerifier::new([5; 32], 300),
            policy: RegistrarPolicy::default(),
            metrics: Arc::new(Metrics::default()),
            media: Arc::new(NoMedia),
            active: Arc::new(ActiveCalls::new()),
            sip_addr: SIP_ADDR,
            ring_timeout: Duration::from_secs(60),
            default_call_limit: None,
            trunk_states: Arc::new(crate::trunk_state::TrunkStates::new()),
            recordings: Default::default(),
            data_dir: std::path::PathBuf::from("/nonexistent"),
            mailboxes: Default::default(),
        });
        Self {
            core: SipCore::new(shared.clone(), TimerConfig::default(), 0, 0x7e57),
            shared,
            now: Instant::now(),
        }
    }

    /// Requests sent since the last call, all to the carrier.
    fn sent(&mut self) -> Vec<Request> {
        let mut all = Vec::new();
        while let Some(t) = self.core.poll_transmit() {
            assert_eq!(t.peer.addr, CARRIER);
            match Message::parse(&t.bytes).expect("vpbx sends parseable messages") {
                Message::Request(r) => all.push(r),
                Message::Response(r) => panic!("unexpected response {}", r.status),
            }
        }
        all
    }

    /// Advances the clock by `total` in steps of 500 ms; the requests sent meanwhile.
    fn run(&mut self, total: Duration) -> Vec<Request> {
        let end = self.now + total;
        let mut all = Vec::new();
        while self.now < end {
            self.now += Duration::from_millis(500);
            self.core.handle_timeout(self.now);
            all.extend(self.sent());
        }
        all
    }

    /// The carrier's `response`; the requests it made vpbx send.
    fn answer(&mut self, response: Response) -> Vec<Request> {
        let bytes = Message::Response(response).to_bytes();
        let message = Message::parse(&bytes).expect("test response parses");
        let peer = Peer {
            transport: Transport::Udp,
            addr: CARRIER,
            conn: None,
        };
        self.core.handle(self.now, 1_700_000_000, peer, message);
        self.sent()
    }

    fn state(&self) -> TrunkState {
        self.shared
            .trunk_states
            .all()
            .into_iter()
            .find(|((tenant, name), _)| *tenant == ACME && name == "main")
            .map(|(_, s)| s)
            .expect("main has a state")
    }
}

/// The one `method` request among `requests` (retransmissions, same branch, count once).
fn only(requests: &[Request], method: Method) -> Request {
    let mut of: Vec<&Request> = requests.iter().filter(|r| r.method == method).collect();
    of.dedup_by_key(|r| r.headers.get(&HeaderName::Via).map(str::to_owned));
    assert_eq!(of.len(), 1, "one {method:?}: {of:?}");
    of[0].clone()
}

fn cseq(r: &Request) -> u32 {
    r.headers.cseq().expect("CSeq").seq
}

/// RFC 3261 §10.2, §22.2, §11: the agents send a REGISTER (Via naming our address) and an
/// OPTIONS to the carrier; a 401 is answered with Authorization (CSeq 2); the 200
/// registers; the OPTIONS 200 marks the carrier up.
#[test]
fn register_answers_the_challenge_and_options_marks_the_carrier_up_rfc3261_10_2() {
    let mut pbx = Pbx::new();
    let sent = pbx.run(Duration::from_millis(500));
    let register = only(&sent, Method::Register);
    let options = only(&sent, Method::Options);
    for r in [&register, &options] {
        let via = r.headers.get(&HeaderName::Via).expect("Via");
        assert!(via.contains(&SIP_ADDR.to_string()), "{via}");
        assert!(!via.contains("vpbx.invalid"), "{via}");
        assert_eq!(r.uri.to_string(), format!("sip:{CARRIER}"));
    }
    assert_eq!(register.headers.get(&HeaderName::Expires), Some("600"));
    assert_eq!(register.headers.get(&HeaderName::Authorization), None);
    assert_eq!(pbx.state().registration, "registering");
    assert_eq!(pbx.state().health, Health::Unknown);

    let mut unauthorized = register.response(401, "Unauthorized", Some("c1"));
    unauthorized.headers.push(
        HeaderName::WwwAuthenticate,
        "Digest realm=\"carrier\", nonce=\"r1\", algorithm=MD5, qop=\"auth\"",
    );
    let sent = pbx.answer(unauthorized);
    let again = only(&sent, Method::Register);
    assert_eq!(cseq(&again), cseq(&register) + 1);
    assert_eq!(
        again.headers.call_id().ok(),
        register.headers.call_id().ok()
    );
    let all = again
        .headers
        .auth(&HeaderName::Authorization)
        .expect("Authorization parses");
    let p = &all[0];
    assert_eq!(p.get("username"), Some("acct"));
    assert_eq!(p.get("nonce"), Some("r1"));
    let uri = p.get("uri").expect("uri");
    let (nc, cnonce) = (p.get("nc").expect("nc"), p.get("cnonce").expect("cnonce"));
    let md5 = |s: String| format!("{:x}", Md5::digest(s));
    let ha1 = md5("acct:carrier:pw".to_owned());
    let ha2 = md5(format!("REGISTER:{uri}"));
    let expected = md5(format!("{ha1}:r1:{nc}:{cnonce}:auth:{ha2}"));
    assert_eq!(p.get("response"), Some(expected.as_str()));

    let mut ok = again.response(200, "OK", Some("c1"));
    let contact = again.headers.get(&HeaderName::Contact).expect("Contact");
    ok.headers
        .push(HeaderName::Contact, format!("{contact};expires=600"));
    assert!(pbx.answer(ok).is_empty());
    assert_eq!(pbx.state().registration, "registered");

    assert!(pbx
        .answer(options.response(200, "OK", Some("c2")))
        .is_empty());
    assert_eq!(pbx.state().health, Health::Up);
    assert!(!pbx.shared.trunk_states.is_down(ACME, "main"));
}

/// RFC 3261 §11: after an answered probe the next comes 30 s later; two probes left
/// unanswered for 5 s each mark the carrier down.
#[test]
fn two_unanswered_options_mark_the_carrier_down() {
    let mut pbx = Pbx::new();
    let sent = pbx.run(Duration::from_millis(500));
    let register = only(&sent, Method::Register);
    let mut ok = register.response(200, "OK", Some("c1"));
    ok.headers.push(HeaderName::Expires, "600");
    pbx.answer(ok);
    let options = only(&sent, Method::Options);
    pbx.answer(options.response(200, "OK", Some("c2")));
    assert_eq!(pbx.state().health, Health::Up);

    let sent = pbx.run(Duration::from_secs(30));
    let second = only(&sent, Method::Options);
    assert_eq!(cseq(&second), cseq(&options) + 1);
    let sent = pbx.run(Duration::from_secs(5));
    assert!(sent.iter().all(|r| r.method == Method::Options));
    assert_eq!(pbx.state().health, Health::Up, "one failure is not down");
    let sent = pbx.run(Duration::from_secs(5));
    let new: Vec<Request> = sent
        .into_iter()
        .filter(|r| cseq(r) > cseq(&second))
        .collect();
    let third = only(&new, Method::Options);
    assert_eq!(cseq(&third), cseq(&second) + 1);
    pbx.run(Duration::from_secs(5));
    assert_eq!(pbx.state().health, Health::Down);
    assert!(pbx.shared.trunk_states.is_down(ACME, "main"));
}

/// RFC 3261 §10.2.2: a trunk removed from the registry is unregistered (Expires: 0 on the
/// same Call-ID) and its state forgotten.
#[test]
fn removed_trunk_is_unregistered_with_expires_0_rfc3261_10_2_2() {
    let mut pbx = Pbx::new();
    let sent = pbx.run(Duration::from_millis(500));
    let register = only(&sent, Method::Register);
    let mut ok = register.response(200, "OK", Some("c1"));
    ok.headers.push(HeaderName::Expires, "600");
    pbx.answer(ok);
    assert_eq!(pbx.state().registration, "registered");

    pbx.shared.registry.upsert(acme(false));
    let sent = pbx.run(Duration::from_secs(1));
    let removal = only(&sent, Method::Register);
    assert_eq!(removal.headers.get(&HeaderName::Expires), Some("0"));
    assert_eq!(
        removal.headers.call_id().ok(),
        register.headers.call_id().ok()
    );
    assert_eq!(cseq(&removal), cseq(&register) + 1);
    let via = removal.headers.get(&HeaderName::Via).expect("Via");
    assert!(via.contains(&SIP_ADDR.to_string()), "{via}");
    assert!(pbx.shared.trunk_states.all().is_empty());
}
