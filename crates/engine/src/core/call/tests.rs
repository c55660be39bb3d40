//! Sans-IO scenario tests of the B2BUA call core on a simulated clock: the caller's INVITE
//! through proxy authentication (RFC 3261 §22.3) to the callee's contacts, forking and
//! cancellation (§16.7, §9.1), 2xx retransmission until the ACK (§13.3.1.4), re-INVITE hold
//! (RFC 3264 §8.4) and glare (§14.2), BYE from either side (§15), late offers (RFC 3264 §2),
//! timers, refusals and tenant isolation. Phones are CRLF text and responses built from what
//! vpbx sent them; the media plane is a fake that records what the core asked of it.

use super::T1;
use crate::active::{ActiveCalls, Limits};
use crate::core::{Shared, SipCore};
use crate::live::{ActiveCall, CallDirection, CallState};
use crate::location::Location;
use crate::media::app::AppConfig;
use crate::media::{
    MediaError, MediaEvent, MediaId, MediaPlane, MediaSession, MediaStats, Playback, Side,
};
use crate::metrics::Metrics;
use crate::registry::{Registry, TenantView, UserSecrets};
use md5::{Digest, Md5};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, SocketAddrV4};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use vpbx_model::TenantId;
use vpbx_sip_msg::{AuthParams, HeaderName, Message, Method, Request, Response, Transport};
use vpbx_sip_proto::digest::{ha1_hex, Algorithm, DigestVerifier};
use vpbx_sip_proto::registrar::{Binding, RegistrarPolicy};
use vpbx_sip_proto::transaction::{Peer, TimerConfig};
use vpbx_store::{Disposition, HangupSide, NewCdr};

pub(super) const ACME: TenantId = TenantId(1);
pub(super) const BETA: TenantId = TenantId(2);
pub(super) const ACME_DOMAIN: &str = "acme.example";
pub(super) const BETA_DOMAIN: &str = "beta.example";
/// How long a callee may ring.
const RING: Duration = Duration::from_secs(60);
/// Where the fake relay listens.
const MEDIA_IP: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
/// vpbx's SIP address.
const SIP_ADDR: SocketAddr = at(1, 203, 0, 113);

pub(super) const CALLER: SocketAddr = at(10, 192, 0, 2);
pub(super) const CALLEE: SocketAddr = at(20, 192, 0, 2);
const CALLEE_2: SocketAddr = at(21, 192, 0, 2);
const PHONE_1002: SocketAddr = at(30, 192, 0, 2);
pub(super) const BETA_1001: SocketAddr = at(40, 192, 0, 2);

const fn at(last: u8, a: u8, b: u8, c: u8) -> SocketAddr {
    SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::new(a, b, c, last), 5060))
}

/// Name of a party in message summaries.
fn name(addr: SocketAddr) -> String {
    [
        (CALLER, "caller"),
        (CALLEE, "callee"),
        (CALLEE_2, "callee2"),
        (PHONE_1002, "1002"),
        (BETA_1001, "beta"),
    ]
    .iter()
    .find(|(a, _)| *a == addr)
    .map_or_else(|| addr.to_string(), |(_, n)| (*n).to_owned())
}

/// What the core asked of the media plane.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Op {
    Open(u64),
    Remote(Side, SocketAddr, SocketAddr),
    Armed(bool),
    Record(String),
    App(Side, AppConfig),
    Play(Side, Playback),
    Bridge(Side),
    Close,
}

/// A media plane that records every call and hands out ports 20000 (caller side) and
/// 20002 (callee side).
#[derive(Default)]
pub(super) struct FakeMedia {
    ops: Mutex<Vec<Op>>,
    sessions: AtomicU64,
}

impl FakeMedia {
    fn record(&self, op: Op) {
        self.ops.lock().expect("media lock").push(op);
    }

    pub(super) fn ops(&self) -> Vec<Op> {
        self.ops.lock().expect("media lock").clone()
    }

    fn count(&self, wanted: impl Fn(&Op) -> bool) -> usize {
        self.ops().iter().filter(|op| wanted(op)).count()
    }

    /// The owner token of the last session opened.
    fn owner(&self) -> u64 {
        self.ops()
            .iter()
            .rev()
            .find_map(|op| match op {
                Op::Open(owner) => Some(*owner),
                _ => None,
            })
            .expect("a session was opened")
    }

    /// Whether every session opened was closed again.
    fn all_closed(&self) -> bool {
        self.count(|op| matches!(op, Op::Open(_))) == self.count(|op| *op == Op::Close)
    }
}

impl MediaPlane for FakeMedia {
    fn open(&self, owner: u64) -> Result<MediaSession, MediaError> {
        self.record(Op::Open(owner));
        Ok(MediaSession {
            id: MediaId(self.sessions.fetch_add(1, Ordering::Relaxed)),
            ip: MEDIA_IP,
            a_port: 20000,
            b_port: 20002,
        })
    }

    fn set_remote(&self, _id: MediaId, side: Side, rtp: SocketAddr, rtcp: SocketAddr) {
        self.record(Op::Remote(side, rtp, rtcp));
    }

    fn set_timeout_armed(&self, _id: MediaId, armed: bool) {
        self.record(Op::Armed(armed));
    }

    fn record(&self, _id: MediaId, relative: &str, _caller_only: bool) -> bool {
        self.record(Op::Record(relative.to_owned()));
        true
    }

    fn start_app(&self, _id: MediaId, side: Side, config: AppConfig) {
        self.record(Op::App(side, config));
    }

    fn play(&self, _id: MediaId, side: Side, playback: Playback) {
        self.record(Op::Play(side, playback));
    }

    fn bridge(&self, _id: MediaId, side: Side) {
        self.record(Op::Bridge(side));
    }

    fn close(&self, _id: MediaId) -> Option<MediaStats> {
        self.record(Op::Close);
        Some(MediaStats::default())
    }
}

pub(super) fn tenant(id: TenantId, domain: &str, users: &[(&str, Limits)]) -> TenantView {
    TenantView {
        id,
        domain: domain.parse().expect("valid test domain"),
        enabled: true,
        users: users
            .iter()
            .map(|(user, limits)| {
                let password = password(user, domain);
                let secrets = UserSecrets {
                    ha1_md5: ha1_hex(Algorithm::Md5, user, domain, &password),
                    ha1_sha256: ha1_hex(Algorithm::Sha256, user, domain, &password),
                    call_limit: limits.call_limit,
                    busy_level: limits.busy_level,
                };
                ((*user).to_owned(), secrets)
            })
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

fn password(user: &str, domain: &str) -> String {
    format!("pw-{user}@{domain}")
}

/// One message vpbx sent, when (since the test started) and to whom.
pub(super) struct Sent {
    pub(super) at: Duration,
    pub(super) to: SocketAddr,
    pub(super) message: Message,
}

/// Everything vpbx sent during one step of a test.
pub(super) struct Out(pub(super) Vec<Sent>);

impl Out {
    /// One line per message, sorted: `callee <- INVITE`, `caller <- 180 INVITE`.
    pub(super) fn summary(&self) -> Vec<String> {
        let mut lines: Vec<String> = self
            .0
            .iter()
            .map(|s| match &s.message {
                Message::Request(r) => format!("{} <- {}", name(s.to), r.method.as_str()),
                Message::Response(r) => format!(
                    "{} <- {} {}",
                    name(s.to),
                    r.status,
                    r.headers.cseq().expect("CSeq").method.as_str()
                ),
            })
            .collect();
        lines.sort();
        lines
    }

    pub(super) fn requests(&self, to: SocketAddr, method: Method) -> Vec<Request> {
        self.0
            .iter()
            .filter(|s| s.to == to)
            .filter_map(|s| match &s.message {
                Message::Request(r) if r.method == method => Some(r.clone()),
                _ => None,
            })
            .collect()
    }

    /// The one `method` request sent to `to`.
    pub(super) fn request(&self, to: SocketAddr, method: Method) -> Request {
        let mut all = self.requests(to, method.clone());
        assert_eq!(all.len(), 1, "one {method:?} to {to}: {:?}", self.summary());
        all.remove(0)
    }

    /// The one response with `status` sent to `to`.
    pub(super) fn response(&self, to: SocketAddr, status: u16) -> Response {
        let mut all: Vec<Response> = self
            .0
            .iter()
            .filter(|s| s.to == to)
            .filter_map(|s| match &s.message {
                Message::Response(r) if r.status == status => Some(r.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(all.len(), 1, "one {status} to {to}: {:?}", self.summary());
        all.remove(0)
    }

    /// When responses with `status` went to `to`.
    pub(super) fn times_of(&self, to: SocketAddr, status: u16) -> Vec<Duration> {
        self.0
            .iter()
            .filter(|s| s.to == to)
            .filter(|s| matches!(&s.message, Message::Response(r) if r.status == status))
            .map(|s| s.at)
            .collect()
    }

    /// When the first `method` request went to `to`.
    pub(super) fn first_request_at(&self, to: SocketAddr, method: Method) -> Duration {
        self.0
            .iter()
            .find(|s| s.to == to && matches!(&s.message, Message::Request(r) if r.method == method))
            .map(|s| s.at)
            .expect("the request was sent")
    }
}

/// One shard of the core over tenants acme (1000, 1001, 1002) and beta (1000, 1001), a fake
/// media plane and a clock the test owns.
pub(super) struct Pbx {
    pub(super) core: SipCore,
    pub(super) shared: Arc<Shared>,
    pub(super) media: Arc<FakeMedia>,
    start: Instant,
    pub(super) now: Instant,
    now_unix: u64,
}

impl Pbx {
    fn new() -> Self {
        Self::with_limits(Limits::default(), Limits::default())
    }

    /// acme's 1000 gets `caller` limits and its 1001 `callee` limits.
    fn with_limits(caller: Limits, callee: Limits) -> Self {
        Self::with_config(caller, callee, None)
    }

    /// As `with_limits`, with a server-wide call limit for extensions without their own.
    fn with_config(caller: Limits, callee: Limits, default_call_limit: Option<u32>) -> Self {
        let free = Limits::default();
        let tenants = vec![
            tenant(
                ACME,
                ACME_DOMAIN,
                &[("1000", caller), ("1001", callee), ("1002", free)],
            ),
            tenant(BETA, BETA_DOMAIN, &[("1000", free), ("1001", free)]),
        ];
        Self::with_tenants(tenants, default_call_limit, 3)
    }

    /// Shard `shard` (0 also runs the trunk agents) over `tenants`, with the server-wide
    /// call limit `default_call_limit`.
    pub(super) fn with_tenants(
        tenants: Vec<TenantView>,
        default_call_limit: Option<u32>,
        shard: u16,
    ) -> Self {
        let registry = Registry::new();
        registry.replace_all(tenants);
        let media = Arc::new(FakeMedia::default());
        let shared = Arc::new(Shared {
            registry: Arc::new(registry),
            location: Arc::new(Location::new()),
            verifier: DigestVerifier::new([9; 32], 300).with_algorithms(vec![Algorithm::Md5]),
            policy: RegistrarPolicy::default(),
            metrics: Arc::new(Metrics::default()),
            media: media.clone(),
            active: Arc::new(ActiveCalls::new()),
            sip_addr: SIP_ADDR,
            ring_timeout: RING,
            default_call_limit,
            trunk_states: Arc::new(crate::trunk_state::TrunkStates::new()),
            recordings: Default::default(),
            data_dir: std::path::PathBuf::from("/nonexistent"),
            mailboxes: Default::default(),
        });
        let start = Instant::now();
        Self {
            core: SipCore::new(shared.clone(), TimerConfig::default(), shard, 0xca11),
            shared,
            media,
            start,
            now: start,
            now_unix: 1_700_000_000,
        }
    }

    /// Registers `ext` of `tenant` at `contact` (a phone with a public address).
    pub(super) fn bind(&self, tenant: TenantId, ext: &str, contact: SocketAddr) {
        let binding = Binding {
            uri: format!("sip:{ext}@{contact}"),
            q: None,
            expires_at: self.now_unix + 3600,
            call_id: format!("reg-{ext}-{contact}"),
            cseq: 1,
            path: Vec::new(),
            instance: None,
            user_agent: None,
            source: contact,
            transport: Transport::Udp,
        };
        self.shared
            .location
            .update(tenant, ext, |bindings| bindings.push(binding));
    }

    pub(super) fn elapsed(&self) -> Duration {
        self.now - self.start
    }

    fn drain(&mut self) -> Out {
        let mut sent = Vec::new();
        while let Some(t) = self.core.poll_transmit() {
            let message = Message::parse(&t.bytes).expect("vpbx sends parseable messages");
            sent.push(Sent {
                at: self.elapsed(),
                to: t.peer.addr,
                message,
            });
        }
        Out(sent)
    }

    fn deliver(&mut self, from: SocketAddr, message: Message) -> Out {
        let peer = Peer {
            transport: Transport::Udp,
            addr: from,
            conn: None,
        };
        self.core.handle(self.now, self.now_unix, peer, message);
        self.drain()
    }

    /// A request (CRLF text) from the phone at `from`.
    pub(super) fn send(&mut self, from: SocketAddr, text: &str) -> Out {
        let message = Message::parse(text.as_bytes()).expect("test request parses");
        self.deliver(from, message)
    }

    /// A response from the phone at `from`, sent over the wire.
    pub(super) fn answer(&mut self, from: SocketAddr, response: Response) -> Out {
        let bytes = Message::Response(response).to_bytes();
        let message = Message::parse(&bytes).expect("test response parses");
        self.deliver(from, message)
    }

    /// Advances the clock by `total` in steps of `step`, firing timers after each.
    pub(super) fn run(&mut self, total: Duration, step: Duration) -> Out {
        let end = self.now + total;
        let mut sent = Vec::new();
        while self.now < end {
            self.now += step;
            self.now_unix = 1_700_000_000 + self.elapsed().as_secs();
            self.core.handle_timeout(self.now);
            sent.extend(self.drain().0);
        }
        Out(sent)
    }

    /// `phone`'s INVITE to `callee`, challenged with 407 (which the phone ACKs) and sent
    /// again with credentials. Returns the 407 and what the second INVITE made vpbx send.
    pub(super) fn call(
        &mut self,
        phone: &mut Phone,
        callee: &str,
        extra: &[&str],
        sdp: Option<&str>,
    ) -> (Response, Out) {
        let out = self.send(phone.addr, &phone.invite(callee, extra, sdp));
        assert_eq!(
            out.summary(),
            [format!("{} <- 407 INVITE", name(phone.addr))]
        );
        let challenge = out.response(phone.addr, 407);
        assert!(self
            .send(phone.addr, &phone.ack_final(&challenge))
            .0
            .is_empty());
        let credentials = phone.credentials(&challenge, callee);
        let extra = [extra, &[credentials.as_str()]].concat();
        let out = self.send(phone.addr, &phone.invite(callee, &extra, sdp));
        (challenge, out)
    }

    /// `phone`'s call to `callee` refused with `status`, which the phone ACKs; nothing else
    /// is sent, no call exists.
    pub(super) fn refused(
        &mut self,
        phone: &mut Phone,
        callee: &str,
        extra: &[&str],
        sdp: Option<&str>,
        status: u16,
    ) -> Response {
        let (_, out) = self.call(phone, callee, extra, sdp);
        assert_eq!(
            out.summary(),
            [format!("{} <- {status} INVITE", name(phone.addr))]
        );
        let refusal = out.response(phone.addr, status);
        assert!(self
            .send(phone.addr, &phone.ack_final(&refusal))
            .0
            .is_empty());
        refusal
    }

    /// The one CDR written since the last call.
    pub(super) fn cdr(&mut self) -> NewCdr {
        let mut cdrs = self.core.drain_cdrs();
        assert_eq!(cdrs.len(), 1, "one CDR: {cdrs:?}");
        let (tenant, cdr) = cdrs.remove(0);
        assert_eq!(tenant, ACME);
        cdr
    }

    /// Nothing of any call is left: no call, no call-limit unit, every media session closed.
    pub(super) fn assert_idle(&self) {
        assert_eq!(self.core.calls(), 0, "calls left");
        for ext in ["1000", "1001", "1002"] {
            assert_eq!(
                self.shared.active.count(ACME, ext),
                0,
                "{ext} still counted"
            );
        }
        assert!(
            self.media.all_closed(),
            "media left open: {:?}",
            self.media.ops()
        );
        assert_eq!(
            self.shared.active.live().counts(),
            Default::default(),
            "calls left in the live view"
        );
    }
}

/// A calling phone: one Call-ID and From tag, CSeq counting up, digest answers computed
/// here (RFC 2617 §3.2.2 with qop=auth, MD5).
pub(super) struct Phone {
    user: &'static str,
    domain: &'static str,
    pub(super) addr: SocketAddr,
    call_id: String,
    tag: String,
    pub(super) cseq: u32,
    branches: u32,
    /// Request-URI, Via branch and CSeq of the last INVITE (for its ACK and CANCEL).
    invite: (String, String, u32),
}

impl Phone {
    pub(super) fn new(user: &'static str, domain: &'static str, addr: SocketAddr) -> Self {
        static CALLS: AtomicU32 = AtomicU32::new(0);
        let call_id = format!("a-call-{}", CALLS.fetch_add(1, Ordering::Relaxed));
        Self {
            user,
            domain,
            addr,
            tag: format!("tag-{call_id}"),
            call_id,
            cseq: 0,
            branches: 0,
            invite: Default::default(),
        }
    }

    fn branch(&mut self) -> String {
        self.branches += 1;
        format!("z9hG4bK-{}-{}", self.call_id, self.branches)
    }

    fn from(&self) -> String {
        format!("<sip:{}@{}>;tag={}", self.user, self.domain, self.tag)
    }

    /// An initial INVITE to `callee` with `extra` header lines and an optional SDP offer.
    pub(super) fn invite(&mut self, callee: &str, extra: &[&str], sdp: Option<&str>) -> String {
        self.cseq += 1;
        let uri = format!("sip:{callee}@{}", self.domain);
        let branch = self.branch();
        self.invite = (uri.clone(), branch.clone(), self.cseq);
        let mut lines = vec![
            format!("From: {}", self.from()),
            format!("To: <{uri}>"),
            format!("Call-ID: {}", self.call_id),
            format!("CSeq: {} INVITE", self.cseq),
            format!("Contact: <sip:{}@{}>", self.user, self.addr),
        ];
        lines.extend(extra.iter().map(|l| (*l).to_owned()));
        request_text("INVITE", &uri, self.addr, &branch, &lines, sdp)
    }

    /// The ACK of a non-2xx final response to the last INVITE (RFC 3261 §17.1.1.3).
    pub(super) fn ack_final(&self, response: &Response) -> String {
        let (uri, branch, cseq) = &self.invite;
        let to = response.headers.get(&HeaderName::To).expect("To");
        let lines = [
            format!("From: {}", self.from()),
            format!("To: {to}"),
            format!("Call-ID: {}", self.call_id),
            format!("CSeq: {cseq} ACK"),
        ];
        request_text("ACK", uri, self.addr, branch, &lines, None)
    }

    /// CANCEL of the last INVITE (RFC 3261 §9.1).
    fn cancel(&self) -> String {
        let (uri, branch, cseq) = &self.invite;
        let lines = [
            format!("From: {}", self.from()),
            format!("To: <{uri}>"),
            format!("Call-ID: {}", self.call_id),
            format!("CSeq: {cseq} CANCEL"),
        ];
        request_text("CANCEL", uri, self.addr, branch, &lines, None)
    }

    /// A Proxy-Authorization line answering `challenge` for an INVITE to `callee`.
    fn credentials(&self, challenge: &Response, callee: &str) -> String {
        let all: Vec<AuthParams> = challenge
            .headers
            .auth(&HeaderName::ProxyAuthenticate)
            .expect("Proxy-Authenticate parses");
        let c = all.first().expect("a challenge");
        let realm = c.get("realm").expect("realm");
        let nonce = c.get("nonce").expect("nonce");
        let uri = format!("sip:{callee}@{}", self.domain);
        let (nc, cnonce) = ("00000001", "c0ffee");
        let md5 = |s: String| format!("{:x}", Md5::digest(s));
        let ha1 = md5(format!(
            "{}:{realm}:{}",
            self.user,
            password(self.user, self.domain)
        ));
        let ha2 = md5(format!("INVITE:{uri}"));
        let response = md5(format!("{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}"));
        format!(
            "Proxy-Authorization: Digest username=\"{}\", realm=\"{realm}\", \
             nonce=\"{nonce}\", uri=\"{uri}\", response=\"{response}\", algorithm=MD5, \
             qop=auth, nc={nc}, cnonce=\"{cnonce}\"",
            self.user
        )
    }

    /// The caller's side of the dialog its INVITE's 2xx `ok` established (RFC 3261 §12.1.2).
    pub(super) fn dialog(&self, ok: &Response) -> Leg {
        Leg {
            call_id: self.call_id.clone(),
            local: self.from(),
            remote: ok.headers.get(&HeaderName::To).expect("To").to_owned(),
            target: contact_uri(ok.headers.get(&HeaderName::Contact).expect("Contact")),
            addr: self.addr,
            cseq: self.cseq,
            branches: 0,
            branch: String::new(),
        }
    }
}

/// A phone's view of an established dialog with vpbx.
pub(super) struct Leg {
    call_id: String,
    local: String,
    remote: String,
    target: String,
    addr: SocketAddr,
    cseq: u32,
    branches: u32,
    /// Via branch of the last request but ACK.
    branch: String,
}

impl Leg {
    fn text(&mut self, method: &str, cseq: u32, extra: &[&str], sdp: Option<&str>) -> String {
        self.branches += 1;
        let branch = format!(
            "z9hG4bK-leg-{}-{}-{}",
            self.call_id, self.addr, self.branches
        );
        if method != "ACK" {
            self.branch = branch.clone();
        }
        self.write(method, cseq, &branch, extra, sdp)
    }

    fn write(
        &self,
        method: &str,
        cseq: u32,
        branch: &str,
        extra: &[&str],
        sdp: Option<&str>,
    ) -> String {
        let mut lines = vec![
            format!("From: {}", self.local),
            format!("To: {}", self.remote),
            format!("Call-ID: {}", self.call_id),
            format!("CSeq: {cseq} {method}"),
        ];
        lines.extend(extra.iter().map(|l| (*l).to_owned()));
        request_text(method, &self.target, self.addr, branch, &lines, sdp)
    }

    /// The next request in the dialog (RFC 3261 §12.2.1.1).
    pub(super) fn request(&mut self, method: &str, sdp: Option<&str>) -> String {
        self.cseq += 1;
        let contact = format!("Contact: <sip:phone@{}>", self.addr);
        let extra: &[&str] = if method == "INVITE" { &[&contact] } else { &[] };
        self.text(method, self.cseq, extra, sdp)
    }

    /// The ACK of a 2xx to our INVITE with CSeq `cseq` (RFC 3261 §13.2.2.4).
    pub(super) fn ack(&mut self, cseq: u32, sdp: Option<&str>) -> String {
        self.text("ACK", cseq, &[], sdp)
    }

    /// The ACK of a non-2xx final response to our last re-INVITE (RFC 3261 §17.1.1.3).
    fn ack_final(&self) -> String {
        self.write("ACK", self.cseq, &self.branch, &[], None)
    }
}

/// A registered phone answering what vpbx sends it, with its own To tag.
pub(super) struct Callee {
    addr: SocketAddr,
    tag: String,
}

impl Callee {
    pub(super) fn new(addr: SocketAddr) -> Self {
        Self {
            addr,
            tag: format!("callee-{}", addr.ip()),
        }
    }

    /// Its response to `request`: a Contact on 1xx/2xx to INVITE, `sdp` as the body.
    pub(super) fn reply(&self, request: &Request, status: u16, sdp: Option<&str>) -> Response {
        let reason = match status {
            180 => "Ringing",
            200 => "OK",
            480 => "Temporarily Unavailable",
            486 => "Busy Here",
            487 => "Request Terminated",
            603 => "Decline",
            _ => "Whatever",
        };
        let mut r = request.response(status, reason, Some(&self.tag));
        if request.method == Method::Invite && status < 300 {
            r.headers
                .push(HeaderName::Contact, format!("<sip:1001@{}>", self.addr));
        }
        if let Some(sdp) = sdp {
            r.headers.push(HeaderName::ContentType, "application/sdp");
            r.headers
                .set(HeaderName::ContentLength, sdp.len().to_string());
            r.body = sdp.as_bytes().to_vec();
        }
        r
    }

    /// Its side of the dialog the INVITE `invite` from vpbx established when it answered.
    pub(super) fn dialog(&self, invite: &Request) -> Leg {
        Leg {
            call_id: invite.headers.call_id().expect("Call-ID").to_owned(),
            local: format!(
                "{};tag={}",
                invite.headers.get(&HeaderName::To).expect("To"),
                self.tag
            ),
            remote: invite
                .headers
                .get(&HeaderName::From)
                .expect("From")
                .to_owned(),
            target: contact_uri(invite.headers.get(&HeaderName::Contact).expect("Contact")),
            addr: self.addr,
            cseq: 0,
            branches: 0,
            branch: String::new(),
        }
    }
}

fn request_text(
    method: &str,
    uri: &str,
    from: SocketAddr,
    branch: &str,
    lines: &[String],
    sdp: Option<&str>,
) -> String {
    let mut text =
        format!("{method} {uri} SIP/2.0\r\nVia: SIP/2.0/UDP {from};branch={branch};rport\r\n");
    if !lines.iter().any(|l| l.starts_with("Max-Forwards:")) {
        text.push_str("Max-Forwards: 70\r\n");
    }
    for line in lines {
        text.push_str(line);
        text.push_str("\r\n");
    }
    let body = sdp.unwrap_or("");
    if !body.is_empty() {
        text.push_str("Content-Type: application/sdp\r\n");
    }
    text.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    text
}

/// The URI inside a Contact value `<uri>`.
fn contact_uri(contact: &str) -> String {
    contact
        .trim()
        .trim_start_matches('<')
        .split('>')
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// An SDP body receiving audio at `host:port` with payload types `pts` and `direction`.
fn sdp(host: SocketAddr, port: u16, pts: &[u8], direction: &str, version: u32) -> String {
    let ip = host.ip();
    let formats: Vec<String> = pts.iter().map(u8::to_string).collect();
    let mut text = format!(
        "v=0\r\no=phone 1 {version} IN IP4 {ip}\r\ns=-\r\nc=IN IP4 {ip}\r\nt=0 0\r\n\
         m=audio {port} RTP/AVP {}\r\n",
        formats.join(" ")
    );
    for pt in pts {
        let codec = match pt {
            0 => "PCMU/8000",
            8 => "PCMA/8000",
            9 => "G722/8000",
            18 => "G729/8000",
            _ => "telephone-event/8000",
        };
        text.push_str(&format!("a=rtpmap:{pt} {codec}\r\n"));
    }
    text.push_str(&format!("a={direction}\r\n"));
    text
}

/// The caller's offer: PCMA, PCMU, telephone-event and G.722 at 192.0.2.10:4000.
pub(super) fn offer() -> String {
    sdp(CALLER, 4000, &[8, 0, 101, 9], "sendrecv", 1)
}

/// The callee's answer: PCMA and telephone-event at `addr`:5000.
pub(super) fn answer(addr: SocketAddr) -> String {
    sdp(addr, 5000, &[8, 101], "sendrecv", 1)
}

fn rtp(addr: SocketAddr, port: u16) -> (SocketAddr, SocketAddr) {
    (
        SocketAddr::new(addr.ip(), port),
        SocketAddr::new(addr.ip(), port + 1),
    )
}

fn body(message: &Message) -> String {
    String::from_utf8(message.body().to_vec()).expect("UTF-8 body")
}

fn req_body(r: &Request) -> String {
    body(&Message::Request(r.clone()))
}

fn resp_body(r: &Response) -> String {
    body(&Message::Response(r.clone()))
}

fn to_tag(headers: &vpbx_sip_msg::Headers) -> Option<String> {
    headers.to().expect("To").tag().map(str::to_owned)
}

pub(super) fn branch(r: &Request) -> String {
    r.headers
        .top_via()
        .expect("Via")
        .branch()
        .expect("branch")
        .to_owned()
}

pub(super) fn cseq(headers: &vpbx_sip_msg::Headers) -> (u32, Method) {
    let c = headers.cseq().expect("CSeq");
    (c.seq, c.method)
}

/// An answered call from 1000 to 1001 (both PCMA), ACKed by the caller.
struct Up {
    caller: Phone,
    callee: Callee,
    /// The caller's dialog and the callee's.
    a: Leg,
    b: Leg,
}

fn up(pbx: &mut Pbx) -> Up {
    pbx.bind(ACME, "1001", CALLEE);
    let mut caller = Phone::new("1000", ACME_DOMAIN, CALLER);
    let (_, out) = pbx.call(&mut caller, "1001", &[], Some(&offer()));
    let invite = out.request(CALLEE, Method::Invite);
    let callee = Callee::new(CALLEE);
    pbx.answer(CALLEE, callee.reply(&invite, 180, None));
    let out = pbx.answer(CALLEE, callee.reply(&invite, 200, Some(&answer(CALLEE))));
    let mut a = caller.dialog(&out.response(CALLER, 200));
    assert!(pbx.send(CALLER, &a.ack(caller.cseq, None)).0.is_empty());
    let b = callee.dialog(&invite);
    Up {
        caller,
        callee,
        a,
        b,
    }
}

/// RFC 3261 §22.3, §13, §15; RFC 3264: the whole life of a call. 407 with the tenant as
/// realm; the authenticated INVITE goes to the callee's contact as a new dialog (vpbx Call-ID,
/// new From tag) with the offer cut to G.711 + events and pointed at the relay; 180 and 200
/// reach the caller under the 407's To tag; vpbx ACKs the callee; BYE ends both legs and the
/// CDR, media and call-limit units.
#[test]
fn basic_call_authenticates_forks_answers_and_hangs_up_rfc3261() {
    let mut pbx = Pbx::new();
    pbx.bind(ACME, "1001", CALLEE);
    let mut caller = Phone::new("1000", ACME_DOMAIN, CALLER);

    let (challenge, out) = pbx.call(&mut caller, "1001", &[], Some(&offer()));
    assert_eq!(
        challenge.reason, "Proxy Authentication Required",
        "RFC 3261 §22.3"
    );
    let params = challenge
        .headers
        .auth(&HeaderName::ProxyAuthenticate)
        .expect("Proxy-Authenticate");
    assert_eq!(params[0].get("realm"), Some(ACME_DOMAIN));
    let a_tag = to_tag(&challenge.headers).expect("407 To tag");
    assert_eq!(out.summary(), ["callee <- INVITE"]);
    let invite = out.request(CALLEE, Method::Invite);
    let call_id = invite.headers.call_id().expect("Call-ID").to_owned();
    assert!(call_id.starts_with("vpbx-"), "{call_id}");
    let x_call_id = invite
        .headers
        .get(&HeaderName::parse("X-VPBX-Call-ID"))
        .expect("X-VPBX-Call-ID");
    assert!(call_id.ends_with(x_call_id), "{call_id} / {x_call_id}");
    let from = invite.headers.from().expect("From");
    assert_eq!(from.uri.user.as_deref(), Some("1000"));
    let b_tag = from.tag().expect("From tag").to_owned();
    assert_ne!(b_tag, caller.tag);
    assert_eq!(
        invite.headers.to().expect("To").uri.to_string(),
        "sip:1001@acme.example"
    );
    assert_eq!(to_tag(&invite.headers), None);
    assert_eq!(invite.uri.to_string(), format!("sip:1001@{CALLEE}"));
    assert_eq!(cseq(&invite.headers), (1, Method::Invite));
    let offered = req_body(&invite);
    assert!(offered.contains("c=IN IP4 127.0.0.1\r\n"), "{offered}");
    assert!(
        offered.contains("m=audio 20002 RTP/AVP 8 0 101\r\n"),
        "{offered}"
    );
    assert!(!offered.contains("192.0.2.10"), "{offered}");
    assert!(!offered.contains("G722"), "{offered}");
    assert_eq!(
        pbx.media.ops(),
        [
            Op::Open(pbx.media.owner()),
            Op::Remote(Side::A, rtp(CALLER, 4000).0, rtp(CALLER, 4000).1)
        ]
    );

    let callee = Callee::new(CALLEE);
    let out = pbx.answer(CALLEE, callee.reply(&invite, 180, None));
    assert_eq!(out.summary(), ["caller <- 180 INVITE"]);
    let ringing = out.response(CALLER, 180);
    assert_eq!(to_tag(&ringing.headers), Some(a_tag.clone()));

    let answered_at = pbx.elapsed();
    let out = pbx.answer(CALLEE, callee.reply(&invite, 200, Some(&answer(CALLEE))));
    assert_eq!(out.summary(), ["callee <- ACK", "caller <- 200 INVITE"]);
    let ack = out.request(CALLEE, Method::Ack);
    assert_eq!(cseq(&ack.headers), (1, Method::Ack));
    assert_eq!(ack.headers.call_id().expect("Call-ID"), call_id);
    assert_eq!(to_tag(&ack.headers), Some(callee.tag.clone()));
    let ok = out.response(CALLER, 200);
    assert_eq!(to_tag(&ok.headers), Some(a_tag));
    let answered = resp_body(&ok);
    assert!(
        answered.contains("m=audio 20000 RTP/AVP 8 101\r\n"),
        "{answered}"
    );
    assert!(answered.contains("c=IN IP4 127.0.0.1\r\n"), "{answered}");
    assert!(!answered.contains("192.0.2.20"), "{answered}");
    let (b_rtp, b_rtcp) = rtp(CALLEE, 5000);
    assert!(pbx
        .media
        .ops()
        .contains(&Op::Remote(Side::B, b_rtp, b_rtcp)));

    let mut a = caller.dialog(&ok);
    assert_eq!(a.target, format!("sip:{SIP_ADDR}"));
    assert!(pbx.send(CALLER, &a.ack(caller.cseq, None)).0.is_empty());
    assert!(pbx
        .run(Duration::from_secs(5), Duration::from_millis(500))
        .0
        .is_empty());

    let out = pbx.send(CALLER, &a.request("BYE", None));
    assert_eq!(out.summary(), ["callee <- BYE", "caller <- 200 BYE"]);
    let bye = out.request(CALLEE, Method::Bye);
    assert_eq!(bye.headers.call_id().expect("Call-ID"), call_id);
    assert_eq!(cseq(&bye.headers), (2, Method::Bye));
    assert_eq!(
        bye.headers.from().expect("From").tag(),
        Some(b_tag.as_str())
    );
    assert!(pbx
        .answer(CALLEE, callee.reply(&bye, 200, None))
        .0
        .is_empty());

    let cdr = pbx.cdr();
    assert_eq!(cdr.disposition, Disposition::Answered);
    assert_eq!(cdr.hangup_side, HangupSide::Caller);
    assert_eq!(cdr.hangup_cause, "bye");
    assert_eq!((cdr.caller.as_str(), cdr.callee.as_str()), ("1000", "1001"));
    assert_eq!(cdr.call_id, x_call_id);
    assert_eq!(cdr.codec_a.as_deref(), Some("PCMA"));
    assert_eq!(cdr.codec_b.as_deref(), Some("PCMA"));
    assert_eq!(
        cdr.answered_at,
        Some(cdr.started_at + i64::try_from(answered_at.as_millis()).expect("ms"))
    );
    assert_eq!(cdr.billsec_ms(), 5000);
    assert_eq!(pbx.media.ops().last(), Some(&Op::Close));
    pbx.assert_idle();
}

/// RFC 3261 §13.3.1.4: without an ACK our 200 is re-sent after T1, doubling up to T2
/// (500 ms, 1 s, 2 s, 4 s, 4 s ...); after 64*T1 = 32 s the session is ended with BYE on
/// both sides and the CDR blames the system.
#[test]
fn unacked_2xx_is_retransmitted_t1_to_t2_then_both_sides_get_bye_rfc3261_13_3_1_4() {
    let mut pbx = Pbx::new();
    pbx.bind(ACME, "1001", CALLEE);
    let mut caller = Phone::new("1000", ACME_DOMAIN, CALLER);
    let (_, out) = pbx.call(&mut caller, "1001", &[], Some(&offer()));
    let invite = out.request(CALLEE, Method::Invite);
    let callee = Callee::new(CALLEE);
    pbx.answer(CALLEE, callee.reply(&invite, 180, None));
    let first = pbx.answer(CALLEE, callee.reply(&invite, 200, Some(&answer(CALLEE))));
    let sent_at = first.times_of(CALLER, 200)[0];
    let ok = first.response(CALLER, 200);

    let later = pbx.run(Duration::from_secs(40), Duration::from_millis(100));
    let resent = later.times_of(CALLER, 200);
    let offsets: Vec<u64> = resent
        .iter()
        .map(|t| (*t - sent_at).as_millis() as u64)
        .collect();
    assert_eq!(
        offsets,
        [500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]
    );
    for s in later.0.iter().filter(|s| s.to == CALLER) {
        if let Message::Response(r) = &s.message {
            assert_eq!(r, &ok, "the same 200 each time");
        }
    }
    assert_eq!(
        later.first_request_at(CALLER, Method::Bye) - sent_at,
        Duration::from_secs(32)
    );
    assert_eq!(
        later.first_request_at(CALLEE, Method::Bye) - sent_at,
        Duration::from_secs(32)
    );
    let cdr = pbx.cdr();
    assert_eq!(cdr.disposition, Disposition::Answered);
    assert_eq!(cdr.hangup_side, HangupSide::System);
    assert_eq!(cdr.hangup_cause, "no-ack");
    pbx.assert_idle();
}

/// A tenant that records calls: the answered call is recorded under the tenant's folder
/// and the CDR links the file with its size; the other tenant's calls are not recorded.
#[test]
fn answered_call_of_a_recording_tenant_is_recorded_and_linked_from_its_cdr() {
    let free = Limits::default();
    let mut acme = tenant(ACME, ACME_DOMAIN, &[("1000", free), ("1001", free)]);
    acme.media.record_calls = true;
    let beta = tenant(BETA, BETA_DOMAIN, &[("1000", free), ("1001", free)]);
    let mut pbx = Pbx::with_tenants(vec![acme, beta], None, 3);
    pbx.bind(ACME, "1001", CALLEE);
    let mut caller = Phone::new("1000", ACME_DOMAIN, CALLER);
    let (_, out) = pbx.call(&mut caller, "1001", &[], Some(&offer()));
    let invite = out.request(CALLEE, Method::Invite);
    let callee = Callee::new(CALLEE);
    let ok = pbx
        .answer(CALLEE, callee.reply(&invite, 200, Some(&answer(CALLEE))))
        .response(CALLER, 200);
    let recorded: Vec<String> = pbx
        .media
        .ops()
        .into_iter()
        .filter_map(|op| match op {
            Op::Record(path) => Some(path),
            _ => None,
        })
        .collect();
    assert_eq!(recorded.len(), 1, "recording starts at the answer");
    assert!(
        recorded[0].starts_with(&format!("recordings/{ACME}/2023/11/14/")),
        "{}",
        recorded[0]
    );
    let mut a = caller.dialog(&ok);
    pbx.send(CALLER, &a.ack(caller.cseq, None));
    pbx.run(Duration::from_secs(2), Duration::from_millis(500));
    let bye = pbx
        .send(CALLER, &a.request("BYE", None))
        .request(CALLEE, Method::Bye);
    pbx.answer(CALLEE, callee.reply(&bye, 200, None));
    let cdr = pbx.cdr();
    let recording = cdr.recording.expect("the CDR links the recording");
    assert_eq!(recording.path, recorded[0]);
    assert_eq!(recording.bytes, 44 + 2 * 32_000);

    pbx.bind(BETA, "1001", CALLEE);
    let mut other = Phone::new("1000", BETA_DOMAIN, CALLER);
    let (_, out) = pbx.call(&mut other, "1001", &[], Some(&offer()));
    let invite = out.request(CALLEE, Method::Invite);
    pbx.answer(CALLEE, callee.reply(&invite, 200, Some(&answer(CALLEE))));
    let records = pbx
        .media
        .ops()
        .iter()
        .filter(|op| matches!(op, Op::Record(_)))
        .count();
    assert_eq!(records, 1, "beta does not record");
}

/// RFC 3261 §16.7 applied by a B2BUA: every contact gets the INVITE (own branch, one
/// Call-ID); the first 2xx wins and the other fork is cancelled with its INVITE's branch
/// (§9.1); a 2xx that fork sends anyway is ACKed and hung up (§15).
#[test]
fn forked_invite_first_2xx_wins_and_the_other_fork_is_cancelled_rfc3261_16_7() {
    let mut pbx = Pbx::new();
    pbx.bind(ACME, "1001", CALLEE);
    pbx.bind(ACME, "1001", CALLEE_2);
    let mut caller = Phone::new("1000", ACME_DOMAIN, CALLER);
    let (_, out) = pbx.call(&mut caller, "1001", &[], Some(&offer()));
    assert_eq!(out.summary(), ["callee <- INVITE", "callee2 <- INVITE"]);
    let (inv1, inv2) = (
        out.request(CALLEE, Method::Invite),
        out.request(CALLEE_2, Method::Invite),
    );
    assert_ne!(branch(&inv1), branch(&inv2));
    assert_eq!(inv1.headers.call_id().ok(), inv2.headers.call_id().ok());
    let (desk, soft) = (Callee::new(CALLEE), Callee::new(CALLEE_2));
    assert_eq!(
        pbx.answer(CALLEE, desk.reply(&inv1, 180, None)).summary(),
        ["caller <- 180 INVITE"]
    );
    assert_eq!(
        pbx.answer(CALLEE_2, soft.reply(&inv2, 180, None)).summary(),
        ["caller <- 180 INVITE"]
    );

    let out = pbx.answer(CALLEE_2, soft.reply(&inv2, 200, Some(&answer(CALLEE_2))));
    assert_eq!(
        out.summary(),
        ["callee <- CANCEL", "callee2 <- ACK", "caller <- 200 INVITE"]
    );
    let cancel = out.request(CALLEE, Method::Cancel);
    assert_eq!(branch(&cancel), branch(&inv1), "RFC 3261 §9.1");
    assert_eq!(cseq(&cancel.headers), (1, Method::Cancel));
    assert_eq!(cancel.uri, inv1.uri);
    assert!(pbx
        .answer(CALLEE, desk.reply(&cancel, 200, None))
        .0
        .is_empty());

    let out = pbx.answer(CALLEE, desk.reply(&inv1, 200, Some(&answer(CALLEE))));
    assert_eq!(out.summary(), ["callee <- ACK", "callee <- BYE"]);
    let (ack, bye) = (
        out.request(CALLEE, Method::Ack),
        out.request(CALLEE, Method::Bye),
    );
    assert_eq!(cseq(&ack.headers), (1, Method::Ack));
    assert_eq!(to_tag(&bye.headers), Some(desk.tag.clone()));
    assert_eq!(cseq(&bye.headers).1, Method::Bye);
    assert_eq!(pbx.core.calls(), 1, "the answered call goes on");
    assert!(pbx.core.drain_cdrs().is_empty());
}

/// RFC 3261 §9.1: a CANCEL must not be sent before a provisional response; the caller's
/// CANCEL gets 200 and its INVITE 487 at once (§9.2), the fork's CANCEL waits for its 180.
#[test]
fn cancel_before_provisional_waits_for_the_fork_180_rfc3261_9_1() {
    let mut pbx = Pbx::new();
    pbx.bind(ACME, "1001", CALLEE);
    let mut caller = Phone::new("1000", ACME_DOMAIN, CALLER);
    let (_, out) = pbx.call(&mut caller, "1001", &[], Some(&offer()));
    let invite = out.request(CALLEE, Method::Invite);

    let out = pbx.send(CALLER, &caller.cancel());
    assert_eq!(
        out.summary(),
        ["caller <- 200 CANCEL", "caller <- 487 INVITE"]
    );
    assert!(pbx
        .send(CALLER, &caller.ack_final(&out.response(CALLER, 487)))
        .0
        .is_empty());
    let cdr = pbx.cdr();
    assert_eq!(cdr.disposition, Disposition::Cancelled);
    assert_eq!(cdr.hangup_side, HangupSide::Caller);
    assert_eq!(cdr.answered_at, None);

    let callee = Callee::new(CALLEE);
    let out = pbx.answer(CALLEE, callee.reply(&invite, 180, None));
    assert_eq!(out.summary(), ["callee <- CANCEL"]);
    let cancel = out.request(CALLEE, Method::Cancel);
    assert_eq!(branch(&cancel), branch(&invite));
    pbx.answer(CALLEE, callee.reply(&cancel, 200, None));
    let out = pbx.answer(CALLEE, callee.reply(&invite, 487, None));
    assert_eq!(
        out.summary(),
        ["callee <- ACK"],
        "the transaction ACKs the 487"
    );
    pbx.assert_idle();
}

/// RFC 3261 §16.7 step 6: when every fork failed the caller gets the best failure, a busy
/// before an unavailable.
#[test]
fn all_forks_failing_gives_the_caller_the_busy_rfc3261_16_7() {
    let mut pbx = Pbx::new();
    pbx.bind(ACME, "1001", CALLEE);
    pbx.bind(ACME, "1001", CALLEE_2);
    let mut caller = Phone::new("1000", ACME_DOMAIN, CALLER);
    let (_, out) = pbx.call(&mut caller, "1001", &[], Some(&offer()));
    let (inv1, inv2) = (
        out.request(CALLEE, Method::Invite),
        out.request(CALLEE_2, Method::Invite),
    );
    let out = pbx.answer(CALLEE, Callee::new(CALLEE).reply(&inv1, 486, None));
    assert_eq!(
        out.summary(),
        ["callee <- ACK"],
        "no answer to the caller yet"
    );
    let out = pbx.answer(CALLEE_2, Callee::new(CALLEE_2).reply(&inv2, 480, None));
    assert_eq!(out.summary(), ["callee2 <- ACK", "caller <- 486 INVITE"]);
    let cdr = pbx.cdr();
    assert_eq!(cdr.disposition, Disposition::Busy);
    assert_eq!(cdr.hangup_side, HangupSide::Callee);
    assert_eq!(cdr.hangup_cause, "486 Busy Here");
    pbx.assert_idle();
}

/// RFC 3261 §16.7 step 5: a 6xx ends the search: the other forks are cancelled and the
/// caller gets the 603 without waiting for them.
#[test]
fn a_603_from_one_fork_cancels_the_others_and_is_final_rfc3261_16_7() {
    let mut pbx = Pbx::new();
    pbx.bind(ACME, "1001", CALLEE);
    pbx.bind(ACME, "1001", CALLEE_2);
    let mut caller = Phone::new("1000", ACME_DOMAIN, CALLER);
    let (_, out) = pbx.call(&mut caller, "1001", &[], Some(&offer()));
    let (inv1, inv2) = (
        out.request(CALLEE, Method::Invite),
        out.request(CALLEE_2, Method::Invite),
    );
    let (desk, soft) = (Callee::new(CALLEE), Callee::new(CALLEE_2));
    pbx.answer(CALLEE, desk.reply(&inv1, 180, None));
    pbx.answer(CALLEE_2, soft.reply(&inv2, 180, None));
    let out = pbx.answer(CALLEE_2, soft.reply(&inv2, 603, None));
    assert_eq!(
        out.summary(),
        ["callee <- CANCEL", "callee2 <- ACK", "caller <- 603 INVITE"]
    );
    assert_eq!(branch(&out.request(CALLEE, Method::Cancel)), branch(&inv1));
    let cdr = pbx.cdr();
    assert_eq!(cdr.hangup_cause, "603 Decline");
    assert_eq!(
        cdr.disposition,
        Disposition::Busy,
        "a declined call is busy, as in Asterisk"
    );
    pbx.answer(CALLEE, desk.reply(&inv1, 487, None));
    pbx.assert_idle();
}

/// RFC 3261 §17.1.1.2 Timer B: a fork that never answers times out after 64*T1 (treated as
/// 408, §8.1.3.1) and the caller gets 480.
#[test]
fn silent_fork_times_out_with_timer_b_and_the_caller_gets_480_rfc3261_17_1_1_2() {
    let mut pbx = Pbx::new();
    pbx.bind(ACME, "1001", CALLEE);
    let mut caller = Phone::new("1000", ACME_DOMAIN, CALLER);
    let (_, out) = pbx.call(&mut caller, "1001", &[], Some(&offer()));
    let invite = out.request(CALLEE, Method::Invite);
    let sent_at = pbx.elapsed();

    let out = pbx.run(Duration::from_secs(33), Duration::from_millis(500));
    assert_eq!(
        out.times_of(CALLER, 480).first(),
        Some(&(sent_at + Duration::from_secs(32)))
    );
    assert_eq!(out.times_of(CALLER, 100).len(), 1, "100 Trying meanwhile");
    let retransmitted = out.requests(CALLEE, Method::Invite);
    assert!(!retransmitted.is_empty(), "Timer A");
    assert!(retransmitted.iter().all(|r| branch(r) == branch(&invite)));
    let cdr = pbx.cdr();
    assert_eq!(cdr.disposition, Disposition::NoAnswer);
    pbx.assert_idle();
}

/// The ring timeout (the seed's Dial timeout): a fork ringing for too long is cancelled
/// and the caller gets 480.
#[test]
fn ringing_fork_is_cancelled_at_the_ring_timeout_and_the_caller_gets_480() {
    let mut pbx = Pbx::new();
    pbx.bind(ACME, "1001", CALLEE);
    let mut caller = Phone::new("1000", ACME_DOMAIN, CALLER);
    let (_, out) = pbx.call(&mut caller, "1001", &[], Some(&offer()));
    let invite = out.request(CALLEE, Method::Invite);
    let callee = Callee::new(CALLEE);
    pbx.answer(CALLEE, callee.reply(&invite, 180, None));
    let start = pbx.elapsed();

    let out = pbx.run(RING, Duration::from_secs(1));
    assert_eq!(out.summary(), ["callee <- CANCEL", "caller <- 480 INVITE"]);
    assert_eq!(out.times_of(CALLER, 480), [start + RING]);
    let cancel = out.request(CALLEE, Method::Cancel);
    assert_eq!(branch(&cancel), branch(&invite));
    let cdr = pbx.cdr();
    assert_eq!(cdr.disposition, Disposition::NoAnswer);
    assert_eq!(cdr.hangup_side, HangupSide::System);
    assert_eq!(cdr.hangup_cause, "no-answer");
    pbx.answer(CALLEE, callee.reply(&cancel, 200, None));
    pbx.answer(CALLEE, callee.reply(&invite, 487, None));
    pbx.assert_idle();
}

/// RFC 3264 §8.4, RFC 3261 §14: the caller's hold re-INVITE goes on to the callee with the
/// relay's callee-facing port; the answer disarms the RTP timeout; a second offer while the
/// first is pending gets 491 (§14.2); vpbx ACKs the callee's 200 and resends its own 200 to
/// the caller until the ACK; resuming re-arms the timeout.
#[test]
fn reinvite_hold_is_forwarded_disarms_rtp_timeout_and_resume_rearms_rfc3264_8_4() {
    let mut pbx = Pbx::new();
    let Up { callee, mut a, .. } = up(&mut pbx);
    let hold = sdp(CALLER, 4000, &[8, 101], "sendonly", 2);
    let out = pbx.send(CALLER, &a.request("INVITE", Some(&hold)));
    assert_eq!(out.summary(), ["callee <- INVITE"]);
    let reinvite = out.request(CALLEE, Method::Invite);
    assert_eq!(cseq(&reinvite.headers), (2, Method::Invite));
    assert_eq!(to_tag(&reinvite.headers), Some(callee.tag.clone()));
    let offered = req_body(&reinvite);
    assert!(
        offered.contains("m=audio 20002 RTP/AVP 8 101\r\n"),
        "{offered}"
    );
    assert!(offered.contains("a=sendonly\r\n"), "{offered}");

    let out = pbx.send(CALLER, &a.request("INVITE", Some(&hold)));
    assert_eq!(out.summary(), ["caller <- 491 INVITE"], "RFC 3261 §14.2");
    assert!(pbx.send(CALLER, &a.ack_final()).0.is_empty());

    let held = sdp(CALLEE, 5000, &[8, 101], "recvonly", 2);
    let out = pbx.answer(CALLEE, callee.reply(&reinvite, 200, Some(&held)));
    assert_eq!(out.summary(), ["callee <- ACK", "caller <- 200 INVITE"]);
    assert_eq!(
        cseq(&out.request(CALLEE, Method::Ack).headers),
        (2, Method::Ack)
    );
    let ok = out.response(CALLER, 200);
    assert_eq!(cseq(&ok.headers), (a.cseq - 1, Method::Invite));
    let answered = resp_body(&ok);
    assert!(
        answered.contains("m=audio 20000 RTP/AVP 8 101\r\n"),
        "{answered}"
    );
    assert!(answered.contains("a=recvonly\r\n"), "{answered}");
    assert_eq!(pbx.media.ops().last(), Some(&Op::Armed(false)));

    let sent_at = pbx.elapsed();
    let out = pbx.run(Duration::from_millis(1500), Duration::from_millis(100));
    assert_eq!(
        out.times_of(CALLER, 200),
        [sent_at + T1, sent_at + 3 * T1],
        "resent until the ACK, on its own schedule"
    );
    assert_eq!(out.0.len(), 2);
    assert!(pbx.send(CALLER, &a.ack(a.cseq - 1, None)).0.is_empty());
    assert!(pbx
        .run(Duration::from_secs(10), Duration::from_millis(100))
        .summary()
        .iter()
        .all(|l| l != "caller <- 200 INVITE"));

    let resume = sdp(CALLER, 4000, &[8, 101], "sendrecv", 3);
    let out = pbx.send(CALLER, &a.request("INVITE", Some(&resume)));
    let reinvite = out.request(CALLEE, Method::Invite);
    assert_eq!(cseq(&reinvite.headers), (3, Method::Invite));
    let out = pbx.answer(CALLEE, callee.reply(&reinvite, 200, Some(&answer(CALLEE))));
    assert_eq!(out.summary(), ["callee <- ACK", "caller <- 200 INVITE"]);
    assert_eq!(pbx.media.ops().last(), Some(&Op::Armed(true)));
    assert!(pbx.send(CALLER, &a.ack(a.cseq, None)).0.is_empty());
    assert_eq!(pbx.core.calls(), 1);
}

/// RFC 3261 §15.1.2: the callee's BYE is answered and re-originated to the caller.
#[test]
fn bye_from_the_callee_hangs_up_the_caller_rfc3261_15_1_2() {
    let mut pbx = Pbx::new();
    let Up { mut b, caller, .. } = up(&mut pbx);
    let out = pbx.send(CALLEE, &b.request("BYE", None));
    assert_eq!(out.summary(), ["callee <- 200 BYE", "caller <- BYE"]);
    let bye = out.request(CALLER, Method::Bye);
    assert_eq!(bye.headers.call_id().ok(), Some(caller.call_id.as_str()));
    assert_eq!(
        bye.headers.to().expect("To").tag(),
        Some(caller.tag.as_str())
    );
    assert_eq!(bye.uri.to_string(), format!("sip:1000@{CALLER}"));
    assert_eq!(cseq(&bye.headers), (1, Method::Bye));
    assert!(pbx
        .answer(CALLER, bye.response(200, "OK", None))
        .0
        .is_empty());
    let cdr = pbx.cdr();
    assert_eq!(cdr.disposition, Disposition::Answered);
    assert_eq!(cdr.hangup_side, HangupSide::Callee);
    assert_eq!(cdr.hangup_cause, "bye");
    pbx.assert_idle();
}

/// The relay's RTP timeout (the seed's `rtptimeout`) ends the call with BYE to both sides.
#[test]
fn media_timeout_hangs_up_both_sides() {
    let mut pbx = Pbx::new();
    up(&mut pbx);
    let now = pbx.now;
    pbx.core
        .handle_media_event(now, pbx.media.owner() + 1, MediaEvent::Timeout);
    assert!(
        pbx.drain().0.is_empty(),
        "another owner's event changes nothing"
    );
    pbx.core
        .handle_media_event(now, pbx.media.owner(), MediaEvent::Timeout);
    assert_eq!(pbx.drain().summary(), ["callee <- BYE", "caller <- BYE"]);
    let cdr = pbx.cdr();
    assert_eq!(cdr.hangup_side, HangupSide::System);
    assert_eq!(cdr.hangup_cause, "rtp-timeout");
    pbx.assert_idle();
}

/// RFC 3261 §21.4.5 (404), §21.4.18 (480), §21.4.13 (483, §16.3 step 3), §21.4.26 (488 with
/// Warning, §20.43): refused before anything is reserved or given back at once; a refused
/// call to an existing extension still gets a FAILED CDR.
#[test]
fn refused_invites_reserve_nothing_rfc3261_21_4() {
    let mut pbx = Pbx::new();
    pbx.bind(ACME, "1001", CALLEE);
    let g729 = sdp(CALLER, 4000, &[18], "sendrecv", 1);
    let garbage = "this is not SDP";
    let cases: [(&str, &[&str], Option<&str>, u16); 5] = [
        ("4711", &[], Some(&offer()), 404),
        ("1002", &[], Some(&offer()), 480),
        ("1001", &["Max-Forwards: 0"], Some(&offer()), 483),
        ("1001", &[], Some(garbage), 488),
        ("1001", &[], Some(&g729), 488),
    ];
    for (callee, extra, body, status) in cases {
        let mut caller = Phone::new("1000", ACME_DOMAIN, CALLER);
        let refusal = pbx.refused(&mut caller, callee, extra, body, status);
        if status == 488 {
            let warning = refusal.headers.get(&HeaderName::Warning).expect("Warning");
            assert!(warning.starts_with("399 vpbx \""), "{warning}");
        }
        pbx.assert_idle();
        let cdrs = pbx.core.drain_cdrs();
        if status == 404 {
            assert!(
                cdrs.is_empty(),
                "no CDR for an extension that does not exist"
            );
        } else {
            assert_eq!(
                cdrs.len(),
                1,
                "a refused call to a real extension has a CDR"
            );
            let cdr = &cdrs[0].1;
            assert_eq!(cdr.disposition, Disposition::Failed);
            assert!(cdr.hangup_cause.starts_with(&status.to_string()));
            assert_eq!(cdr.answered_at, None);
        }
    }
    assert_eq!(
        pbx.media.count(|op| matches!(op, Op::Open(_))),
        1,
        "only G.729 got that far"
    );
}

/// The seed's `busylevel`: while 1001 (busy level 1) is in a call, a new call to it gets
/// 486 and reserves nothing; once that call ends it rings again.
#[test]
fn callee_at_its_busy_level_gets_486_until_its_call_ends_rfc3261_21_4_24() {
    let busy_at_one = Limits {
        call_limit: None,
        busy_level: Some(1),
    };
    let mut pbx = Pbx::with_limits(Limits::default(), busy_at_one);
    let Up { mut a, callee, .. } = up(&mut pbx);
    let mut other = Phone::new("1002", ACME_DOMAIN, PHONE_1002);
    pbx.refused(&mut other, "1001", &[], Some(&offer()), 486);
    assert_eq!(pbx.shared.active.count(ACME, "1001"), 1);
    assert_eq!(pbx.shared.active.count(ACME, "1002"), 0);
    assert_eq!(pbx.media.count(|op| matches!(op, Op::Open(_))), 1);
    assert_eq!(pbx.core.calls(), 1);

    let out = pbx.send(CALLER, &a.request("BYE", None));
    let bye = out.request(CALLEE, Method::Bye);
    pbx.answer(CALLEE, callee.reply(&bye, 200, None));
    pbx.core.drain_cdrs();
    pbx.assert_idle();
    let mut other = Phone::new("1002", ACME_DOMAIN, PHONE_1002);
    let (_, out) = pbx.call(&mut other, "1001", &[], Some(&offer()));
    assert_eq!(out.summary(), ["callee <- INVITE"]);
}

/// A flood of INVITEs to one extension is bounded by the server's default call limit
/// (486 beyond it), not by memory: nothing is reserved for the refused ones.
#[test]
fn flood_to_one_extension_is_bounded_by_the_default_call_limit() {
    let mut pbx = Pbx::with_config(Limits::default(), Limits::default(), Some(2));
    pbx.bind(ACME, "1001", CALLEE);
    let mut first = Phone::new("1000", ACME_DOMAIN, CALLER);
    let (_, out) = pbx.call(&mut first, "1001", &[], Some(&offer()));
    assert_eq!(out.summary(), ["callee <- INVITE"]);
    let mut second = Phone::new("1002", ACME_DOMAIN, PHONE_1002);
    let (_, out) = pbx.call(&mut second, "1001", &[], Some(&offer()));
    assert_eq!(out.summary(), ["callee <- INVITE"]);
    for _ in 0..50 {
        let mut more = Phone::new("1002", ACME_DOMAIN, PHONE_1002);
        pbx.refused(&mut more, "1001", &[], Some(&offer()), 486);
    }
    assert_eq!(pbx.core.calls(), 2);
    assert_eq!(pbx.media.count(|op| matches!(op, Op::Open(_))), 2);
    assert_eq!(pbx.shared.active.count(ACME, "1001"), 2);
}

/// The seed's `call-limit`: 1000 (limit 1) in a call cannot place a second one (480).
#[test]
fn caller_over_its_call_limit_gets_480() {
    let one_call = Limits {
        call_limit: Some(1),
        busy_level: None,
    };
    let mut pbx = Pbx::with_limits(one_call, Limits::default());
    up(&mut pbx);
    pbx.bind(ACME, "1002", PHONE_1002);
    let mut again = Phone::new("1000", ACME_DOMAIN, CALLER);
    let refusal = pbx.refused(&mut again, "1002", &[], Some(&offer()), 480);
    assert_eq!(refusal.reason, "Call Limit Reached");
    assert_eq!(pbx.shared.active.count(ACME, "1000"), 1);
    assert_eq!(pbx.shared.active.count(ACME, "1002"), 0);
    assert_eq!(pbx.core.calls(), 1);
}

/// RFC 3261 §12.2.2: a BYE or re-INVITE naming a dialog we do not have (unknown To tag)
/// gets 481 and leaves the real call alone.
#[test]
fn bye_and_reinvite_with_unknown_to_tag_get_481_rfc3261_12_2_2() {
    let mut pbx = Pbx::new();
    let Up { a, caller, .. } = up(&mut pbx);
    let mut stray = Leg {
        remote: format!("<sip:1001@{ACME_DOMAIN}>;tag=nobody"),
        branch: String::new(),
        ..a
    };
    let out = pbx.send(CALLER, &stray.request("BYE", None));
    assert_eq!(out.summary(), ["caller <- 481 BYE"]);
    let out = pbx.send(CALLER, &stray.request("INVITE", Some(&offer())));
    assert_eq!(out.summary(), ["caller <- 481 INVITE"]);
    assert_eq!(pbx.core.calls(), 1);
    assert_eq!(pbx.shared.active.count(ACME, caller.user), 1);
    assert!(pbx.core.drain_cdrs().is_empty());
}

/// Tenant isolation: acme's 1000 calling 1001 reaches only acme's 1001 — with only beta's
/// 1001 registered the call gets 480 and nothing goes to beta's phone.
#[test]
fn call_never_reaches_another_tenants_extension() {
    let mut pbx = Pbx::new();
    pbx.bind(BETA, "1001", BETA_1001);
    let mut caller = Phone::new("1000", ACME_DOMAIN, CALLER);
    let (_, out) = pbx.call(&mut caller, "1001", &[], Some(&offer()));
    assert_eq!(out.summary(), ["caller <- 480 INVITE"]);
    let later = pbx.run(Duration::from_secs(5), Duration::from_millis(500));
    assert!(later.0.iter().all(|s| s.to != BETA_1001));
    assert!(pbx.media.ops().is_empty());
    pbx.assert_idle();
}

/// RFC 3264 §2, RFC 3261 §13.2.1: an INVITE without SDP is forked without SDP; the callee's
/// 2xx carries the offer (shown to the caller at the caller-facing port) and vpbx waits for
/// the caller's ACK with the answer before ACKing the callee with it (callee-facing port).
#[test]
fn late_offer_answer_travels_in_the_acks_rfc3264_2() {
    let mut pbx = Pbx::new();
    pbx.bind(ACME, "1001", CALLEE);
    let mut caller = Phone::new("1000", ACME_DOMAIN, CALLER);
    let (_, out) = pbx.call(&mut caller, "1001", &[], None);
    let invite = out.request(CALLEE, Method::Invite);
    assert!(invite.body.is_empty());
    assert_eq!(invite.headers.get(&HeaderName::ContentType), None);
    assert_eq!(pbx.media.ops(), [Op::Open(pbx.media.owner())]);

    let callee = Callee::new(CALLEE);
    let late = sdp(CALLEE, 5000, &[8, 0, 101], "sendrecv", 1);
    let out = pbx.answer(CALLEE, callee.reply(&invite, 200, Some(&late)));
    assert_eq!(
        out.summary(),
        ["caller <- 200 INVITE"],
        "no ACK to the callee yet"
    );
    let ok = out.response(CALLER, 200);
    let offered = resp_body(&ok);
    assert!(
        offered.contains("m=audio 20000 RTP/AVP 8 0 101\r\n"),
        "{offered}"
    );
    assert!(!offered.contains("192.0.2.20"), "{offered}");
    let (b_rtp, b_rtcp) = rtp(CALLEE, 5000);
    assert!(pbx
        .media
        .ops()
        .contains(&Op::Remote(Side::B, b_rtp, b_rtcp)));

    let mut a = caller.dialog(&ok);
    let answer = sdp(CALLER, 4000, &[8, 101], "sendrecv", 1);
    let out = pbx.send(CALLER, &a.ack(caller.cseq, Some(&answer)));
    assert_eq!(out.summary(), ["callee <- ACK"]);
    let ack = out.request(CALLEE, Method::Ack);
    assert_eq!(cseq(&ack.headers), (1, Method::Ack));
    assert_eq!(
        ack.headers.get(&HeaderName::ContentType),
        Some("application/sdp")
    );
    let answered = req_body(&ack);
    assert!(
        answered.contains("m=audio 20002 RTP/AVP 8 101\r\n"),
        "{answered}"
    );
    assert!(answered.contains("c=IN IP4 127.0.0.1\r\n"), "{answered}");
    let (a_rtp, a_rtcp) = rtp(CALLER, 4000);
    assert_eq!(
        pbx.media.ops().last(),
        Some(&Op::Remote(Side::A, a_rtp, a_rtcp))
    );
    assert!(pbx
        .run(Duration::from_secs(2), Duration::from_millis(100))
        .0
        .is_empty());
}

/// acme with a menu `main` (prompt `menu`, 1 rings 1001, 2 s wait, played twice) on
/// number 74950000001.
fn ivr_pbx() -> Pbx {
    let free = Limits::default();
    let mut acme = tenant(ACME, ACME_DOMAIN, &[("1000", free), ("1001", free)]);
    let json = r#"{"name":"main","prompts":["menu"],"timeout_secs":2,"repeats":2,
        "options":{"1":"ext:1001"}}"#;
    let menu: vpbx_ivr::Menu = serde_json::from_str(json).expect("menu JSON");
    acme.menus = [menu].into_iter().collect();
    acme.routing.extensions = ["1000", "1001"]
        .iter()
        .map(|e| e.parse().expect("extension"))
        .collect();
    acme.routing.numbers.push(vpbx_routing::InboundNumber {
        number: vpbx_routing::PhoneNumber::parse("number", "74950000001").expect("number"),
        trunk: "carrier".parse().expect("trunk name"),
        target: "ivr:main".parse().expect("target"),
    });
    Pbx::with_tenants(vec![acme], None, 3)
}

fn plays(pbx: &Pbx) -> usize {
    pbx.media
        .ops()
        .iter()
        .filter(|op| matches!(op, Op::Play(Side::A, Playback::Files(_))))
        .count()
}

/// Issue 5 IVR: vpbx answers a number routed to a menu itself (RFC 3264 §6 answer from
/// its relay), plays the menu, and on digit 1 forks to 1001 while the caller hears
/// ringback; 1001's answer bridges the relay without a second 200 to the caller, and the
/// call then ends like any other with a CDR naming 1001.
#[test]
fn ivr_answers_plays_and_transfers_on_a_digit() {
    let mut pbx = ivr_pbx();
    pbx.bind(ACME, "1001", CALLEE);
    let mut caller = Phone::new("1000", ACME_DOMAIN, CALLER);
    let (_, out) = pbx.call(&mut caller, "74950000001", &[], Some(&offer()));
    assert_eq!(out.summary(), ["caller <- 200 INVITE"]);
    let ok = out.response(CALLER, 200);
    let sdp = resp_body(&ok);
    assert!(sdp.contains("m=audio 20000 RTP/AVP 8 101"), "{sdp}");
    let ops = pbx.media.ops();
    assert!(ops.iter().any(|op| matches!(
        op,
        Op::App(
            Side::A,
            AppConfig {
                event_pt: Some(101),
                ..
            }
        )
    )));
    let Some(Op::Play(Side::A, Playback::Files(files))) = ops.last() else {
        panic!("the menu plays: {ops:?}");
    };
    assert!(
        files[0].ends_with(format!("tenants/{ACME}/prompts/menu.wav")),
        "{files:?}"
    );
    let mut a = caller.dialog(&ok);
    pbx.send(CALLER, &a.ack(caller.cseq, None));

    let owner = pbx.media.owner();
    let now = pbx.now;
    pbx.core
        .handle_media_event(now, owner, MediaEvent::Digit('1'));
    let out = pbx.drain();
    assert_eq!(out.summary(), ["callee <- INVITE"]);
    let invite = out.request(CALLEE, Method::Invite);
    assert!(
        req_body(&invite).contains("RTP/AVP 8 101"),
        "only the caller's codec"
    );
    assert!(pbx.media.ops().contains(&Op::Play(
        Side::A,
        Playback::Tone(vpbx_codec::CallProgress::Ringback)
    )));
    let callee = Callee::new(CALLEE);
    let out = pbx.answer(CALLEE, callee.reply(&invite, 200, Some(&answer(CALLEE))));
    assert_eq!(
        out.summary(),
        ["callee <- ACK"],
        "no second 200 to the caller"
    );
    assert_eq!(pbx.media.ops().last(), Some(&Op::Bridge(Side::A)));
    pbx.core
        .handle_media_event(now, owner, MediaEvent::Digit('2'));
    assert!(
        pbx.drain().0.is_empty(),
        "digits after the transfer change nothing"
    );

    let out = pbx.send(CALLER, &a.request("BYE", None));
    assert_eq!(out.summary(), ["callee <- BYE", "caller <- 200 BYE"]);
    let bye = out.request(CALLEE, Method::Bye);
    pbx.answer(CALLEE, callee.reply(&bye, 200, None));
    let cdr = pbx.cdr();
    assert_eq!(cdr.disposition, Disposition::Answered);
    assert_eq!(cdr.callee, "1001");
    assert_eq!(cdr.codec_a.as_deref(), Some("PCMA"));
    pbx.assert_idle();
}

/// A busy transfer target puts the caller back in the menu; with no digit the menu plays
/// its repeats, then the IVR hangs up (BYE from vpbx, system hangup in the CDR).
#[test]
fn ivr_busy_transfer_returns_to_the_menu_then_times_out() {
    let mut pbx = ivr_pbx();
    pbx.bind(ACME, "1001", CALLEE);
    let mut caller = Phone::new("1000", ACME_DOMAIN, CALLER);
    let (_, out) = pbx.call(&mut caller, "74950000001", &[], Some(&offer()));
    let ok = out.response(CALLER, 200);
    let mut a = caller.dialog(&ok);
    pbx.send(CALLER, &a.ack(caller.cseq, None));
    assert_eq!(plays(&pbx), 1);
    let (owner, now) = (pbx.media.owner(), pbx.now);
    pbx.core
        .handle_media_event(now, owner, MediaEvent::Digit('1'));
    let invite = pbx.drain().request(CALLEE, Method::Invite);
    let callee = Callee::new(CALLEE);
    let out = pbx.answer(CALLEE, callee.reply(&invite, 486, None));
    assert_eq!(out.summary(), ["callee <- ACK"]);
    assert_eq!(plays(&pbx), 2, "back in the menu");

    for _ in 0..2 {
        pbx.core
            .handle_media_event(now, owner, MediaEvent::PlaybackDone);
        let out = pbx.run(Duration::from_secs(3), Duration::from_millis(500));
        assert!(
            out.summary().iter().all(|s| s == "caller <- BYE"),
            "{:?}",
            out.summary()
        );
    }
    let cdr = pbx.cdr();
    assert_eq!(cdr.hangup_side, HangupSide::System);
    assert_eq!(cdr.hangup_cause, "ivr-hangup");
}

/// A key sent by SIP INFO (`application/dtmf-relay`, as many desk phones do) drives the
/// IVR like an RTP one; an INFO with another body type gets 415.
#[test]
fn ivr_takes_keys_by_sip_info() {
    let mut pbx = ivr_pbx();
    pbx.bind(ACME, "1001", CALLEE);
    let mut caller = Phone::new("1000", ACME_DOMAIN, CALLER);
    let (_, out) = pbx.call(&mut caller, "74950000001", &[], Some(&offer()));
    let ok = out.response(CALLER, 200);
    let mut a = caller.dialog(&ok);
    pbx.send(CALLER, &a.ack(caller.cseq, None));
    let info = |a: &mut _, ct: &str, body: &str| {
        let a: &mut Leg = a;
        a.request("INFO", Some(body)).replace(
            "Content-Type: application/sdp",
            &format!("Content-Type: {ct}"),
        )
    };
    let out = pbx.send(CALLER, &info(&mut a, "text/plain", "1"));
    assert_eq!(out.summary(), ["caller <- 415 INFO"]);
    let out = pbx.send(
        CALLER,
        &info(
            &mut a,
            "application/dtmf-relay",
            "Signal=1\r\nDuration=160\r\n",
        ),
    );
    assert_eq!(out.summary(), ["callee <- INVITE", "caller <- 200 INFO"]);
}

/// The live view of `pbx`'s acme calls.
fn live(pbx: &Pbx) -> Vec<ActiveCall> {
    pbx.shared.active.live().of_tenant(ACME)
}

/// The one call in acme's live view.
fn live_one(pbx: &Pbx) -> ActiveCall {
    let mut calls = live(pbx);
    assert_eq!(calls.len(), 1, "one live call: {calls:?}");
    calls.remove(0)
}

/// Issue 6 dashboard: a call is in the live view from its admission (ringing, under the
/// CDR's call id) through the answer, hold and resume (RFC 3264 §8.4) to the caller's BYE,
/// which removes it; another tenant never sees it.
#[test]
fn live_view_follows_a_call_from_ringing_to_hold_and_forgets_it_at_the_end() {
    let mut pbx = Pbx::new();
    pbx.bind(ACME, "1001", CALLEE);
    let mut caller = Phone::new("1000", ACME_DOMAIN, CALLER);
    let (_, out) = pbx.call(&mut caller, "1001", &[], Some(&offer()));
    let invite = out.request(CALLEE, Method::Invite);
    let call = live_one(&pbx);
    let x_call_id = invite
        .headers
        .get(&HeaderName::parse("X-VPBX-Call-ID"))
        .expect("X-VPBX-Call-ID");
    assert_eq!(call.id, x_call_id);
    assert_eq!(
        (call.caller.as_str(), call.callee.as_str()),
        ("1000", "1001")
    );
    assert_eq!(
        (call.direction, call.state, call.answered_at),
        (CallDirection::Internal, CallState::Ringing, None)
    );
    assert_eq!(call.started_at, 1_700_000_000_000);
    assert!(pbx.shared.active.live().of_tenant(BETA).is_empty());

    pbx.run(Duration::from_secs(2), Duration::from_millis(500));
    let callee = Callee::new(CALLEE);
    let out = pbx.answer(CALLEE, callee.reply(&invite, 200, Some(&answer(CALLEE))));
    let mut a = caller.dialog(&out.response(CALLER, 200));
    pbx.send(CALLER, &a.ack(caller.cseq, None));
    let call = live_one(&pbx);
    assert_eq!(call.state, CallState::Answered);
    assert_eq!(call.answered_at, Some(call.started_at + 2_000));

    let hold = sdp(CALLER, 4000, &[8, 101], "sendonly", 2);
    let reinvite = pbx
        .send(CALLER, &a.request("INVITE", Some(&hold)))
        .request(CALLEE, Method::Invite);
    let held = sdp(CALLEE, 5000, &[8, 101], "recvonly", 2);
    pbx.answer(CALLEE, callee.reply(&reinvite, 200, Some(&held)));
    pbx.send(CALLER, &a.ack(a.cseq, None));
    assert_eq!(live_one(&pbx).state, CallState::OnHold);

    let resume = sdp(CALLER, 4000, &[8, 101], "sendrecv", 3);
    let reinvite = pbx
        .send(CALLER, &a.request("INVITE", Some(&resume)))
        .request(CALLEE, Method::Invite);
    pbx.answer(CALLEE, callee.reply(&reinvite, 200, Some(&answer(CALLEE))));
    pbx.send(CALLER, &a.ack(a.cseq, None));
    assert_eq!(live_one(&pbx).state, CallState::Answered);

    let bye = pbx
        .send(CALLER, &a.request("BYE", None))
        .request(CALLEE, Method::Bye);
    assert!(live(&pbx).is_empty(), "gone at the BYE");
    pbx.answer(CALLEE, callee.reply(&bye, 200, None));
    pbx.assert_idle();
}

/// A cancelled call and a call every fork refused leave the live view at once, though the
/// forks are still being wound down.
#[test]
fn live_view_forgets_cancelled_and_refused_calls() {
    let mut pbx = Pbx::new();
    pbx.bind(ACME, "1001", CALLEE);
    let callee = Callee::new(CALLEE);
    let mut caller = Phone::new("1000", ACME_DOMAIN, CALLER);
    let (_, out) = pbx.call(&mut caller, "1001", &[], Some(&offer()));
    let invite = out.request(CALLEE, Method::Invite);
    pbx.answer(CALLEE, callee.reply(&invite, 180, None));
    assert_eq!(live_one(&pbx).state, CallState::Ringing);
    let out = pbx.send(CALLER, &caller.cancel());
    assert!(live(&pbx).is_empty(), "gone at the CANCEL");
    let cancel = out.request(CALLEE, Method::Cancel);
    pbx.answer(CALLEE, callee.reply(&cancel, 200, None));
    pbx.answer(CALLEE, callee.reply(&invite, 487, None));
    pbx.cdr();
    pbx.assert_idle();

    let mut caller = Phone::new("1000", ACME_DOMAIN, CALLER);
    let (_, out) = pbx.call(&mut caller, "1001", &[], Some(&offer()));
    let invite = out.request(CALLEE, Method::Invite);
    assert_eq!(live(&pbx).len(), 1);
    pbx.answer(CALLEE, callee.reply(&invite, 486, None));
    assert!(live(&pbx).is_empty(), "gone at the failure");
    pbx.cdr();
    pbx.assert_idle();
}

/// A call vpbx answers with an IVR shows the menu as its callee; a transfer rings the
/// extension, whose answer makes the call answered; the IVR's own hang-up (no key
/// pressed) removes it.
#[test]
fn live_view_shows_ivr_transfer_and_forgets_the_ivr_hang_up() {
    let mut pbx = ivr_pbx();
    pbx.bind(ACME, "1001", CALLEE);
    let mut caller = Phone::new("1000", ACME_DOMAIN, CALLER);
    let (_, out) = pbx.call(&mut caller, "74950000001", &[], Some(&offer()));
    let mut a = caller.dialog(&out.response(CALLER, 200));
    pbx.send(CALLER, &a.ack(caller.cseq, None));
    let call = live_one(&pbx);
    assert_eq!(
        (call.callee.as_str(), call.state),
        ("ivr:main", CallState::Ivr)
    );
    assert_eq!(call.answered_at, Some(call.started_at));

    let (owner, now) = (pbx.media.owner(), pbx.now);
    pbx.core
        .handle_media_event(now, owner, MediaEvent::Digit('1'));
    let invite = pbx.drain().request(CALLEE, Method::Invite);
    let call = live_one(&pbx);
    assert_eq!(
        (call.callee.as_str(), call.state),
        ("1001", CallState::Ringing)
    );
    let callee = Callee::new(CALLEE);
    pbx.answer(CALLEE, callee.reply(&invite, 486, None));
    assert_eq!(live_one(&pbx).state, CallState::Ivr, "back in the menu");
    for _ in 0..2 {
        pbx.core
            .handle_media_event(now, owner, MediaEvent::PlaybackDone);
        pbx.run(Duration::from_secs(3), Duration::from_millis(500));
    }
    assert_eq!(pbx.cdr().hangup_cause, "ivr-hangup");
    assert!(live(&pbx).is_empty(), "gone at the IVR hang-up");
    assert_eq!(pbx.shared.active.live().counts(), Default::default());
}

/// A call to an unregistered extension with a voicemail box shows as voicemail until the
/// caller's `#` ends the message.
#[test]
fn live_view_shows_voicemail_until_the_message_ends() {
    let free = Limits::default();
    let mut acme = tenant(ACME, ACME_DOMAIN, &[("1000", free), ("1001", free)]);
    let ext: vpbx_model::Extension = "1001".parse().expect("extension");
    acme.voicemail
        .insert("1001".to_owned(), vpbx_store::VoicemailBox::new(ext));
    let mut pbx = Pbx::with_tenants(vec![acme], None, 3);
    let mut caller = Phone::new("1000", ACME_DOMAIN, CALLER);
    let (_, out) = pbx.call(&mut caller, "1001", &[], Some(&offer()));
    let mut a = caller.dialog(&out.response(CALLER, 200));
    pbx.send(CALLER, &a.ack(caller.cseq, None));
    let call = live_one(&pbx);
    assert_eq!(
        (call.callee.as_str(), call.state),
        ("1001", CallState::Voicemail)
    );
    let (owner, now) = (pbx.media.owner(), pbx.now);
    pbx.core
        .handle_media_event(now, owner, MediaEvent::PlaybackDone);
    pbx.core
        .handle_media_event(now, owner, MediaEvent::Digit('#'));
    assert_eq!(pbx.drain().summary(), ["caller <- BYE"]);
    assert!(live(&pbx).is_empty(), "gone when the message ends");
    assert_eq!(pbx.core.drain_voicemails().len(), 1);
}

/// acme with number 74950000009 routed to DISA (on or off), and 1000 allowed to use it
/// with PIN 4821.
fn disa_pbx(on: bool) -> Pbx {
    disa_pbx_limited(on, Limits::default())
}

/// As [`disa_pbx`], with `limits` for 1000.
fn disa_pbx_limited(on: bool, limits_1000: Limits) -> Pbx {
    let free = Limits::default();
    let mut acme = tenant(ACME, ACME_DOMAIN, &[("1000", limits_1000), ("1001", free)]);
    acme.routing.extensions = ["1000", "1001"]
        .iter()
        .map(|e| e.parse().expect("extension"))
        .collect();
    acme.routing.numbers.push(vpbx_routing::InboundNumber {
        number: vpbx_routing::PhoneNumber::parse("number", "74950000009").expect("number"),
        trunk: "carrier".parse().expect("trunk name"),
        target: "disa".parse().expect("target"),
    });
    acme.disa = on;
    let pin: vpbx_ivr::disa::DisaPin = "4821".parse().expect("pin");
    acme.disa_pins
        .insert("1000".into(), pin.hash(&"1000".parse().expect("ext")));
    Pbx::with_tenants(vec![acme], None, 3)
}

/// Keys `digits` as RTP events from the caller of the only call.
fn key_in(pbx: &mut Pbx, digits: &str) -> Out {
    let (owner, now) = (pbx.media.owner(), pbx.now);
    for d in digits.chars() {
        pbx.core
            .handle_media_event(now, owner, MediaEvent::Digit(d));
    }
    pbx.drain()
}

/// Issue 5 item 7: with DISA off for the tenant, its DISA number is refused (403, a CDR);
/// nothing is answered.
#[test]
fn disa_number_is_refused_while_the_tenant_has_disa_off() {
    let mut pbx = disa_pbx(false);
    let mut caller = Phone::new("1001", ACME_DOMAIN, CALLER);
    let refusal = pbx.refused(&mut caller, "74950000009", &[], Some(&offer()), 403);
    assert!(refusal.reason.contains("DISA"), "{}", refusal.reason);
    assert_eq!(pbx.cdr().disposition, Disposition::Failed);
    pbx.assert_idle();
}

/// DISA answers with dial tone; extension, PIN and number keyed in turn ring the number
/// (here an extension) with the caller hearing ringback; the answer bridges the relay and
/// the CDR names the number called. A wrong PIN first gets congestion, then dial tone.
#[test]
fn disa_identifies_the_user_then_rings_the_number_keyed() {
    let mut pbx = disa_pbx(true);
    pbx.bind(ACME, "1001", CALLEE);
    let mut caller = Phone::new("1001", ACME_DOMAIN, CALLER);
    let (_, out) = pbx.call(&mut caller, "74950000009", &[], Some(&offer()));
    assert_eq!(out.summary(), ["caller <- 200 INVITE"]);
    let ok = out.response(CALLER, 200);
    let mut a = caller.dialog(&ok);
    pbx.send(CALLER, &a.ack(caller.cseq, None));
    let tone = |t| Op::Play(Side::A, Playback::Tone(t));
    assert_eq!(
        pbx.media.ops().last(),
        Some(&tone(vpbx_codec::CallProgress::Dial))
    );

    assert!(key_in(&mut pbx, "1000#1234#").0.is_empty());
    assert_eq!(
        pbx.media.ops().last(),
        Some(&tone(vpbx_codec::CallProgress::Congestion)),
        "a wrong PIN is refused"
    );
    pbx.run(Duration::from_secs(2), Duration::from_millis(500));
    assert_eq!(
        pbx.media.ops().last(),
        Some(&tone(vpbx_codec::CallProgress::Dial)),
        "dial tone again after the refusal"
    );

    assert!(key_in(&mut pbx, "1000#").0.is_empty());
    assert!(pbx.media.ops().contains(&Op::Play(Side::A, Playback::Beep)));
    assert!(key_in(&mut pbx, "4821#").0.is_empty());
    assert_eq!(
        pbx.media.ops().last(),
        Some(&tone(vpbx_codec::CallProgress::Dial))
    );
    let out = key_in(&mut pbx, "1001#");
    assert_eq!(out.summary(), ["callee <- INVITE"]);
    assert_eq!(
        pbx.media.ops().last(),
        Some(&tone(vpbx_codec::CallProgress::Ringback))
    );
    let invite = out.request(CALLEE, Method::Invite);
    let callee = Callee::new(CALLEE);
    let out = pbx.answer(CALLEE, callee.reply(&invite, 200, Some(&answer(CALLEE))));
    assert_eq!(out.summary(), ["callee <- ACK"]);
    assert_eq!(pbx.media.ops().last(), Some(&Op::Bridge(Side::A)));

    let out = pbx.send(CALLER, &a.request("BYE", None));
    assert_eq!(out.summary(), ["callee <- BYE", "caller <- 200 BYE"]);
    let bye = out.request(CALLEE, Method::Bye);
    pbx.answer(CALLEE, callee.reply(&bye, 200, None));
    let cdr = pbx.cdr();
    assert_eq!(cdr.disposition, Disposition::Answered);
    assert_eq!(cdr.callee, "1001");
    pbx.assert_idle();
}

/// A number that cannot be called (no route) gives congestion then the dial tone back;
/// after three such numbers vpbx hangs up.
#[test]
fn disa_unroutable_numbers_end_the_call_after_three() {
    let mut pbx = disa_pbx(true);
    let mut caller = Phone::new("1001", ACME_DOMAIN, CALLER);
    let (_, out) = pbx.call(&mut caller, "74950000009", &[], Some(&offer()));
    let ok = out.response(CALLER, 200);
    let mut a = caller.dialog(&ok);
    pbx.send(CALLER, &a.ack(caller.cseq, None));
    key_in(&mut pbx, "1000#4821#");
    for n in 1..=3 {
        let out = key_in(&mut pbx, "555#");
        if n < 3 {
            assert!(out.0.is_empty(), "{:?}", out.summary());
            pbx.run(Duration::from_secs(2), Duration::from_millis(500));
        } else {
            assert_eq!(out.summary(), ["caller <- BYE"]);
        }
    }
    let cdr = pbx.cdr();
    assert_eq!(cdr.hangup_cause, "disa-too-many-dials");
    pbx.assert_idle();
}

/// Once identified, a DISA call counts against the user's call limit: 1000 (limit 1)
/// calling the DISA number itself already uses its one call, so its dial is refused
/// (congestion, then dial tone) and nothing rings; the units are all given back at the end.
#[test]
fn disa_user_at_its_call_limit_cannot_dial() {
    let one = Limits {
        call_limit: Some(1),
        busy_level: None,
    };
    let mut pbx = disa_pbx_limited(true, one);
    pbx.bind(ACME, "1001", CALLEE);
    let mut caller = Phone::new("1000", ACME_DOMAIN, CALLER);
    let (_, out) = pbx.call(&mut caller, "74950000009", &[], Some(&offer()));
    let ok = out.response(CALLER, 200);
    let mut a = caller.dialog(&ok);
    pbx.send(CALLER, &a.ack(caller.cseq, None));
    let out = key_in(&mut pbx, "1000#4821#1001#");
    assert!(out.0.is_empty(), "nothing rings: {:?}", out.summary());
    assert_eq!(
        pbx.media.ops().last(),
        Some(&Op::Play(
            Side::A,
            Playback::Tone(vpbx_codec::CallProgress::Congestion)
        ))
    );
    let out = pbx.send(CALLER, &a.request("BYE", None));
    assert_eq!(out.summary(), ["caller <- 200 BYE"]);
    pbx.cdr();
    pbx.assert_idle();
}
