//! The offer/answer model (RFC 3264 §5, §6, §8) with RFC 4733 telephone-event, and the
//! anchored-relay rewrite; each test names the rule and section it checks.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use vpbx_sdp::{
    answer, check_answer, hold_offer, offer, resume_offer, rewrite_transport, Attribute,
    Connection, Direction, LocalCodec, MediaCapabilities, MediaCapability, MediaType,
    NegotiationError, Origin, PayloadType, Proto, RelayEndpoint, RtpCodec, SessionDescription,
};

const PBX: IpAddr = IpAddr::V4(Ipv4Addr::new(198, 51, 100, 10));

fn parse(text: &str) -> SessionDescription {
    match SessionDescription::parse(text) {
        Ok(sdp) => sdp,
        Err(e) => panic!("test SDP does not parse: {e}"),
    }
}

fn pt(n: u8) -> PayloadType {
    PayloadType::new(n).unwrap_or(PayloadType::PCMU)
}

/// PCMA, PCMU, telephone-event/8000 (0-16) on port 30000.
fn pbx() -> MediaCapabilities {
    MediaCapabilities::new(
        Origin::new("vpbx", 42, 1, PBX),
        PBX,
        vec![MediaCapability::audio(
            30000,
            vec![
                LocalCodec::pcma(),
                LocalCodec::pcmu(),
                LocalCodec::telephone_event(),
            ],
        )],
    )
}

fn answer_ok(offer: &SessionDescription, local: &MediaCapabilities) -> SessionDescription {
    match answer(offer, local) {
        Ok(a) => a,
        Err(e) => panic!("offer refused: {e}"),
    }
}

const BARESIP: &str = include_str!("samples/baresip.sdp");
const POLYCOM: &str = include_str!("samples/polycom.sdp");

#[test]
fn rfc3264_s6_answer_has_one_m_line_per_offered_stream_in_order() {
    let offer = parse(include_str!("samples/rfc8866_example.sdp"));
    let a = answer_ok(&offer, &pbx());
    assert_eq!(a.media.len(), 3);
    let types: Vec<&MediaType> = a.media.iter().map(|m| &m.media).collect();
    assert_eq!(
        types,
        [&MediaType::Audio, &MediaType::Audio, &MediaType::Video]
    );
    assert_eq!(a.media[0].port, 30000);
    assert!(a.media[1].is_rejected(), "only one local audio stream");
    assert!(a.media[2].is_rejected(), "no local video");
    assert_eq!(check_answer(&offer, &a), Ok(()));
}

#[test]
fn rfc3264_s6_rejected_stream_has_port_zero_and_offered_formats() {
    let offer = parse(include_str!("samples/rfc8866_example.sdp"));
    let a = answer_ok(&offer, &pbx());
    let video = &a.media[2];
    assert_eq!(video.port, 0);
    assert_eq!(video.formats, offer.media[2].formats);
    assert_eq!(video.proto, offer.media[2].proto);
    assert!(video.attributes.is_empty());
}

#[test]
fn rfc3264_s6_t_line_equals_offer_and_origin_is_local() {
    let offer = parse(
        &include_str!("samples/rfc8866_example.sdp")
            .replace("t=0 0", "t=2873397496 2873404696\nr=7d 1h 0 25h"),
    );
    let mut local = pbx();
    local.media.push(MediaCapability {
        media: MediaType::Video,
        ..MediaCapability::audio(
            30002,
            vec![LocalCodec::new(RtpCodec::new("h263-1998", 90000, None))],
        )
    });
    let a = answer(&offer, &local);
    assert_eq!(a.as_ref().map(|a| &a.timings), Ok(&offer.timings));
    assert_eq!(a.as_ref().map(|a| &a.origin), Ok(&local.origin));
    assert_eq!(
        a.as_ref().map(|a| a.connection.clone()),
        Ok(Some(Connection::new(PBX)))
    );
}

#[test]
fn rfc3264_s6_1_codecs_intersected_in_local_preference_order() {
    let a = answer_ok(&parse(BARESIP), &pbx());
    let m = &a.media[0];
    assert_eq!(m.formats, vec!["8", "0", "101"]);
    assert_eq!(
        m.codec(PayloadType::PCMA),
        Some(RtpCodec::new("PCMA", 8000, None))
    );
    assert!(m.rtpmap(pt(96)).is_none(), "opus not supported locally");
}

#[test]
fn rfc3264_s6_1_offerer_dynamic_payload_type_numbers_are_kept() {
    let a = answer_ok(&parse(POLYCOM), &pbx());
    let m = &a.media[0];
    assert_eq!(m.formats, vec!["8", "0", "127"]);
    assert!(m.codec(pt(127)).is_some_and(|c| c.is_telephone_event()));
    assert!(
        m.rtpmap(pt(101)).is_none(),
        "local 101 is only used when offering"
    );
}

#[test]
fn rfc3264_s6_1_static_payload_types_resolved_without_rtpmap() {
    let offer = parse("v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\nm=audio 4000 RTP/AVP 18 0 8\n");
    let a = answer_ok(&offer, &pbx());
    assert_eq!(a.media[0].formats, vec!["8", "0"]);
}

#[test]
fn rfc3264_s6_1_dynamic_type_without_rtpmap_is_unknown() {
    let offer = parse("v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\nm=audio 4000 RTP/AVP 96 0\n");
    let a = answer_ok(&offer, &pbx());
    assert_eq!(a.media[0].formats, vec!["0"]);
}

#[test]
fn rfc3264_s6_no_common_codec_refuses_the_offer() {
    let offer = parse("v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\nm=audio 4000 RTP/AVP 18 101\na=rtpmap:101 telephone-event/8000\n");
    assert_eq!(
        answer(&offer, &pbx()),
        Err(NegotiationError::NoAcceptableMedia)
    );
    assert_eq!(
        NegotiationError::NoAcceptableMedia.to_string(),
        "no acceptable media"
    );
}

#[test]
fn rfc3264_s6_unsupported_profile_is_rejected() {
    let offer = parse(include_str!("samples/webrtc.sdp"));
    assert_eq!(
        answer(&offer, &pbx()),
        Err(NegotiationError::NoAcceptableMedia)
    );
    let mut local = pbx();
    local.media[0].protos.push(Proto::UdpTlsRtpSavpf);
    local.media[0].rtcp_mux = true;
    let a = answer_ok(&offer, &local);
    let m = &a.media[0];
    assert_eq!(m.proto, Proto::UdpTlsRtpSavpf);
    assert_eq!(
        m.formats,
        vec!["8", "0", "126"],
        "telephone-event/48000 does not match"
    );
    assert!(
        m.rtcp_mux(),
        "RFC 5761 §5.1.1: mux answered when offered and supported"
    );
    assert_eq!(
        a.direction_of(m),
        Direction::SendRecv,
        "ICE placeholder is not a hold"
    );
}

#[test]
fn rfc3264_s6_non_rtp_stream_is_rejected() {
    let offer = parse(include_str!("samples/t38.sdp"));
    assert_eq!(
        answer(&offer, &pbx()),
        Err(NegotiationError::NoAcceptableMedia)
    );
}

#[test]
fn rfc3264_s6_multicast_stream_is_rejected() {
    let offer = parse("v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nc=IN IP4 233.252.0.1/127\nt=0 0\nm=audio 4000 RTP/AVP 0\n");
    assert_eq!(
        answer(&offer, &pbx()),
        Err(NegotiationError::NoAcceptableMedia)
    );
}

#[test]
fn rfc3264_s6_offer_without_media_gets_answer_without_media() {
    let offer = parse("v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nt=0 0\n");
    assert_eq!(answer(&offer, &pbx()).map(|a| a.media.len()), Ok(0));
}

#[test]
fn rfc4733_s7_1_1_telephone_event_carried_with_fmtp_0_16() {
    let a = answer_ok(&parse(include_str!("samples/asterisk.sdp")), &pbx());
    let m = &a.media[0];
    assert_eq!(m.fmtp(pt(101)).map(|f| f.params.as_str()), Some("0-16"));
}

#[test]
fn rfc4733_s7_1_1_events_are_intersected() {
    let a = answer_ok(&parse(BARESIP), &pbx());
    assert_eq!(
        a.media[0].fmtp(pt(101)).map(|f| f.params.as_str()),
        Some("0-15")
    );
    let a = answer_ok(&parse(POLYCOM), &pbx());
    assert_eq!(
        a.media[0].fmtp(pt(127)).map(|f| f.params.as_str()),
        Some("0-15"),
        "no fmtp in the offer means 0-15"
    );
    let offer = parse("v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\nm=audio 4000 RTP/AVP 0 101\na=rtpmap:101 telephone-event/8000\na=fmtp:101 32-40\n");
    let a = answer_ok(&offer, &pbx());
    assert_eq!(
        a.media[0].formats,
        vec!["0"],
        "no common event: telephone-event dropped"
    );
}

#[test]
fn rfc3264_s6_1_codec_fmtp_echoed_unless_local_sets_one() {
    let mut local = pbx();
    local.media[0]
        .codecs
        .insert(0, LocalCodec::new(RtpCodec::new("G729", 8000, None)));
    let a = answer_ok(&parse(POLYCOM), &local);
    assert_eq!(a.media[0].formats, vec!["18", "8", "0", "127"]);
    assert_eq!(
        a.media[0]
            .fmtp(PayloadType::G729)
            .map(|f| f.params.as_str()),
        Some("annexb=no")
    );
    local.media[0].codecs[0] =
        LocalCodec::new(RtpCodec::new("G729", 8000, None)).with_fmtp("annexb=yes");
    let a = answer_ok(&parse(POLYCOM), &local);
    assert_eq!(
        a.media[0]
            .fmtp(PayloadType::G729)
            .map(|f| f.params.as_str()),
        Some("annexb=yes")
    );
}

#[test]
fn rfc3264_s6_1_ptime_and_maxptime_from_local() {
    let mut local = pbx();
    local.media[0].ptime = Some(20);
    local.media[0].maxptime = Some(60);
    let a = answer_ok(&parse(BARESIP), &local);
    assert_eq!(a.media[0].ptime(), Some(20));
    assert_eq!(a.media[0].maxptime(), Some(60));
}

fn with_direction(text: &str, dir: &str) -> SessionDescription {
    parse(&text.replace("a=sendrecv", dir))
}

#[test]
fn rfc3264_s6_1_sendonly_answered_recvonly() {
    let a = answer_ok(&with_direction(BARESIP, "a=sendonly"), &pbx());
    assert_eq!(a.direction_of(&a.media[0]), Direction::RecvOnly);
}

#[test]
fn rfc3264_s6_1_recvonly_answered_sendonly() {
    let a = answer_ok(&with_direction(BARESIP, "a=recvonly"), &pbx());
    assert_eq!(a.direction_of(&a.media[0]), Direction::SendOnly);
}

#[test]
fn rfc3264_s6_1_inactive_answered_inactive() {
    let a = answer_ok(&with_direction(BARESIP, "a=inactive"), &pbx());
    assert_eq!(a.direction_of(&a.media[0]), Direction::Inactive);
}

#[test]
fn rfc3264_s6_1_sendrecv_answered_with_local_wish() {
    let a = answer_ok(&parse(BARESIP), &pbx());
    assert_eq!(a.media[0].direction_attribute(), Some(Direction::SendRecv));
    let mut local = pbx();
    local.media[0].direction = Direction::SendOnly;
    let a = answer_ok(&parse(BARESIP), &local);
    assert_eq!(a.direction_of(&a.media[0]), Direction::SendOnly);
}

#[test]
fn rfc3264_s6_1_session_level_direction_applies_to_media() {
    let offer = parse(&POLYCOM.replace("a=sendrecv", "a=sendonly"));
    assert!(offer.is_hold());
    let a = answer_ok(&offer, &pbx());
    assert_eq!(a.direction_of(&a.media[0]), Direction::RecvOnly);
}

#[test]
fn rfc3264_s8_4_rfc2543_hold_address_answered_without_sending() {
    let offer = parse(include_str!("samples/hold_rfc2543.sdp"));
    let a = answer_ok(&offer, &pbx());
    assert_eq!(a.direction_of(&a.media[0]), Direction::RecvOnly);
    assert!(
        !a.has_hold_address(&a.media[0]),
        "the answerer never uses 0.0.0.0"
    );
}

#[test]
fn rfc3264_s8_2_stream_disabled_in_offer_stays_disabled() {
    let offer = parse(&format!("{BARESIP}m=video 0 RTP/AVP 96\n"));
    let mut local = pbx();
    local.media.push(MediaCapability {
        media: MediaType::Video,
        ..MediaCapability::audio(
            30002,
            vec![LocalCodec::new(RtpCodec::new("H264", 90000, None))],
        )
    });
    let a = answer_ok(&offer, &local);
    assert!(a.media[1].is_rejected());
    assert_eq!(check_answer(&offer, &a), Ok(()));
    let mut bad = a.clone();
    bad.media[1].port = 5000;
    assert_eq!(
        check_answer(&offer, &bad),
        Err(NegotiationError::Reactivated { index: 1 })
    );
}

#[test]
fn rfc3264_s8_2_removing_all_streams_is_answered() {
    let offer = parse("v=0\no=- 1 2 IN IP4 192.0.2.1\ns=-\nt=0 0\nm=audio 0 RTP/AVP 0\n");
    let a = answer(&offer, &pbx());
    assert!(a.is_ok_and(|a| a.media.len() == 1 && a.media[0].is_rejected()));
}

#[test]
fn rfc3264_s6_check_answer_catches_bad_answers() {
    let offer = parse(BARESIP);
    let good = answer_ok(&offer, &pbx());
    assert_eq!(check_answer(&offer, &good), Ok(()));
    let mut extra = good.clone();
    extra.media.push(good.media[0].clone());
    assert_eq!(
        check_answer(&offer, &extra),
        Err(NegotiationError::StreamCount {
            offered: 1,
            answered: 2
        })
    );
    let mut video = good.clone();
    video.media[0].media = MediaType::Video;
    assert_eq!(
        check_answer(&offer, &video),
        Err(NegotiationError::MediaMismatch { index: 0 })
    );
    let foreign = parse(
        "v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\nm=audio 4000 RTP/AVP 18\n",
    );
    assert_eq!(
        check_answer(&offer, &foreign),
        Err(NegotiationError::NoCommonFormat { index: 0 })
    );
}

#[test]
fn rfc3264_s5_1_offer_built_from_capabilities() {
    let mut local = pbx();
    local.media[0]
        .codecs
        .insert(0, LocalCodec::new(RtpCodec::new("opus", 48000, Some(2))));
    local.media[0]
        .codecs
        .push(LocalCodec::new(RtpCodec::new("speex", 16000, None)));
    local.media[0].ptime = Some(20);
    let o = offer(&local);
    let m = &o.media[0];
    assert_eq!(m.formats, vec!["96", "8", "0", "101", "97"]);
    assert_eq!(m.codec(pt(96)), Some(RtpCodec::new("opus", 48000, Some(2))));
    assert_eq!(m.codec(pt(97)), Some(RtpCodec::new("speex", 16000, None)));
    assert!(
        m.rtpmap(PayloadType::PCMA).is_some(),
        "rtpmap also for static types"
    );
    assert_eq!(m.fmtp(pt(101)).map(|f| f.params.as_str()), Some("0-16"));
    assert_eq!(m.ptime(), Some(20));
    assert_eq!(o.direction_of(m), Direction::SendRecv);
    assert_eq!(o.connection, Some(Connection::new(PBX)));
    assert_eq!(SessionDescription::parse(&o.to_string()), Ok(o.clone()));
    let back = answer_ok(&o, &pbx());
    assert_eq!(check_answer(&o, &back), Ok(()));
    assert_eq!(back.media[0].formats, vec!["8", "0", "101"]);
}

#[test]
fn rfc3264_s5_1_offer_skips_duplicate_and_exhausted_payload_types() {
    let mut local = pbx();
    local.media[0].codecs = (0..40)
        .map(|i| LocalCodec::new(RtpCodec::new(format!("x-codec{i}"), 8000, None)))
        .chain([
            LocalCodec::pcma().with_payload_type(pt(8)),
            LocalCodec::pcmu().with_payload_type(pt(8)),
        ])
        .collect();
    let o = offer(&local);
    let formats = &o.media[0].formats;
    assert_eq!(formats.len(), 33, "32 dynamic numbers and PCMA");
    let mut unique = formats.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), formats.len());
}

#[test]
fn rfc3264_s8_reoffer_increments_version() {
    let first = offer(&pbx());
    let again = first.next_version();
    assert_eq!(
        again.origin.session_version,
        first.origin.session_version + 1
    );
    assert!(!again.is_unchanged_from(&first));
    assert!(first.clone().is_unchanged_from(&first));
}

#[test]
fn rfc3264_s8_4_hold_and_resume_reoffers() {
    let first = offer(&pbx());
    let held = hold_offer(&first);
    assert!(held.is_hold());
    assert_eq!(held.direction_of(&held.media[0]), Direction::SendOnly);
    assert_eq!(held.origin.session_version, 2);
    let deeper = hold_offer(&with_direction(&first.to_string(), "a=recvonly"));
    assert_eq!(deeper.direction_of(&deeper.media[0]), Direction::Inactive);
    let resumed = resume_offer(&held);
    assert!(!resumed.is_hold());
    assert_eq!(resumed.origin.session_version, 3);
    assert_eq!(resumed.media[0].attributes, first.media[0].attributes);
    let a = answer_ok(&held, &pbx());
    assert_eq!(a.direction_of(&a.media[0]), Direction::RecvOnly);
}

#[test]
fn relay_rewrite_replaces_address_and_ports_only() {
    let offer = parse(include_str!("samples/yealink.sdp"));
    let relay = RelayEndpoint::new(PBX, 40000);
    let out = rewrite_transport(&offer, &[relay]);
    let out = match out {
        Ok(out) => out,
        Err(e) => panic!("{e}"),
    };
    let m = &out.media[0];
    assert_eq!(out.connection, Some(Connection::new(PBX)));
    assert_eq!(m.port, 40000);
    assert!(m.connections.is_empty());
    assert_eq!(
        out.rtcp_address(m).map(|a| (a.ip(), a.port())),
        Some((PBX, 40001))
    );
    assert_eq!(out.origin, offer.origin, "o= is the caller's to set");
    assert_eq!(m.formats, offer.media[0].formats);
    let others = |m: &vpbx_sdp::MediaDescription| {
        m.attributes
            .iter()
            .filter(|a| !matches!(a, Attribute::Rtcp(_)))
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(others(m), others(&offer.media[0]));
}

#[test]
fn relay_rewrite_per_media_addresses_and_rejected_streams() {
    let offer = parse(include_str!("samples/rfc8866_example.sdp"));
    let mut offer = offer;
    offer.media[1].port = 0;
    let v6 = IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x99));
    let endpoints = [
        RelayEndpoint::new(PBX, 40000),
        RelayEndpoint::new(PBX, 40002),
        RelayEndpoint::new(v6, 40004),
    ];
    let out = rewrite_transport(&offer, &endpoints);
    let out = out.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.connection, Some(Connection::new(PBX)));
    assert_eq!(out.media[0].port, 40000);
    assert_eq!(out.media[1], offer.media[1], "rejected stream untouched");
    assert_eq!(out.media[2].connections, vec![Connection::new(v6)]);
    assert_eq!(out.media[2].port, 40004);
    assert_eq!(
        rewrite_transport(&offer, &endpoints[..2]),
        Err(NegotiationError::EndpointCount {
            streams: 3,
            endpoints: 2
        })
    );
}

#[test]
fn relay_rewrite_adds_media_connection_when_addresses_differ() {
    let offer = parse(&format!("{BARESIP}m=audio 10220 RTP/AVP 0\n"));
    let other = IpAddr::V4(Ipv4Addr::new(198, 51, 100, 11));
    let out = rewrite_transport(
        &offer,
        &[
            RelayEndpoint::new(PBX, 40000),
            RelayEndpoint::new(other, 40002),
        ],
    );
    let out = out.unwrap_or_else(|e| panic!("{e}"));
    assert!(out.media[0].connections.is_empty());
    assert_eq!(out.media[1].connections, vec![Connection::new(other)]);
    assert_eq!(out.rtp_address(&out.media[1]).map(|a| a.ip()), Some(other));
}

#[test]
fn rfc3264_s8_4_relay_keeps_rfc2543_hold_address() {
    let offer = parse(include_str!("samples/hold_rfc2543.sdp"));
    let out = rewrite_transport(&offer, &[RelayEndpoint::new(PBX, 40000)]);
    let out = out.unwrap_or_else(|e| panic!("{e}"));
    assert!(out.is_hold());
    assert_eq!(out.media[0].port, 40000);
    let ipv6 = parse(include_str!("samples/ipv6.sdp"));
    let out = rewrite_transport(
        &ipv6,
        &[RelayEndpoint {
            address: PBX,
            rtp_port: 40000,
            rtcp_port: 40005,
        }],
    );
    let out = out.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        out.connection,
        Some(Connection::new(PBX)),
        "address family may change"
    );
    assert_eq!(
        out.rtcp_address(&out.media[0]).map(|a| (a.ip(), a.port())),
        Some((PBX, 40005))
    );
}
