//! Sans-IO tests of music on hold through hold re-INVITEs (RFC 3264 §8.4): when the tenant
//! has music on hold, a holder's `a=inactive` reaches the held phone as `a=sendonly`
//! (vpbx sends, the held phone receives and plays: RFC 6337 §5.3), the holder still gets
//! the `inactive` answer its offer requires (RFC 3264 §6.1), and the relay plays the music
//! to the held side until the resume; without music on hold the hold is forwarded as is.

use super::tests::{
    answer, cseq, offer, tenant, Callee, Leg, Op, Out, Pbx, Phone, ACME, ACME_DOMAIN, BETA,
    BETA_DOMAIN, CALLEE, CALLER,
};
use crate::active::Limits;
use crate::media::app::AppConfig;
use crate::media::{Playback, Side};
use std::net::SocketAddr;
use vpbx_codec::Codec;
use vpbx_sip_msg::{Message, Method, Response};

/// A shard over acme (1000, 1001), with music on hold `music` when `moh`, and beta.
fn pbx(moh: bool) -> Pbx {
    let free = Limits::default();
    let mut acme = tenant(ACME, ACME_DOMAIN, &[("1000", free), ("1001", free)]);
    acme.moh = moh.then(|| "music".parse().expect("valid prompt name"));
    let beta = tenant(BETA, BETA_DOMAIN, &[("1000", free)]);
    Pbx::with_tenants(vec![acme, beta], None, 3)
}

/// An SDP body receiving PCMA and telephone-event at `host:port` with `direction` on the
/// audio stream, session version `version`.
fn body(host: SocketAddr, port: u16, direction: &str, version: u32) -> String {
    let ip = host.ip();
    format!(
        "v=0\r\no=phone 1 {version} IN IP4 {ip}\r\ns=-\r\nc=IN IP4 {ip}\r\nt=0 0\r\n\
         m=audio {port} RTP/AVP 8 101\r\na=rtpmap:8 PCMA/8000\r\n\
         a=rtpmap:101 telephone-event/8000\r\na={direction}\r\n"
    )
}

fn text(message: Message) -> String {
    String::from_utf8(message.body().to_vec()).expect("UTF-8 body")
}

/// The direction attributes of an SDP body, in order.
fn directions(sdp: &str) -> Vec<&str> {
    sdp.lines()
        .filter_map(|l| l.strip_prefix("a="))
        .filter(|a| ["sendrecv", "sendonly", "recvonly", "inactive"].contains(a))
        .collect()
}

/// An answered call from acme's 1000 to 1001, ACKed: the caller's dialog and the callee.
fn up(pbx: &mut Pbx) -> (Leg, Callee) {
    pbx.bind(ACME, "1001", CALLEE);
    let mut caller = Phone::new("1000", ACME_DOMAIN, CALLER);
    let (_, out) = pbx.call(&mut caller, "1001", &[], Some(&offer()));
    let invite = out.request(CALLEE, Method::Invite);
    let callee = Callee::new(CALLEE);
    let out = pbx.answer(CALLEE, callee.reply(&invite, 200, Some(&answer(CALLEE))));
    let mut a = caller.dialog(&out.response(CALLER, 200));
    assert!(pbx.send(CALLER, &a.ack(caller.cseq, None)).0.is_empty());
    (a, callee)
}

/// The caller re-INVITEs with `offered`; the callee answers `answered`. Returns the offer
/// the callee got and the caller's 200 (ACKed).
fn reinvite(
    pbx: &mut Pbx,
    a: &mut Leg,
    callee: &Callee,
    offered: &str,
    answered: &str,
) -> (String, Response) {
    let out = pbx.send(CALLER, &a.request("INVITE", Some(offered)));
    let reinvite = out.request(CALLEE, Method::Invite);
    let to_callee = text(Message::Request(reinvite.clone()));
    let out: Out = pbx.answer(CALLEE, callee.reply(&reinvite, 200, Some(answered)));
    assert_eq!(out.summary(), ["callee <- ACK", "caller <- 200 INVITE"]);
    let ok = out.response(CALLER, 200);
    let (seq, _) = cseq(&ok.headers);
    assert!(pbx.send(CALLER, &a.ack(seq, None)).0.is_empty());
    (to_callee, ok)
}

/// The music-on-hold operations the core asked of the media plane, in order.
fn music_ops(pbx: &Pbx) -> Vec<Op> {
    pbx.media
        .ops()
        .into_iter()
        .filter(|op| matches!(op, Op::App(..) | Op::Play(..) | Op::Bridge(_)))
        .collect()
}

fn music_started(pbx: &Pbx) -> Vec<Op> {
    let file = pbx.shared.data_dir.join("tenants/1/prompts/music.wav");
    vec![
        Op::App(
            Side::B,
            AppConfig {
                codec: Codec::Pcma,
                event_pt: None,
            },
        ),
        Op::Play(Side::B, Playback::Loop(vec![file])),
    ]
}

/// RFC 3264 §8.4 with RFC 6337 §5.3: the holder's `inactive` goes to the held phone as
/// `sendonly` because vpbx plays it music; the held phone's `recvonly` answer reaches the
/// holder as `inactive` (RFC 3264 §6.1); the music plays to the held side (B) from the
/// relay until the resume bridges the sides again.
#[test]
fn inactive_hold_with_music_reaches_the_held_phone_as_sendonly_rfc6337_5_3() {
    let mut pbx = pbx(true);
    let (mut a, callee) = up(&mut pbx);
    let (to_callee, ok) = reinvite(
        &mut pbx,
        &mut a,
        &callee,
        &body(CALLER, 4000, "inactive", 2),
        &body(CALLEE, 5000, "recvonly", 2),
    );
    assert_eq!(directions(&to_callee), ["sendonly"], "{to_callee}");
    assert!(to_callee.contains("m=audio 20002 "), "{to_callee}");
    let to_caller = text(Message::Response(ok));
    assert_eq!(directions(&to_caller), ["inactive"], "{to_caller}");
    assert!(to_caller.contains("m=audio 20000 "), "{to_caller}");
    assert_eq!(music_ops(&pbx), music_started(&pbx));
    assert!(pbx.media.ops().contains(&Op::Armed(false)));

    let (to_callee, ok) = reinvite(
        &mut pbx,
        &mut a,
        &callee,
        &body(CALLER, 4000, "sendrecv", 3),
        &body(CALLEE, 5000, "sendrecv", 3),
    );
    assert_eq!(directions(&to_callee), ["sendrecv"], "{to_callee}");
    assert_eq!(
        directions(&text(Message::Response(ok))),
        ["sendrecv"],
        "resumed"
    );
    let mut expected = music_started(&pbx);
    expected.push(Op::Bridge(Side::B));
    assert_eq!(music_ops(&pbx), expected, "the resume stops the music");
    assert_eq!(pbx.media.ops().last(), Some(&Op::Armed(true)));
}

/// A `sendonly` hold is already what the held phone needs for the music: it goes on as
/// `sendonly` and the held phone's `recvonly` answer goes back unchanged.
#[test]
fn sendonly_hold_with_music_is_forwarded_as_is_rfc3264_8_4() {
    let mut pbx = pbx(true);
    let (mut a, callee) = up(&mut pbx);
    let (to_callee, ok) = reinvite(
        &mut pbx,
        &mut a,
        &callee,
        &body(CALLER, 4000, "sendonly", 2),
        &body(CALLEE, 5000, "recvonly", 2),
    );
    assert_eq!(directions(&to_callee), ["sendonly"], "{to_callee}");
    assert_eq!(directions(&text(Message::Response(ok))), ["recvonly"]);
    assert_eq!(music_ops(&pbx), music_started(&pbx));
}

/// Without music on hold vpbx sends the held phone nothing, so the holder's `inactive`
/// is forwarded as `inactive` and answered `inactive`, and no application starts.
#[test]
fn inactive_hold_without_music_is_forwarded_as_inactive() {
    let mut pbx = pbx(false);
    let (mut a, callee) = up(&mut pbx);
    let (to_callee, ok) = reinvite(
        &mut pbx,
        &mut a,
        &callee,
        &body(CALLER, 4000, "inactive", 2),
        &body(CALLEE, 5000, "inactive", 2),
    );
    assert_eq!(directions(&to_callee), ["inactive"], "{to_callee}");
    assert_eq!(directions(&text(Message::Response(ok))), ["inactive"]);
    assert!(music_ops(&pbx).is_empty(), "{:?}", pbx.media.ops());
    assert!(pbx.media.ops().contains(&Op::Armed(false)));
}
