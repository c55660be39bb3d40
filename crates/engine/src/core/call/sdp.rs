//! SDP through the B2BUA (RFC 3264 offer/answer, RFC 8866): each party is shown the relay's
//! address instead of the other party's, the offer is cut down to the codecs vpbx relays
//! (G.711 A-law and µ-law, RFC 3551; RFC 4733 telephone-event passed through), and the
//! party's own receive address is read out for the relay.
//!
//! Invariants: the first active audio stream is the one relayed; every other stream is
//! kept but rejected (port 0), so offer and answer keep the same number of m-lines
//! (RFC 3264 §6); nothing here panics on any SDP.

use crate::media::app::AppConfig;
use std::net::{IpAddr, SocketAddr};
use vpbx_codec::Codec;
use vpbx_sdp::relay::{rewrite_transport, RelayEndpoint};
use vpbx_sdp::{
    AddrType, Address, Attribute, Direction, LocalCodec, MediaCapabilities, MediaCapability,
    MediaType, Origin, PayloadType, SessionDescription,
};

/// Why a body cannot be relayed; the text goes into a 488 Warning (RFC 3261 §20.43).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SdpRefusal {
    /// Not parseable SDP.
    #[error("malformed SDP: {0}")]
    Malformed(String),
    /// No audio stream with PCMA or PCMU.
    #[error("no common codec: vpbx relays PCMA and PCMU audio")]
    NoCodec,
}

/// Codecs relayed without transcoding, by encoding name (RFC 3551 §4.5.14).
const RELAYED: &[&str] = &["PCMA", "PCMU"];

/// vpbx's own answer to `offer` when it answers the call itself (an IVR): one G.711 codec
/// (PCMA preferred, else PCMU) and telephone-event if offered, on `ip:port` (RFC 3264 §6),
/// and how the application is to speak. One codec only, so the caller cannot switch to
/// another when it is later bridged to a callee that agreed to this one.
pub fn local_answer(
    offer: &SessionDescription,
    ip: IpAddr,
    port: u16,
) -> Result<(SessionDescription, AppConfig), SdpRefusal> {
    let audio = MediaCapability::audio(
        port,
        vec![
            LocalCodec::pcma(),
            LocalCodec::pcmu(),
            LocalCodec::telephone_event(),
        ],
    );
    let session_id = u64::from(rand::random::<u32>());
    let local = MediaCapabilities::new(Origin::new("vpbx", session_id, 1, ip), ip, vec![audio]);
    let answer = vpbx_sdp::answer(offer, &local).map_err(|_| SdpRefusal::NoCodec)?;
    let codec = codec_of(&answer)
        .as_deref()
        .and_then(Codec::from_name)
        .ok_or(SdpRefusal::NoCodec)?;
    let answer = only_codecs(&answer, &[codec.name()])?;
    let event_pt = answer
        .media
        .iter()
        .find(|m| !m.is_rejected() && m.media == MediaType::Audio)
        .and_then(|m| {
            m.payload_types()
                .into_iter()
                .find(|pt| m.codec(*pt).is_some_and(|c| c.is_telephone_event()))
        })
        .map(PayloadType::get);
    Ok((answer, AppConfig { codec, event_pt }))
}

/// Parses a body as SDP (RFC 8866 §5).
pub fn parse(body: &[u8]) -> Result<SessionDescription, SdpRefusal> {
    SessionDescription::from_bytes(body).map_err(|e| SdpRefusal::Malformed(e.to_string()))
}

/// The description to show the other party: only relayed codecs on the first active audio
/// stream, every other stream rejected, addresses pointing at the relay `ip:port`
/// (RFC 3264 §5, §6; RFC 8866 §5.2 origin address replaced too so no party learns the
/// other's address).
pub fn for_relay(
    sdp: &SessionDescription,
    ip: IpAddr,
    port: u16,
) -> Result<SessionDescription, SdpRefusal> {
    let mut out = only_codecs(sdp, RELAYED)?;
    out.origin.addr_type = AddrType::of(ip);
    out.origin.address = Address::Ip(ip);
    let endpoints = vec![RelayEndpoint::new(ip, port); out.media.len()];
    rewrite_transport(&out, &endpoints).map_err(|e| SdpRefusal::Malformed(e.to_string()))
}

/// `sdp` with only the codecs named in `allowed` (and telephone-event, RFC 4733) on its
/// first active audio stream, their `rtpmap`/`fmtp` lines only, and every other stream
/// rejected (RFC 3264 §6: port 0, m-line kept); `NoCodec` when no audio codec is left.
/// Used for the relay's own limits and a trunk's allowed codecs (seed `allow=`).
pub fn only_codecs<S: AsRef<str>>(
    sdp: &SessionDescription,
    allowed: &[S],
) -> Result<SessionDescription, SdpRefusal> {
    let mut out = sdp.clone();
    let mut relayed = None;
    for (i, m) in out.media.iter_mut().enumerate() {
        if relayed.is_some() || m.is_rejected() || m.media != MediaType::Audio || !m.proto.is_rtp()
        {
            m.port = 0;
            continue;
        }
        let keep: Vec<String> = m
            .payload_types()
            .into_iter()
            .filter(|pt| {
                m.codec(*pt).is_some_and(|c| {
                    c.is_telephone_event()
                        || allowed
                            .iter()
                            .any(|name| c.encoding.eq_ignore_ascii_case(name.as_ref()))
                })
            })
            .map(|pt| pt.get().to_string())
            .collect();
        let audio = keep.iter().any(|f| {
            f.parse::<u8>()
                .ok()
                .and_then(vpbx_sdp::PayloadType::new)
                .and_then(|pt| m.codec(pt))
                .is_some_and(|c| !c.is_telephone_event())
        });
        if !audio {
            m.port = 0;
            continue;
        }
        m.attributes.retain(|a| match a {
            Attribute::RtpMap(map) => keep.contains(&map.payload_type.get().to_string()),
            Attribute::Fmtp(fmtp) => keep.contains(&fmtp.payload_type.get().to_string()),
            _ => true,
        });
        m.formats = keep;
        relayed = Some(i);
    }
    if relayed.is_none() && sdp.media.iter().any(|m| !m.is_rejected()) {
        return Err(SdpRefusal::NoCodec);
    }
    Ok(out)
}

/// A hold offer as the held party is to see it while vpbx plays music on hold to it: every
/// active audio stream the holder made `inactive` becomes `sendonly` (RFC 3264 §8.4 — the
/// sender is now vpbx, the held party only receives; RFC 6337 §5.3), so the held phone
/// plays the music instead of muting its speaker. Other directions are left as they are.
pub fn sendonly_for_music(relayed: &mut SessionDescription) {
    let inactive: Vec<usize> = relayed
        .media
        .iter()
        .enumerate()
        .filter(|(_, m)| {
            !m.is_rejected()
                && m.media == MediaType::Audio
                && relayed.direction_of(m) == Direction::Inactive
        })
        .map(|(i, _)| i)
        .collect();
    for i in inactive {
        relayed.media[i].set_direction(Direction::SendOnly);
    }
}

/// Marks `inactive` in `answer` every accepted stream that `offer` made `inactive`
/// (RFC 3264 §6.1: an inactive offer gets an inactive answer; streams pair by position,
/// §6). Needed when the offer went on as `sendonly` ([`sendonly_for_music`]) and the held
/// party answered `recvonly`.
pub fn inactive_where_offered(offer: &SessionDescription, answer: &mut SessionDescription) {
    for (offered, answered) in offer.media.iter().zip(answer.media.iter_mut()) {
        if !offered.is_rejected()
            && !answered.is_rejected()
            && offer.direction_of(offered) == Direction::Inactive
        {
            answered.set_direction(Direction::Inactive);
        }
    }
}

/// Where the party of `sdp` receives RTP and RTCP on its relayed stream.
pub fn remote_of(sdp: &SessionDescription) -> Option<(SocketAddr, SocketAddr)> {
    let m = sdp
        .media
        .iter()
        .find(|m| !m.is_rejected() && m.media == MediaType::Audio)?;
    Some((sdp.rtp_address(m)?, sdp.rtcp_address(m)?))
}

/// Name of the first audio codec of the relayed stream, e.g. `PCMA` (for the CDR).
pub fn codec_of(sdp: &SessionDescription) -> Option<String> {
    let m = sdp
        .media
        .iter()
        .find(|m| !m.is_rejected() && m.media == MediaType::Audio)?;
    m.payload_types()
        .into_iter()
        .filter_map(|pt| m.codec(pt))
        .find(|c| !c.is_telephone_event())
        .map(|c| c.encoding)
}

#[cfg(test)]
mod tests {
    use super::*;

    const OFFER: &str = "v=0\r\no=alice 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\n\
        t=0 0\r\nm=audio 4000 RTP/AVP 9 8 0 101\r\na=rtpmap:101 telephone-event/8000\r\n\
        a=fmtp:101 0-16\r\nm=video 4002 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n";

    fn offer() -> SessionDescription {
        parse(OFFER.as_bytes()).unwrap()
    }

    #[test]
    fn relayed_offer_keeps_g711_and_events_and_points_at_relay() {
        let ip: IpAddr = "198.51.100.1".parse().unwrap();
        let out = for_relay(&offer(), ip, 20000).unwrap();
        let text = out.to_string();
        assert!(text.contains("m=audio 20000 RTP/AVP 8 0 101"), "{text}");
        assert!(text.contains("m=video 0 "), "{text}");
        assert!(text.contains("c=IN IP4 198.51.100.1"), "{text}");
        assert!(!text.contains("192.0.2.10"), "{text}");
        assert_eq!(out.media.len(), 2, "m-line count kept (RFC 3264 §6)");
    }

    #[test]
    fn offer_without_g711_is_refused() {
        let sdp = OFFER.replace("9 8 0 101", "9 101");
        let parsed = parse(sdp.as_bytes()).unwrap();
        assert_eq!(
            for_relay(&parsed, "198.51.100.1".parse().unwrap(), 20000),
            Err(SdpRefusal::NoCodec)
        );
    }

    #[test]
    fn remote_and_codec_come_from_the_audio_stream() {
        let sdp = offer();
        assert_eq!(
            remote_of(&sdp),
            Some((
                "192.0.2.10:4000".parse().unwrap(),
                "192.0.2.10:4001".parse().unwrap()
            ))
        );
        assert_eq!(codec_of(&sdp).as_deref(), Some("G722"));
    }

    #[test]
    fn a_trunk_allowing_only_pcmu_gets_only_pcmu_and_events() {
        let out = only_codecs(&offer(), &["PCMU"]).unwrap();
        let text = out.to_string();
        assert!(text.contains("m=audio 4000 RTP/AVP 0 101"), "{text}");
        assert!(!text.contains("PCMA"), "{text}");
        assert_eq!(
            only_codecs(&offer(), &["GSM"]),
            Err(SdpRefusal::NoCodec),
            "a trunk without any offered codec cannot take the call"
        );
    }

    #[test]
    fn inactive_hold_becomes_sendonly_for_music_and_its_answer_inactive_rfc3264_8_4() {
        let ip: IpAddr = "198.51.100.1".parse().unwrap();
        let hold = parse(
            OFFER
                .replace("t=0 0\r\n", "t=0 0\r\na=inactive\r\n")
                .as_bytes(),
        )
        .unwrap();
        let mut relayed = for_relay(&hold, ip, 20000).unwrap();
        sendonly_for_music(&mut relayed);
        assert_eq!(relayed.direction_of(&relayed.media[0]), Direction::SendOnly);
        assert!(
            relayed.media[1].is_rejected(),
            "the rejected video is left alone"
        );
        let text = relayed.to_string();
        assert!(text.contains("a=sendonly\r\n"), "{text}");

        let mut answer = parse(
            OFFER
                .replace("9 8 0 101", "8 101")
                .replace("m=video 4002", "m=video 0")
                .replace("t=0 0\r\n", "t=0 0\r\na=recvonly\r\n")
                .as_bytes(),
        )
        .unwrap();
        inactive_where_offered(&hold, &mut answer);
        assert_eq!(answer.direction_of(&answer.media[0]), Direction::Inactive);

        let mut sendonly = parse(
            OFFER
                .replace("a=fmtp:101 0-16\r\n", "a=fmtp:101 0-16\r\na=sendonly\r\n")
                .as_bytes(),
        )
        .unwrap();
        sendonly_for_music(&mut sendonly);
        assert_eq!(
            sendonly.direction_of(&sendonly.media[0]),
            Direction::SendOnly
        );
        let mut answer = offer();
        inactive_where_offered(&sendonly, &mut answer);
        assert_eq!(
            answer.direction_of(&answer.media[0]),
            Direction::SendRecv,
            "only inactive offers"
        );
    }

    #[test]
    fn garbage_is_malformed_not_a_panic() {
        assert!(matches!(parse(b"v=0\r\nxx"), Err(SdpRefusal::Malformed(_))));
    }
}
