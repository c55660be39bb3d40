//! Sans-IO scenario tests of calls over SIP trunks on a simulated clock: the INVITE to the
//! carrier with the number as the direction sent it, the carrier's digest challenge answered
//! once (RFC 3261 §22.2), failover to the next trunk on 5xx, a refused challenge or 5 s of
//! silence (a late provisional is then cancelled, §9.1), trunks marked down skipped, the
//! toll-fraud policy, calls from IP-authenticated carriers to the tenant's numbers, and the
//! OPTIONS agent marking a dead carrier down so calls skip it. Carriers answer with
//! responses built from what vpbx sent them.

use super::tests::{
    answer, branch, cseq, offer, tenant, Callee, Out, Pbx, Phone, ACME, ACME_DOMAIN, BETA,
    BETA_1001, BETA_DOMAIN, CALLEE, CALLER,
};
use crate::active::Limits;
use crate::registry::{TenantView, TrunkView};
use crate::trunk_state::{Health, TrunkState};
use md5::{Digest, Md5};
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::time::Duration;
use vpbx_routing::{Direction, DirectionKind, InboundNumber, TenantRouting};
use vpbx_sip_msg::{HeaderName, Method, Request, Response, Transport};
use vpbx_store::Disposition;

/// The carrier of trunk `main` (digest account acct/pw).
const MAIN: SocketAddr = carrier(10);
/// The carrier of trunk `backup` (no authentication).
const BACKUP: SocketAddr = carrier(11);
/// The IP-authenticated carrier delivering acme's number.
const CARRIER: SocketAddr = carrier(12);
/// The IP-authenticated carrier delivering beta's number.
const BETA_CARRIER: SocketAddr = carrier(13);
/// acme's number, ringing 1001.
const NUMBER: &str = "74952216005";
/// beta's number, ringing beta's 1001.
const BETA_NUMBER: &str = "74957770000";
/// A regional number 1000 dials.
const DIALED: &str = "89001758964";
/// How long a carrier may stay silent before the next trunk is tried.
const SILENCE: Duration = Duration::from_secs(5);

const fn carrier(last: u8) -> SocketAddr {
    SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::new(127, 0, 0, last), 5060))
}

/// A trunk to `addr` taking G.711; `account` is its digest user and secret.
fn trunk(name: &str, addr: SocketAddr, account: Option<(&str, &str)>) -> TrunkView {
    TrunkView {
        name: name.to_owned(),
        host: addr.ip().to_string(),
        port: addr.port(),
        transport: Transport::Udp,
        addr: Some(addr),
        username: account.map(|(u, _)| u.to_owned()),
        secret: account.map(|(_, s)| s.to_owned()),
        from_user: None,
        from_domain: None,
        register: false,
        call_limit: None,
        codecs: vec!["PCMA".into(), "PCMU".into()],
        insecure: false,
        qualify: false,
        enabled: true,
    }
}

/// An IP-authenticated trunk (Asterisk `insecure=invite,port`).
fn insecure(name: &str, addr: SocketAddr) -> TrunkView {
    TrunkView {
        insecure: true,
        ..trunk(name, addr, None)
    }
}

fn direction(id: i64, kind: DirectionKind, trunks: &[&str]) -> Direction {
    Direction {
        id,
        kind,
        pattern: None,
        strip: 0,
        prefix: Default::default(),
        trunks: trunks
            .iter()
            .map(|t| t.parse().expect("trunk name"))
            .collect(),
        priority: 1,
        enabled: true,
    }
}

/// `number` of a tenant, arriving on `trunk` and ringing `ext`.
fn number(number: &str, trunk: &str, ext: &str) -> InboundNumber {
    InboundNumber {
        number: number.parse().expect("number"),
        trunk: trunk.parse().expect("trunk name"),
        target: format!("ext:{ext}").parse().expect("target"),
    }
}

/// acme: 1000 and 1001; trunks `main` (whose carrier is probed with OPTIONS when
/// `qualify_main`), `backup` and the insecure `carrier`; regional calls go to main then
/// backup, international (refused by the default policy) and emergency to main; its
/// number rings 1001.
fn acme(qualify_main: bool) -> TenantView {
    let free = Limits::default();
    let main = TrunkView {
        qualify: qualify_main,
        ..trunk("main", MAIN, Some(("acct", "pw")))
    };
    let routing = TenantRouting {
        extensions: ["1000", "1001"]
            .iter()
            .map(|e| e.parse().expect("extension"))
            .collect(),
        numbers: vec![number(NUMBER, "carrier", "1001")],
        directions: vec![
            direction(1, DirectionKind::Regional, &["main", "backup"]),
            direction(2, DirectionKind::International, &["main"]),
            direction(3, DirectionKind::Emergency, &["main"]),
        ],
        policy: Default::default(),
    };
    tenant(ACME, ACME_DOMAIN, &[("1000", free), ("1001", free)]).with_routing(
        vec![
            main,
            trunk("backup", BACKUP, None),
            insecure("carrier", CARRIER),
        ],
        routing,
    )
}

/// beta: 1000 and 1001, its own insecure carrier and number.
fn beta() -> TenantView {
    let free = Limits::default();
    let routing = TenantRouting {
        numbers: vec![number(BETA_NUMBER, "carrier", "1001")],
        ..Default::default()
    };
    tenant(BETA, BETA_DOMAIN, &[("1000", free), ("1001", free)])
        .with_routing(vec![insecure("carrier", BETA_CARRIER)], routing)
}

/// A shard (not 0: no trunk agents) over acme and beta.
fn pbx() -> Pbx {
    Pbx::with_tenants(vec![acme(false), beta()], None, 3)
}

/// 1000 dials `dialed` (authenticating to vpbx); what vpbx sent for the call.
fn dial(pbx: &mut Pbx, dialed: &str) -> (Phone, Out) {
    let mut caller = Phone::new("1000", ACME_DOMAIN, CALLER);
    let (_, out) = pbx.call(&mut caller, dialed, &[], Some(&offer()));
    (caller, out)
}

/// One line of a summary: `127.0.0.10:5060 <- INVITE`.
fn to(addr: SocketAddr, what: &str) -> String {
    format!("{addr} <- {what}")
}

/// The carrier's 407 to `request` (RFC 3261 §22.3) with digest nonce `nonce`.
fn challenge(carrier: &Callee, request: &Request, nonce: &str) -> Response {
    let mut r = carrier.reply(request, 407, None);
    r.headers.push(
        HeaderName::ProxyAuthenticate,
        format!("Digest realm=\"carrier\", nonce=\"{nonce}\", algorithm=MD5, qop=\"auth\""),
    );
    r
}

/// Checks `invite`'s Proxy-Authorization: user acct, the challenge's realm and `nonce`,
/// and a response computed with the secret pw (RFC 2617 §3.2.2, qop=auth).
fn assert_credentials(invite: &Request, nonce: &str) {
    let all = invite
        .headers
        .auth(&HeaderName::ProxyAuthorization)
        .expect("Proxy-Authorization parses");
    assert_eq!(all.len(), 1);
    let p = &all[0];
    assert_eq!(p.get("username"), Some("acct"));
    assert_eq!(p.get("realm"), Some("carrier"));
    assert_eq!(p.get("nonce"), Some(nonce));
    let uri = p.get("uri").expect("uri");
    assert_eq!(uri, invite.uri.to_string());
    let (nc, cnonce) = (p.get("nc").expect("nc"), p.get("cnonce").expect("cnonce"));
    let md5 = |s: String| format!("{:x}", Md5::digest(s));
    let ha1 = md5("acct:carrier:pw".to_owned());
    let ha2 = md5(format!("INVITE:{uri}"));
    let expected = md5(format!("{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}"));
    assert_eq!(p.get("response"), Some(expected.as_str()));
}

/// RFC 3261 §8.1.1, §22.2, §17.1.1.3, §13.2.2.4, §15: the INVITE goes to the first trunk
/// of the direction with the number as dialed and the caller as From user; the carrier's
/// 407 is ACKed by the transaction and the INVITE sent again with the trunk's credentials
/// (same Call-ID and From tag, CSeq 2, new branch); its 200 answers the caller; the CDR
/// names the number.
#[test]
fn outbound_call_answers_the_carriers_challenge_once_rfc3261_22_2() {
    let mut pbx = pbx();
    let (caller, out) = dial(&mut pbx, DIALED);
    assert_eq!(out.summary(), [to(MAIN, "INVITE")]);
    let invite = out.request(MAIN, Method::Invite);
    assert_eq!(invite.uri.to_string(), format!("sip:{DIALED}@{MAIN}"));
    let from = invite.headers.from().expect("From");
    assert_eq!(from.uri.user.as_deref(), Some("1000"));
    assert_eq!(
        invite.headers.to().expect("To").uri.to_string(),
        format!("sip:{DIALED}@{}", MAIN.ip())
    );
    assert_eq!(cseq(&invite.headers), (1, Method::Invite));
    assert_eq!(invite.headers.get(&HeaderName::ProxyAuthorization), None);

    let main = Callee::new(MAIN);
    let out = pbx.answer(MAIN, challenge(&main, &invite, "n1"));
    assert_eq!(out.summary(), [to(MAIN, "ACK"), to(MAIN, "INVITE")]);
    let ack = out.request(MAIN, Method::Ack);
    assert_eq!(branch(&ack), branch(&invite), "RFC 3261 §17.1.1.3");
    assert_eq!(cseq(&ack.headers), (1, Method::Ack));
    let retry = out.request(MAIN, Method::Invite);
    assert_eq!(cseq(&retry.headers), (2, Method::Invite));
    assert_ne!(branch(&retry), branch(&invite));
    assert_eq!(retry.headers.call_id().ok(), invite.headers.call_id().ok());
    assert_eq!(
        retry.headers.from().expect("From").tag(),
        from.tag(),
        "same From tag"
    );
    assert_eq!(retry.uri, invite.uri);
    assert_credentials(&retry, "n1");

    let out = pbx.answer(MAIN, main.reply(&retry, 200, Some(&answer(MAIN))));
    assert_eq!(
        out.summary(),
        [to(MAIN, "ACK"), "caller <- 200 INVITE".into()]
    );
    assert_eq!(
        cseq(&out.request(MAIN, Method::Ack).headers),
        (2, Method::Ack)
    );
    let mut a = caller.dialog(&out.response(CALLER, 200));
    assert!(pbx.send(CALLER, &a.ack(caller.cseq, None)).0.is_empty());
    assert_eq!(pbx.shared.active.count(ACME, "trunk:main"), 1);
    let live = pbx.shared.active.live().of_tenant(ACME);
    assert_eq!(
        live.iter().map(|c| c.direction).collect::<Vec<_>>(),
        [crate::live::CallDirection::Outbound]
    );

    let out = pbx.send(CALLER, &a.request("BYE", None));
    assert_eq!(out.summary(), [to(MAIN, "BYE"), "caller <- 200 BYE".into()]);
    let bye = out.request(MAIN, Method::Bye);
    pbx.answer(MAIN, main.reply(&bye, 200, None));
    let cdr = pbx.cdr();
    assert_eq!(cdr.caller, "1000");
    assert_eq!(cdr.callee, DIALED);
    assert_eq!(cdr.disposition, Disposition::Answered);
    assert_eq!(pbx.shared.active.count(ACME, "trunk:main"), 0);
    pbx.assert_idle();
}

/// RFC 3261 §22.2, §21.4.8: a second 407 to our credentials ends that trunk's branch
/// (no loop) and the call fails over to the next trunk; with none left the caller gets
/// a 5xx, never the carrier's 407 (whose challenge is the trunk's, not the caller's).
#[test]
fn carrier_refusing_the_credentials_fails_over_and_never_reaches_the_caller() {
    let mut pbx = pbx();
    let (caller, out) = dial(&mut pbx, DIALED);
    let invite = out.request(MAIN, Method::Invite);
    let main = Callee::new(MAIN);
    let out = pbx.answer(MAIN, challenge(&main, &invite, "n1"));
    let retry = out.request(MAIN, Method::Invite);

    let out = pbx.answer(MAIN, challenge(&main, &retry, "n2"));
    assert_eq!(out.summary(), [to(MAIN, "ACK"), to(BACKUP, "INVITE")]);
    assert_eq!(
        cseq(&out.request(MAIN, Method::Ack).headers),
        (2, Method::Ack)
    );
    let second = out.request(BACKUP, Method::Invite);
    assert_eq!(second.uri.to_string(), format!("sip:{DIALED}@{BACKUP}"));
    assert_eq!(second.headers.get(&HeaderName::ProxyAuthorization), None);

    let backup = Callee::new(BACKUP);
    let out = pbx.answer(BACKUP, backup.reply(&second, 500, None));
    assert_eq!(
        out.summary(),
        [to(BACKUP, "ACK"), "caller <- 503 INVITE".into()],
        "failures are ranked over every trunk tried; the first 5xx stays"
    );
    let failure = out.response(CALLER, 503);
    assert!(pbx.send(CALLER, &caller.ack_final(&failure)).0.is_empty());
    let cdr = pbx.cdr();
    assert_eq!(cdr.disposition, Disposition::Failed);
    assert_eq!(
        cdr.hangup_cause,
        "503 Service Unavailable (authentication refused)"
    );
    pbx.assert_idle();
    let later = pbx.run(Duration::from_secs(40), Duration::from_secs(1));
    assert!(later.0.is_empty(), "{:?}", later.summary());

    // Emergency goes to main only: with no trunk left the caller gets 503, not the 407.
    let (caller, out) = dial(&mut pbx, "112");
    let invite = out.request(MAIN, Method::Invite);
    let out = pbx.answer(MAIN, challenge(&main, &invite, "n3"));
    let retry = out.request(MAIN, Method::Invite);
    let out = pbx.answer(MAIN, challenge(&main, &retry, "n4"));
    assert_eq!(
        out.summary(),
        [to(MAIN, "ACK"), "caller <- 503 INVITE".into()]
    );
    let failure = out.response(CALLER, 503);
    assert_eq!(failure.headers.get(&HeaderName::ProxyAuthenticate), None);
    assert!(pbx.send(CALLER, &caller.ack_final(&failure)).0.is_empty());
    assert_eq!(
        pbx.cdr().hangup_cause,
        "503 Service Unavailable (authentication refused)"
    );
    pbx.assert_idle();
}

/// Failover (seed 000 §4.5.3): main's 503 is ACKed and the INVITE goes to backup at once
/// with the same Call-ID and From tag; backup's 200 answers the caller.
#[test]
fn carrier_503_fails_over_to_the_next_trunk() {
    let mut pbx = pbx();
    let (caller, out) = dial(&mut pbx, DIALED);
    let invite = out.request(MAIN, Method::Invite);
    let out = pbx.answer(MAIN, Callee::new(MAIN).reply(&invite, 503, None));
    assert_eq!(out.summary(), [to(MAIN, "ACK"), to(BACKUP, "INVITE")]);
    let second = out.request(BACKUP, Method::Invite);
    assert_eq!(second.uri.to_string(), format!("sip:{DIALED}@{BACKUP}"));
    assert_eq!(second.headers.call_id().ok(), invite.headers.call_id().ok());
    assert_eq!(
        second.headers.from().expect("From").tag(),
        invite.headers.from().expect("From").tag()
    );

    let backup = Callee::new(BACKUP);
    let out = pbx.answer(BACKUP, backup.reply(&second, 180, None));
    assert_eq!(out.summary(), ["caller <- 180 INVITE"]);
    let out = pbx.answer(BACKUP, backup.reply(&second, 200, Some(&answer(BACKUP))));
    assert_eq!(
        out.summary(),
        [to(BACKUP, "ACK"), "caller <- 200 INVITE".into()]
    );
    let mut a = caller.dialog(&out.response(CALLER, 200));
    assert!(pbx.send(CALLER, &a.ack(caller.cseq, None)).0.is_empty());
    let out = pbx.send(CALLER, &a.request("BYE", None));
    let bye = out.request(BACKUP, Method::Bye);
    pbx.answer(BACKUP, backup.reply(&bye, 200, None));
    assert_eq!(pbx.cdr().disposition, Disposition::Answered);
    pbx.assert_idle();
}

/// RFC 3261 §16.7 step 6: when every trunk failed the caller gets the best failure (a
/// 5xx here) at once, not after a timer.
#[test]
fn all_trunks_failing_gives_the_caller_a_5xx_at_once() {
    let mut pbx = pbx();
    let (_, out) = dial(&mut pbx, DIALED);
    let invite = out.request(MAIN, Method::Invite);
    let out = pbx.answer(MAIN, Callee::new(MAIN).reply(&invite, 503, None));
    let second = out.request(BACKUP, Method::Invite);
    let before = pbx.elapsed();
    let out = pbx.answer(BACKUP, Callee::new(BACKUP).reply(&second, 502, None));
    assert_eq!(
        out.summary(),
        [to(BACKUP, "ACK"), "caller <- 503 INVITE".into()],
        "failures are ranked over every trunk tried (RFC 3261 §16.7 step 6)"
    );
    assert_eq!(out.times_of(CALLER, 503), [before]);
    let cdr = pbx.cdr();
    assert_eq!(cdr.disposition, Disposition::Failed);
    assert_eq!(cdr.callee, DIALED);
    pbx.assert_idle();
}

/// A carrier that sends nothing (not even 100 Trying) for 5 s is given up: the INVITE goes
/// to backup then; main's late 180 gets a CANCEL (RFC 3261 §9.1: only after a provisional)
/// and reaches no one; backup's 200 answers the caller.
#[test]
fn silent_carrier_fails_over_after_5s_and_a_late_180_is_cancelled_rfc3261_9_1() {
    let mut pbx = pbx();
    let (_, out) = dial(&mut pbx, DIALED);
    let invite = out.request(MAIN, Method::Invite);
    let sent = pbx.elapsed();

    let out = pbx.run(SILENCE, Duration::from_millis(100));
    assert_eq!(out.first_request_at(BACKUP, Method::Invite), sent + SILENCE);
    assert_eq!(out.requests(BACKUP, Method::Invite).len(), 1);
    let retransmitted = out.requests(MAIN, Method::Invite);
    assert!(!retransmitted.is_empty(), "Timer A");
    assert!(retransmitted.iter().all(|r| branch(r) == branch(&invite)));
    let to_caller: Vec<String> = out
        .summary()
        .into_iter()
        .filter(|l| l.starts_with("caller"))
        .collect();
    assert_eq!(to_caller, ["caller <- 100 INVITE"], "RFC 3261 §17.2.1 only");
    assert!(
        out.requests(MAIN, Method::Cancel).is_empty(),
        "no CANCEL before a 1xx"
    );
    let second = out.request(BACKUP, Method::Invite);

    let main = Callee::new(MAIN);
    let out = pbx.answer(MAIN, main.reply(&invite, 180, None));
    assert_eq!(
        out.summary(),
        [to(MAIN, "CANCEL")],
        "the 180 is not relayed"
    );
    let cancel = out.request(MAIN, Method::Cancel);
    assert_eq!(branch(&cancel), branch(&invite));
    assert_eq!(cseq(&cancel.headers), (1, Method::Cancel));
    pbx.answer(MAIN, main.reply(&cancel, 200, None));
    let out = pbx.answer(MAIN, main.reply(&invite, 487, None));
    assert_eq!(out.summary(), [to(MAIN, "ACK")]);

    let backup = Callee::new(BACKUP);
    let out = pbx.answer(BACKUP, backup.reply(&second, 200, Some(&answer(BACKUP))));
    assert_eq!(
        out.summary(),
        [to(BACKUP, "ACK"), "caller <- 200 INVITE".into()]
    );
    assert_eq!(pbx.core.calls(), 1);
}

/// A 100 Trying within the 5 s shows the carrier is alive: no failover (and no more
/// INVITE retransmissions, RFC 3261 §17.1.1.2).
#[test]
fn trying_from_the_carrier_within_5s_prevents_the_failover() {
    let mut pbx = pbx();
    let (_, out) = dial(&mut pbx, DIALED);
    let invite = out.request(MAIN, Method::Invite);
    pbx.run(Duration::from_secs(1), Duration::from_millis(100));
    let trying = Callee::new(MAIN).reply(&invite, 100, None);
    assert!(pbx.answer(MAIN, trying).0.is_empty(), "100 is not relayed");
    let out = pbx.run(Duration::from_secs(20), Duration::from_millis(100));
    assert!(out.0.is_empty(), "{:?}", out.summary());
    assert_eq!(pbx.core.calls(), 1);
}

/// A trunk marked down by its probe is skipped: the call goes straight to backup.
#[test]
fn trunk_marked_down_is_skipped() {
    let mut pbx = pbx();
    mark_down(&pbx, "main");
    let (_, out) = dial(&mut pbx, DIALED);
    assert_eq!(out.summary(), [to(BACKUP, "INVITE")]);
}

/// Every trunk of the direction down: 503 at once, nothing sent to any carrier, nothing
/// reserved, a FAILED CDR.
#[test]
fn all_trunks_down_gives_503_at_once_and_sends_nothing() {
    let mut pbx = pbx();
    mark_down(&pbx, "main");
    mark_down(&pbx, "backup");
    let mut caller = Phone::new("1000", ACME_DOMAIN, CALLER);
    pbx.refused(&mut caller, DIALED, &[], Some(&offer()), 503);
    let cdr = pbx.cdr();
    assert_eq!(cdr.disposition, Disposition::Failed);
    assert!(cdr.hangup_cause.starts_with("503 "), "{}", cdr.hangup_cause);
    pbx.assert_idle();
}

fn mark_down(pbx: &Pbx, trunk: &str) {
    let state = TrunkState {
        health: Health::Down,
        registration: "off".into(),
    };
    pbx.shared.trunk_states.set(ACME, trunk, state);
}

/// Toll-fraud policy (issue 4): international calls are refused by default with 403 and
/// nothing reaches a carrier; the emergency number 112 is always allowed.
#[test]
fn international_is_refused_by_default_and_emergency_is_allowed() {
    let mut pbx = pbx();
    let mut caller = Phone::new("1000", ACME_DOMAIN, CALLER);
    let refusal = pbx.refused(&mut caller, "0049301234567", &[], Some(&offer()), 403);
    assert!(
        refusal.reason.starts_with("Forbidden (international"),
        "{}",
        refusal.reason
    );
    assert_eq!(pbx.cdr().disposition, Disposition::Failed);
    pbx.assert_idle();

    let (_, out) = dial(&mut pbx, "112");
    assert_eq!(out.summary(), [to(MAIN, "INVITE")]);
    let invite = out.request(MAIN, Method::Invite);
    assert_eq!(invite.uri.to_string(), format!("sip:112@{MAIN}"));
}

/// seed 000 §4.5.1: the insecure carrier's INVITE to the tenant's number rings the number's
/// extension without a digest; the same INVITE from any other address is an ordinary
/// phone request (407), as is one from the carrier to a number that is not the tenant's.
#[test]
fn carrier_call_to_a_number_rings_its_extension_without_digest() {
    let mut pbx = pbx();
    pbx.bind(ACME, "1001", CALLEE);
    let mut carrier = Phone::new("79161234567", ACME_DOMAIN, CARRIER);
    let out = pbx.send(CARRIER, &carrier.invite(NUMBER, &[], Some(&offer())));
    assert_eq!(out.summary(), ["callee <- INVITE"]);
    let invite = out.request(CALLEE, Method::Invite);
    assert_eq!(invite.uri.to_string(), format!("sip:1001@{CALLEE}"));
    let from = invite.headers.from().expect("From");
    assert_eq!(from.uri.user.as_deref(), Some("79161234567"));
    assert_eq!(pbx.shared.active.count(ACME, "trunk:carrier"), 1);
    let live = pbx.shared.active.live().of_tenant(ACME);
    assert_eq!(
        live.iter()
            .map(|c| (c.direction, c.caller.as_str()))
            .collect::<Vec<_>>(),
        [(crate::live::CallDirection::Inbound, "79161234567")]
    );
    let callee = Callee::new(CALLEE);
    let out = pbx.answer(CALLEE, callee.reply(&invite, 180, None));
    assert_eq!(out.summary(), [to(CARRIER, "180 INVITE")]);
    let out = pbx.answer(CALLEE, callee.reply(&invite, 200, Some(&answer(CALLEE))));
    assert_eq!(
        out.summary(),
        [to(CARRIER, "200 INVITE"), "callee <- ACK".into()]
    );
    let mut a = carrier.dialog(&out.response(CARRIER, 200));
    assert!(pbx.send(CARRIER, &a.ack(carrier.cseq, None)).0.is_empty());
    let out = pbx.send(CARRIER, &a.request("BYE", None));
    let bye = out.request(CALLEE, Method::Bye);
    pbx.answer(CALLEE, callee.reply(&bye, 200, None));
    let cdr = pbx.cdr();
    assert_eq!(cdr.caller, "79161234567");
    assert_eq!(cdr.callee, "1001");
    assert_eq!(cdr.disposition, Disposition::Answered);
    pbx.assert_idle();

    let mut phone = Phone::new("79161234567", ACME_DOMAIN, CALLER);
    let out = pbx.send(CALLER, &phone.invite(NUMBER, &[], Some(&offer())));
    assert_eq!(
        out.summary(),
        ["caller <- 407 INVITE"],
        "not the carrier's address"
    );

    let mut carrier = Phone::new("79161234567", ACME_DOMAIN, CARRIER);
    let out = pbx.send(CARRIER, &carrier.invite("74950000000", &[], Some(&offer())));
    assert_eq!(
        out.summary(),
        [to(CARRIER, "407 INVITE")],
        "not a number of acme"
    );
    assert_eq!(pbx.core.calls(), 0);
}

/// Tenant isolation: beta's number sent by acme's carrier reaches neither tenant (the
/// ordinary 407 path, nothing to beta's phone); sent by beta's own carrier it rings beta.
#[test]
fn number_of_another_tenant_is_never_routed_through_this_carrier() {
    let mut pbx = pbx();
    pbx.bind(ACME, "1001", CALLEE);
    pbx.bind(BETA, "1001", BETA_1001);
    let mut carrier = Phone::new("79161234567", ACME_DOMAIN, CARRIER);
    let out = pbx.send(CARRIER, &carrier.invite(BETA_NUMBER, &[], Some(&offer())));
    assert_eq!(out.summary(), [to(CARRIER, "407 INVITE")]);
    assert_eq!(pbx.core.calls(), 0);

    let mut theirs = Phone::new("79161234567", BETA_DOMAIN, BETA_CARRIER);
    let out = pbx.send(
        BETA_CARRIER,
        &theirs.invite(BETA_NUMBER, &[], Some(&offer())),
    );
    assert_eq!(out.summary(), ["beta <- INVITE"]);
}

/// The OPTIONS agent (shard 0) marks main down after two probes unanswered for 5 s each;
/// calls then go straight to backup.
#[test]
fn carrier_marked_down_by_unanswered_options_is_skipped_by_calls() {
    let mut pbx = Pbx::with_tenants(vec![acme(true), beta()], None, 0);
    let out = pbx.run(Duration::from_secs(1), Duration::from_millis(500));
    assert!(!out.requests(MAIN, Method::Options).is_empty());
    assert!(!pbx.shared.trunk_states.is_down(ACME, "main"));
    pbx.run(Duration::from_secs(16), Duration::from_millis(500));
    assert!(pbx.shared.trunk_states.is_down(ACME, "main"));
    let (_, out) = dial(&mut pbx, DIALED);
    assert_eq!(out.summary(), [to(BACKUP, "INVITE")]);
}
