//! Sans-IO tests of message waiting indication (RFC 3842 over RFC 6665): SUBSCRIBE with
//! digest authentication, the 200 and the immediate NOTIFY, refresh, expiry, unsubscribe,
//! fetch, refusals (403 another box, 489 another event, 423, 400, 406), NOTIFYs on count
//! changes one at a time, and subscriptions dropped on 481 or timeout. Time is a fake
//! clock the tests advance.

use super::{summary_body, MailboxUpdate, MessageCounts, MAX_EXPIRES};
use crate::core::tests::{tenant, NoMedia};
use crate::core::{Shared, SipCore};
use crate::mailbox::Mailboxes;
use md5::{Digest, Md5};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};
use vpbx_model::TenantId;
use vpbx_sip_msg::{HeaderName, Message, Request, Response, Transport};
use vpbx_sip_proto::digest::{Algorithm, DigestVerifier};
use vpbx_sip_proto::registrar::RegistrarPolicy;
use vpbx_sip_proto::transaction::{Peer, TimerConfig};

const ACME: TenantId = TenantId(1);
const PHONE_HOST: &str = "192.0.2.10:5060";

fn source() -> SocketAddr {
    SocketAddr::from((Ipv4Addr::new(198, 51, 100, 7), 40000))
}

fn peer() -> Peer {
    Peer {
        transport: Transport::Udp,
        addr: source(),
        conn: None,
    }
}

fn counts(new: u32, old: u32) -> MessageCounts {
    MessageCounts { new, old }
}

/// One shard over tenant acme.example (1000, 1001) and beta.example (1000), on a fake
/// clock.
struct Pbx {
    core: SipCore,
    shared: Arc<Shared>,
    now: Instant,
    now_unix: u64,
}

impl Pbx {
    fn new() -> Self {
        let registry = crate::registry::Registry::new();
        registry.replace_all(vec![
            tenant(
                ACME,
                "acme.example",
                true,
                &[("1000", "pw1000"), ("1001", "pw1001")],
            ),
            tenant(TenantId(2), "beta.example", true, &[("1000", "beta")]),
        ]);
        let shared = Arc::new(Shared {
            registry: Arc::new(registry),
            location: Arc::new(crate::location::Location::new()),
            verifier: DigestVerifier::new([7; 32], 300).with_algorithms(vec![Algorithm::Md5]),
            policy: RegistrarPolicy::default(),
            metrics: Arc::new(crate::metrics::Metrics::default()),
            media: Arc::new(NoMedia),
            active: Arc::new(crate::active::ActiveCalls::new()),
            sip_addr: SocketAddr::from((Ipv4Addr::new(203, 0, 113, 1), 5060)),
            ring_timeout: Duration::from_secs(30),
            default_call_limit: None,
            trunk_states: Arc::new(crate::trunk_state::TrunkStates::new()),
            recordings: Default::default(),
            data_dir: std::path::PathBuf::from("/nonexistent"),
            mailboxes: Arc::new(Mailboxes::default()),
        });
        Pbx {
            core: SipCore::new(shared.clone(), TimerConfig::default(), 0, 0xabc),
            shared,
            now: Instant::now(),
            now_unix: 1_700_000_000,
        }
    }

    /// Feeds one message from the phone and returns everything the core sends.
    fn send(&mut self, text: &str) -> Vec<Message> {
        let message = Message::parse(text.as_bytes()).expect("test message parses");
        self.core.handle(self.now, self.now_unix, peer(), message);
        self.drain()
    }

    fn drain(&mut self) -> Vec<Message> {
        self.drain_to().into_iter().map(|(_, m)| m).collect()
    }

    /// What the core sends, with where to.
    fn drain_to(&mut self) -> Vec<(SocketAddr, Message)> {
        let mut out = Vec::new();
        while let Some(t) = self.core.poll_transmit() {
            let m = Message::parse(&t.bytes).expect("the core sends valid SIP");
            out.push((t.peer.addr, m));
        }
        out
    }

    /// Advances the clock in one-second steps (timers fire as they come due), returning
    /// what was sent meanwhile.
    fn advance(&mut self, secs: u64) -> Vec<Message> {
        let mut out = Vec::new();
        for _ in 0..secs {
            self.now += Duration::from_secs(1);
            self.now_unix += 1;
            self.core.handle_timeout(self.now);
            out.extend(self.drain());
        }
        out
    }

    fn update(&mut self, tenant: TenantId, extension: &str, c: MessageCounts) -> Vec<Message> {
        let update = MailboxUpdate {
            tenant,
            extension: extension.to_owned(),
            counts: c,
        };
        self.core.mailbox_changed(self.now, &update);
        self.drain()
    }

    /// Subscribes `phone` with credentials (401 first); returns the 200 and the NOTIFY.
    fn subscribe(&mut self, phone: &mut Phone, extra: &[&str]) -> (Response, Request) {
        let out = self.send(&phone.subscribe(extra));
        let challenge = response(&only(out));
        assert_eq!(challenge.status, 401);
        let authorization = phone.credentials(&challenge);
        let out = self.send(&phone.subscribe(&[extra, &[authorization.as_str()]].concat()));
        let [ok, notify] = two(out);
        let ok = response(&ok);
        assert_eq!(ok.status, 200, "{ok:?}");
        phone.to_tag = ok
            .headers
            .to()
            .ok()
            .and_then(|t| t.tag().map(str::to_owned));
        (ok, request(&notify))
    }
}

/// A subscriber: one Call-ID and From tag, CSeq counting up.
struct Phone {
    user: &'static str,
    password: &'static str,
    mailbox: &'static str,
    call_id: String,
    cseq: u32,
    to_tag: Option<String>,
}

impl Phone {
    fn new(user: &'static str, password: &'static str) -> Self {
        Phone {
            user,
            password,
            mailbox: user,
            call_id: format!("mwi-{user}-{}", rand::random::<u32>()),
            cseq: 0,
            to_tag: None,
        }
    }

    fn uri(&self) -> String {
        format!("sip:{}@acme.example", self.mailbox)
    }

    /// The next SUBSCRIBE (in the dialog once a 200 gave the To tag) with `extra` headers;
    /// Event and Contact unless `extra` replaces them ("Event:" / "Contact:" lines; an
    /// empty "-Contact" drops it).
    fn subscribe(&mut self, extra: &[&str]) -> String {
        self.cseq += 1;
        let to_tag = self
            .to_tag
            .as_ref()
            .map_or(String::new(), |t| format!(";tag={t}"));
        let mut text = format!(
            "SUBSCRIBE {uri} SIP/2.0\r\n\
             Via: SIP/2.0/UDP {PHONE_HOST};branch=z9hG4bK-{id}-{cseq};rport\r\n\
             Max-Forwards: 70\r\n\
             From: <sip:{user}@acme.example>;tag=from-{id}\r\n\
             To: <{uri}>{to_tag}\r\n\
             Call-ID: {id}\r\n\
             CSeq: {cseq} SUBSCRIBE\r\n",
            uri = self.uri(),
            id = self.call_id,
            cseq = self.cseq,
            user = self.user,
        );
        if !extra.iter().any(|l| l.starts_with("Event:")) {
            text.push_str("Event: message-summary\r\n");
        }
        if !extra
            .iter()
            .any(|l| l.starts_with("Contact:") || *l == "-Contact")
        {
            text.push_str(&format!("Contact: <sip:{}@{PHONE_HOST}>\r\n", self.user));
        }
        for line in extra.iter().filter(|l| **l != "-Contact") {
            text.push_str(line);
            text.push_str("\r\n");
        }
        text.push_str("Content-Length: 0\r\n\r\n");
        text
    }

    /// Authorization answering `challenge` (MD5, qop=auth; RFC 2617 §3.2.2).
    fn credentials(&self, challenge: &Response) -> String {
        let c = &challenge
            .headers
            .auth(&HeaderName::WwwAuthenticate)
            .expect("challenge")[0];
        let realm = c.get("realm").unwrap_or_default();
        let nonce = c.get("nonce").unwrap_or_default();
        let uri = self.uri();
        let h = |s: String| format!("{:x}", Md5::digest(s));
        let ha1 = h(format!("{}:{realm}:{}", self.user, self.password));
        let ha2 = h(format!("SUBSCRIBE:{uri}"));
        let response = h(format!("{ha1}:{nonce}:00000001:0a4f113b:auth:{ha2}"));
        format!(
            "Authorization: Digest username=\"{}\", realm=\"{realm}\", nonce=\"{nonce}\", \
             uri=\"{uri}\", response=\"{response}\", algorithm=MD5, qop=auth, nc=00000001, \
             cnonce=\"0a4f113b\"",
            self.user
        )
    }
}

fn only(mut out: Vec<Message>) -> Message {
    assert_eq!(out.len(), 1, "one message expected: {out:?}");
    out.remove(0)
}

fn two(out: Vec<Message>) -> [Message; 2] {
    <[Message; 2]>::try_from(out).unwrap_or_else(|o| panic!("two messages expected: {o:?}"))
}

fn response(m: &Message) -> Response {
    match m {
        Message::Response(r) => r.clone(),
        other => panic!("expected a response, got {other:?}"),
    }
}

fn request(m: &Message) -> Request {
    match m {
        Message::Request(r) => r.clone(),
        other => panic!("expected a request, got {other:?}"),
    }
}

/// The phone's answer to one of our requests (RFC 3261 §8.2.6).
fn answer(req: &Request, status: u16) -> String {
    let h = |n: HeaderName| req.headers.get(&n).expect("header").to_owned();
    format!(
        "SIP/2.0 {status} Whatever\r\nVia: {}\r\nFrom: {}\r\nTo: {}\r\nCall-ID: {}\r\nCSeq: {}\r\n\
         Content-Length: 0\r\n\r\n",
        h(HeaderName::Via),
        h(HeaderName::From),
        h(HeaderName::To),
        h(HeaderName::CallId),
        h(HeaderName::CSeq)
    )
}

fn state(notify: &Request) -> &str {
    notify
        .headers
        .get(&HeaderName::SubscriptionState)
        .expect("Subscription-State")
}

fn body(notify: &Request) -> String {
    String::from_utf8(notify.body.clone()).expect("UTF-8 body")
}

fn notify_cseq(notify: &Request) -> u32 {
    notify.headers.cseq().expect("CSeq").seq
}

/// RFC 6665 §4.2.1.1, §4.2.2; RFC 3842 §5.2: an authenticated SUBSCRIBE for the user's own
/// box is challenged, then answered 200 with Expires and Contact, and followed by a NOTIFY
/// in the new dialog with the box's counts.
#[test]
fn subscribe_gets_200_then_a_notify_with_the_counts_rfc6665_4_2_1_1_rfc3842_5_2() {
    let mut pbx = Pbx::new();
    pbx.shared.mailboxes.set(ACME, "1000", counts(2, 1));
    let mut phone = Phone::new("1000", "pw1000");
    let challenge = response(&only(pbx.send(&phone.subscribe(&["Expires: 600"]))));
    assert_eq!(challenge.status, 401);
    let tag_401 = challenge.headers.to().unwrap().tag().map(str::to_owned);
    let authorization = phone.credentials(&challenge);
    let message = Message::parse(
        phone
            .subscribe(&["Expires: 600", &authorization])
            .as_bytes(),
    )
    .unwrap();
    pbx.core.handle(pbx.now, pbx.now_unix, peer(), message);
    let sent = pbx.drain_to();
    assert!(
        sent.iter().all(|(to, _)| *to == source()),
        "the 200 and the NOTIFY go where the SUBSCRIBE came from (RFC 3581): {sent:?}"
    );
    let [ok, notify] = two(sent.into_iter().map(|(_, m)| m).collect());
    let (ok, notify) = (response(&ok), request(&notify));
    assert_eq!(ok.status, 200);
    phone.to_tag = ok.headers.to().unwrap().tag().map(str::to_owned);
    assert_eq!(ok.headers.get(&HeaderName::Expires), Some("600"));
    assert_eq!(
        ok.headers.get(&HeaderName::Contact),
        Some("<sip:203.0.113.1:5060>")
    );
    assert_eq!(phone.to_tag, tag_401, "one To tag for the 401 and the 200");

    assert_eq!(notify.method.as_str(), "NOTIFY");
    assert_eq!(notify.uri.to_string(), "sip:1000@192.0.2.10:5060");
    let from = notify.headers.from().unwrap();
    assert_eq!(from.tag().map(str::to_owned), phone.to_tag);
    let to = notify.headers.to().unwrap();
    assert_eq!(to.tag(), Some(format!("from-{}", phone.call_id).as_str()));
    assert_eq!(notify.headers.call_id().unwrap(), phone.call_id);
    assert_eq!(
        notify.headers.get(&HeaderName::Event),
        Some("message-summary")
    );
    assert_eq!(state(&notify), "active;expires=600");
    assert_eq!(
        notify.headers.get(&HeaderName::ContentType),
        Some("application/simple-message-summary")
    );
    assert_eq!(
        body(&notify),
        "Messages-Waiting: yes\r\nMessage-Account: sip:1000@acme.example\r\n\
         Voice-Message: 2/1 (0/0)\r\n"
    );
    assert_eq!(pbx.core.subscriptions(), 1);
}

/// RFC 6665 §4.2.1.1: the duration granted is never longer than asked, capped at one hour,
/// an hour by default; a too-short one is refused with 423 and Min-Expires.
#[test]
fn expires_is_capped_defaulted_and_too_brief_is_423_rfc6665_4_2_1_1() {
    let mut pbx = Pbx::new();
    for (asked, granted) in [(Some("Expires: 7200"), "3600"), (None, "3600")] {
        let mut phone = Phone::new("1000", "pw1000");
        let extra: Vec<&str> = asked.into_iter().collect();
        let (ok, notify) = pbx.subscribe(&mut phone, &extra);
        assert_eq!(ok.headers.get(&HeaderName::Expires), Some(granted));
        assert_eq!(state(&notify), format!("active;expires={MAX_EXPIRES}"));
    }
    let mut phone = Phone::new("1000", "pw1000");
    let r = response(&only(pbx.send(&phone.subscribe(&["Expires: 30"]))));
    assert_eq!((r.status, r.reason.as_str()), (423, "Interval Too Brief"));
    assert_eq!(r.headers.get(&HeaderName::MinExpires), Some("60"));
}

/// A user subscribes only to its own box: another extension's is 403 after
/// authentication, and nothing is kept or sent.
#[test]
fn another_extensions_box_is_403() {
    let mut pbx = Pbx::new();
    let mut phone = Phone::new("1000", "pw1000");
    phone.mailbox = "1001";
    let challenge = response(&only(pbx.send(&phone.subscribe(&[]))));
    assert_eq!(challenge.status, 401);
    let authorization = phone.credentials(&challenge);
    let r = response(&only(pbx.send(&phone.subscribe(&[&authorization]))));
    assert_eq!((r.status, r.reason.as_str()), (403, "Forbidden"));
    assert_eq!(pbx.core.subscriptions(), 0);
    // A wrong password is the same 403.
    let mut guess = Phone::new("1001", "guess");
    let challenge = response(&only(pbx.send(&guess.subscribe(&[]))));
    let authorization = guess.credentials(&challenge);
    let r = response(&only(pbx.send(&guess.subscribe(&[&authorization]))));
    assert_eq!(r.status, 403);
}

/// RFC 6665 §7.2.2: another event package is 489 with Allow-Events; a SUBSCRIBE without
/// Event or Contact is 400 naming the header; an Accept without our type is 406 (RFC 3261
/// §21.4.7); all before any challenge, with nothing kept.
#[test]
fn bad_event_missing_headers_and_accept_are_refused_rfc6665_7_2_2() {
    let mut pbx = Pbx::new();
    let mut phone = Phone::new("1000", "pw1000");
    let r = response(&only(pbx.send(&phone.subscribe(&["Event: presence"]))));
    assert_eq!((r.status, r.reason.as_str()), (489, "Bad Event"));
    assert_eq!(
        r.headers.get(&HeaderName::AllowEvents),
        Some("message-summary")
    );
    let no_event = phone
        .subscribe(&[])
        .replace("Event: message-summary\r\n", "");
    let r = response(&only(pbx.send(&no_event)));
    assert_eq!(
        (r.status, r.reason.as_str()),
        (400, "Bad Request (missing Event header)")
    );
    let r = response(&only(pbx.send(&phone.subscribe(&["-Contact"]))));
    assert_eq!(
        (r.status, r.reason.as_str()),
        (400, "Bad Request (missing Contact header)")
    );
    let r = response(&only(pbx.send(&phone.subscribe(&["Accept: text/plain"]))));
    assert_eq!(r.status, 406);
    let r = response(&only(pbx.send(&phone.subscribe(&["Expires: soon"]))));
    assert_eq!(r.status, 400);
    assert!(r.reason.contains("Expires"), "{}", r.reason);
    let r = response(&only(pbx.send(&phone.subscribe(&[
        "Accept: application/sdp, application/simple-message-summary",
    ]))));
    assert_eq!(r.status, 401, "an Accept listing our type is fine");
    assert_eq!(pbx.core.subscriptions(), 0);
}

/// RFC 3842 §3.5, RFC 6665 §4.2.2: a change of the box's counts is notified in the dialog
/// (next CSeq); changes of other boxes, other tenants' boxes or no change send nothing.
#[test]
fn count_changes_are_notified_to_the_boxs_subscribers_only_rfc3842_3_5() {
    let mut pbx = Pbx::new();
    let mut phone = Phone::new("1000", "pw1000");
    let (_, first) = pbx.subscribe(&mut phone, &["Expires: 600"]);
    assert!(body(&first).starts_with("Messages-Waiting: no\r\n"));
    assert!(pbx.send(&answer(&first, 200)).is_empty());

    assert!(pbx.update(ACME, "1001", counts(1, 0)).is_empty());
    assert!(pbx.update(TenantId(2), "1000", counts(1, 0)).is_empty());
    assert!(pbx.update(ACME, "1000", counts(0, 0)).is_empty());
    let second = request(&only(pbx.update(ACME, "1000", counts(1, 0))));
    assert_eq!(notify_cseq(&second), notify_cseq(&first) + 1);
    assert_eq!(
        body(&second),
        summary_body("sip:1000@acme.example", counts(1, 0))
    );
    assert!(body(&second).contains("Messages-Waiting: yes\r\n"));
    assert!(state(&second).starts_with("active;expires="));
}

/// RFC 6665 §4.2.2: one NOTIFY at a time per subscription; changes while one is in flight
/// are sent, with the counts current then, once it is answered.
#[test]
fn changes_wait_for_the_notify_in_flight() {
    let mut pbx = Pbx::new();
    let mut phone = Phone::new("1000", "pw1000");
    let (_, first) = pbx.subscribe(&mut phone, &[]);
    assert!(pbx.update(ACME, "1000", counts(1, 0)).is_empty());
    assert!(pbx.update(ACME, "1000", counts(2, 0)).is_empty());
    let next = request(&only(pbx.send(&answer(&first, 200))));
    assert!(
        body(&next).contains("Voice-Message: 2/0"),
        "{}",
        body(&next)
    );
    assert!(pbx.send(&answer(&next, 200)).is_empty());
}

/// RFC 6665 §4.1.2.2: a SUBSCRIBE in the dialog refreshes the subscription (200 + NOTIFY)
/// and moves its expiry; out-of-order CSeq is 500 and an unknown dialog 481.
#[test]
fn refresh_extends_the_subscription_rfc6665_4_1_2_2() {
    let mut pbx = Pbx::new();
    let mut phone = Phone::new("1000", "pw1000");
    let (_, first) = pbx.subscribe(&mut phone, &["Expires: 600"]);
    pbx.send(&answer(&first, 200));
    assert!(pbx.advance(500).is_empty());
    let [ok, notify] = two(pbx.send(&phone.subscribe(&["Expires: 600"])));
    let ok = response(&ok);
    assert_eq!(ok.status, 200);
    assert_eq!(ok.headers.get(&HeaderName::Expires), Some("600"));
    let notify = request(&notify);
    assert_eq!(state(&notify), "active;expires=600");
    pbx.send(&answer(&notify, 200));
    // The first expiry (600 s after subscribing) passes without a final NOTIFY.
    assert!(pbx.advance(200).is_empty());
    assert_eq!(pbx.core.subscriptions(), 1);

    let mut stale = phone.subscribe(&["Expires: 600"]);
    stale = stale.replace(&format!("CSeq: {} ", phone.cseq), "CSeq: 1 ");
    let r = response(&only(pbx.send(&stale)));
    assert_eq!(r.status, 500);
    let mut stranger = Phone::new("1000", "pw1000");
    stranger.to_tag = Some("nope".into());
    let r = response(&only(pbx.send(&stranger.subscribe(&[]))));
    assert_eq!(r.status, 481);
}

/// RFC 6665 §4.2.2: at its expiry a subscription ends with NOTIFY
/// `terminated;reason=timeout` and later changes send nothing.
#[test]
fn subscription_expires_with_a_final_notify_rfc6665_4_2_2() {
    let mut pbx = Pbx::new();
    let mut phone = Phone::new("1000", "pw1000");
    let (_, first) = pbx.subscribe(&mut phone, &["Expires: 60"]);
    pbx.send(&answer(&first, 200));
    assert!(pbx.advance(59).is_empty());
    let last = request(&only(pbx.advance(1)));
    assert_eq!(state(&last), "terminated;reason=timeout");
    assert_eq!(pbx.core.subscriptions(), 0);
    pbx.send(&answer(&last, 200));
    assert!(pbx.update(ACME, "1000", counts(1, 0)).is_empty());
}

/// RFC 6665 §4.1.2.3: Expires 0 in the dialog unsubscribes: 200, a final NOTIFY with the
/// state, and the dialog is gone (481 after).
#[test]
fn expires_zero_unsubscribes_with_a_final_notify_rfc6665_4_1_2_3() {
    let mut pbx = Pbx::new();
    let mut phone = Phone::new("1000", "pw1000");
    let (_, first) = pbx.subscribe(&mut phone, &[]);
    pbx.send(&answer(&first, 200));
    let [ok, last] = two(pbx.send(&phone.subscribe(&["Expires: 0"])));
    let ok = response(&ok);
    assert_eq!(
        (ok.status, ok.headers.get(&HeaderName::Expires)),
        (200, Some("0"))
    );
    let last = request(&last);
    assert_eq!(state(&last), "terminated;reason=timeout");
    assert!(body(&last).starts_with("Messages-Waiting: no"));
    assert_eq!(pbx.core.subscriptions(), 0);
    let r = response(&only(pbx.send(&phone.subscribe(&[]))));
    assert_eq!(r.status, 481);
}

/// RFC 6665 §4.4.3: a new SUBSCRIBE with Expires 0 fetches the state once.
#[test]
fn expires_zero_outside_a_dialog_fetches_once_rfc6665_4_4_3() {
    let mut pbx = Pbx::new();
    pbx.shared.mailboxes.set(ACME, "1000", counts(3, 0));
    let mut phone = Phone::new("1000", "pw1000");
    let (ok, notify) = pbx.subscribe(&mut phone, &["Expires: 0"]);
    assert_eq!(ok.headers.get(&HeaderName::Expires), Some("0"));
    assert_eq!(state(&notify), "terminated;reason=timeout");
    assert!(body(&notify).contains("Voice-Message: 3/0"));
    assert_eq!(pbx.core.subscriptions(), 0);
}

/// RFC 6665 §4.2.2: a NOTIFY answered 481 ends the subscription at once.
#[test]
fn notify_answered_481_drops_the_subscription_rfc6665_4_2_2() {
    let mut pbx = Pbx::new();
    let mut phone = Phone::new("1000", "pw1000");
    let (_, first) = pbx.subscribe(&mut phone, &[]);
    assert!(pbx.send(&answer(&first, 481)).is_empty());
    assert_eq!(pbx.core.subscriptions(), 0);
    assert!(pbx.update(ACME, "1000", counts(1, 0)).is_empty());
}

/// RFC 6665 §4.2.2 with RFC 3261 §17.1.2.2 Timer F: a NOTIFY never answered ends the
/// subscription.
#[test]
fn notify_timeout_drops_the_subscription_rfc6665_4_2_2() {
    let mut pbx = Pbx::new();
    let mut phone = Phone::new("1000", "pw1000");
    let (_, first) = pbx.subscribe(&mut phone, &["Expires: 600"]);
    let resent = pbx.advance(40);
    assert!(!resent.is_empty(), "the NOTIFY is retransmitted over UDP");
    assert!(resent
        .iter()
        .all(|m| request(m).headers.cseq().unwrap().seq == notify_cseq(&first)));
    assert_eq!(pbx.core.subscriptions(), 0);
    assert!(pbx.update(ACME, "1000", counts(1, 0)).is_empty());
}

/// RFC 6665 §8.2.2: OPTIONS lists the event packages we notify.
#[test]
fn options_lists_allow_events_rfc6665_8_2_2() {
    let mut pbx = Pbx::new();
    let mut phone = Phone::new("1000", "pw1000");
    let options = phone.subscribe(&[]).replace("SUBSCRIBE", "OPTIONS");
    let r = response(&only(pbx.send(&options)));
    assert_eq!(r.status, 200);
    assert_eq!(
        r.headers.get(&HeaderName::AllowEvents),
        Some("message-summary")
    );
    assert!(r
        .headers
        .get_all(&HeaderName::Allow)
        .any(|a| a == "SUBSCRIBE"));
}
