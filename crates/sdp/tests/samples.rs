//! Real-world style session descriptions (sipp, baresip, Asterisk, Polycom, Yealink,
//! WebRTC, IPv6, the RFC 8866 §5 examples, T.38, RFC 2543 hold): each parses, its typed
//! views read as expected, and it prints back byte for byte with CRLF line ends.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use vpbx_sdp::{
    Address, Attribute, BandwidthType, Direction, MediaType, ParseError, PayloadType, Proto,
    RtpCodec, SessionDescription,
};

const SAMPLES: [(&str, &str); 12] = [
    ("sipp_uac", include_str!("samples/sipp_uac.sdp")),
    ("sipp_uas", include_str!("samples/sipp_uas.sdp")),
    ("baresip", include_str!("samples/baresip.sdp")),
    ("asterisk", include_str!("samples/asterisk.sdp")),
    ("polycom", include_str!("samples/polycom.sdp")),
    ("yealink", include_str!("samples/yealink.sdp")),
    ("webrtc", include_str!("samples/webrtc.sdp")),
    ("ipv6", include_str!("samples/ipv6.sdp")),
    (
        "rfc8866_example",
        include_str!("samples/rfc8866_example.sdp"),
    ),
    ("multicast", include_str!("samples/multicast.sdp")),
    ("t38", include_str!("samples/t38.sdp")),
    ("hold_rfc2543", include_str!("samples/hold_rfc2543.sdp")),
];

fn parse(text: &str) -> SessionDescription {
    match SessionDescription::parse(text) {
        Ok(sdp) => sdp,
        Err(e) => panic!("sample does not parse: {e}"),
    }
}

fn pt(n: u8) -> PayloadType {
    PayloadType::new(n).unwrap_or(PayloadType::PCMU)
}

#[test]
fn every_sample_parses_lf_and_prints_back_as_crlf() {
    for (name, text) in SAMPLES {
        let sdp = parse(text);
        let crlf = text.replace('\n', "\r\n");
        assert_eq!(sdp.to_string(), crlf, "{name}");
        assert_eq!(
            SessionDescription::parse(&crlf).as_ref(),
            Ok(&sdp),
            "{name}"
        );
        assert_eq!(
            SessionDescription::from_bytes(&sdp.to_bytes()),
            Ok(sdp),
            "{name}"
        );
    }
}

#[test]
fn sipp_default_uac() {
    let sdp = parse(include_str!("samples/sipp_uac.sdp"));
    assert_eq!(sdp.origin.username, "user1");
    assert_eq!(sdp.origin.session_version, 2353687637);
    let m = &sdp.media[0];
    assert_eq!(m.payload_types(), vec![PayloadType::PCMU]);
    assert_eq!(
        sdp.rtp_address(m),
        Some(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 6000))
    );
    assert!(!sdp.is_hold());
}

#[test]
fn baresip_opus_g722_pcmu_pcma_telephone_event() {
    let sdp = parse(include_str!("samples/baresip.sdp"));
    let m = &sdp.media[0];
    assert_eq!(m.codec(pt(96)), Some(RtpCodec::new("opus", 48000, Some(2))));
    assert_eq!(m.codec(pt(9)), Some(RtpCodec::new("G722", 8000, None)));
    assert_eq!(
        m.fmtp(pt(96)).and_then(|f| f.get("sprop-stereo")),
        Some("1")
    );
    assert!(m.codec(pt(101)).is_some_and(|c| c.is_telephone_event()));
    assert_eq!(m.ptime(), Some(20));
    assert_eq!(m.bandwidths[0].kind, BandwidthType::As);
    assert_eq!(sdp.direction_of(m), Direction::SendRecv);
    assert_eq!(
        m.attribute("rtcp-rsize"),
        Some(&Attribute::other("rtcp-rsize", None))
    );
}

#[test]
fn asterisk_ptime_maxptime_and_events() {
    let sdp = parse(include_str!("samples/asterisk.sdp"));
    let m = &sdp.media[0];
    assert_eq!(m.maxptime(), Some(150));
    assert_eq!(m.fmtp(pt(101)).map(|f| f.params.as_str()), Some("0-16"));
    assert_eq!(
        m.codec(PayloadType::GSM),
        Some(RtpCodec::new("GSM", 8000, None))
    );
}

#[test]
fn polycom_session_level_direction_and_g729_annexb() {
    let sdp = parse(include_str!("samples/polycom.sdp"));
    let m = &sdp.media[0];
    assert_eq!(m.direction_attribute(), None);
    assert_eq!(sdp.direction_attribute(), Some(Direction::SendRecv));
    assert_eq!(sdp.direction_of(m), Direction::SendRecv);
    assert_eq!(
        m.fmtp(PayloadType::G729).and_then(|f| f.get("annexb")),
        Some("no")
    );
    assert!(m.codec(pt(127)).is_some_and(|c| c.is_telephone_event()));
}

#[test]
fn yealink_rtcp_attribute_rfc3605() {
    let sdp = parse(include_str!("samples/yealink.sdp"));
    let m = &sdp.media[0];
    let ip = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 33));
    assert_eq!(m.rtcp().map(|r| r.port), Some(11801));
    assert_eq!(sdp.rtcp_address(m), Some(SocketAddr::new(ip, 11801)));
    assert_eq!(m.fmtp(pt(101)).map(|f| f.params.as_str()), Some("0-15"));
}

#[test]
fn webrtc_rtcp_mux_and_ice_kept_verbatim() {
    let sdp = parse(include_str!("samples/webrtc.sdp"));
    let m = &sdp.media[0];
    assert_eq!(m.proto, Proto::UdpTlsRtpSavpf);
    assert!(m.rtcp_mux());
    assert_eq!(
        m.attribute("ice-ufrag"),
        Some(&Attribute::other("ice-ufrag", Some("Oyef")))
    );
    assert_eq!(
        sdp.attribute("msid-semantic"),
        Some(&Attribute::other("msid-semantic", Some(" WMS stream1")))
    );
    assert!(m.attribute("candidate").is_some());
    assert!(m
        .codec(pt(110))
        .is_some_and(|c| c.is_telephone_event() && c.clock_rate == 48000));
    assert!(
        !sdp.is_hold(),
        "0.0.0.0 with ICE is a placeholder, not a hold"
    );
    assert_eq!(sdp.connection, None);
}

#[test]
fn ipv6_offer() {
    let sdp = parse(include_str!("samples/ipv6.sdp"));
    let ip = IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x10));
    assert_eq!(sdp.origin.address, Address::Ip(ip));
    assert_eq!(
        sdp.rtp_address(&sdp.media[0]),
        Some(SocketAddr::new(ip, 49170))
    );
    assert_eq!(
        sdp.rtcp_address(&sdp.media[0]),
        Some(SocketAddr::new(ip, 49171))
    );
}

#[test]
fn rfc8866_s5_example_with_text_fields() {
    let sdp = parse(include_str!("samples/rfc8866_example.sdp"));
    assert_eq!(sdp.session_name, "Call to John Smith");
    assert_eq!(sdp.information.as_deref(), Some("SDP Offer #1"));
    assert_eq!(
        sdp.uri.as_deref(),
        Some("http://www.jdoe.example.com/home.html")
    );
    assert_eq!(sdp.emails, vec!["Jane Doe <jane@jdoe.example.com>"]);
    assert_eq!(sdp.phones, vec!["+1 617 555-6011"]);
    assert_eq!(sdp.media.len(), 3);
    let video = &sdp.media[2];
    assert_eq!(video.media, MediaType::Video);
    assert!(sdp
        .connection_of(video)
        .and_then(|c| c.ip())
        .is_some_and(|ip| ip.is_ipv6()));
}

#[test]
fn rfc8866_multicast_repeat_zone_and_key() {
    let sdp = parse(include_str!("samples/multicast.sdp"));
    assert_eq!(sdp.connection.as_ref().and_then(|c| c.ttl), Some(127));
    let t = &sdp.timings[0];
    assert_eq!(t.repeats[0].interval.seconds(), 7 * 86400);
    assert_eq!(t.zones[0].offset.seconds(), -3600);
    assert_eq!(sdp.key.as_deref(), Some("prompt"));
    assert_eq!(sdp.direction_attribute(), Some(Direction::RecvOnly));
    let video = &sdp.media[1];
    assert_eq!(video.port_count, Some(2));
    assert_eq!(video.connections.len(), 2);
    assert_eq!(video.connections[0].count, Some(2));
    assert_eq!(video.connections[1].count, Some(3));
    assert_eq!(sdp.media[2].proto, Proto::Udp);
    assert_eq!(sdp.media[2].formats, vec!["wb"]);
}

#[test]
fn t38_image_stream() {
    let sdp = parse(include_str!("samples/t38.sdp"));
    let m = &sdp.media[0];
    assert_eq!(m.media, MediaType::Image);
    assert!(!m.proto.is_rtp());
    assert!(m.payload_types().is_empty());
    assert_eq!(
        m.attribute("T38FaxMaxDatagram"),
        Some(&Attribute::other("T38FaxMaxDatagram", Some("400")))
    );
}

#[test]
fn rfc2543_hold_is_detected() {
    let sdp = parse(include_str!("samples/hold_rfc2543.sdp"));
    assert!(sdp.is_hold());
    assert!(sdp.has_hold_address(&sdp.media[0]));
}

#[test]
fn sloppy_phone_lf_blank_lines_trailing_spaces_unknown_types() {
    let text = "v=0\no=- 1 1 IN IP4 192.0.2.7 \ns=\nc=IN IP4  192.0.2.7\nt=0 0\ny=0100000001\nm=audio 4000 RTP/AVP 8 0 101 \na=rtpmap:8 PCMA/8000 \na=rtpmap:101 telephone-event/8000\na=fmtp:101 0-15 \na=sendonly \n\n\n";
    let sdp = parse(text);
    let m = &sdp.media[0];
    assert_eq!(sdp.session_name, "");
    assert_eq!(m.payload_types().len(), 3);
    assert_eq!(
        m.codec(PayloadType::PCMA),
        Some(RtpCodec::new("PCMA", 8000, None))
    );
    assert_eq!(m.fmtp(pt(101)).map(|f| f.params.as_str()), Some("0-15"));
    assert_eq!(sdp.direction_of(m), Direction::SendOnly);
    assert!(sdp.is_hold());
    assert_eq!(SessionDescription::parse(&sdp.to_string()), Ok(sdp));
}

#[test]
fn broken_samples_give_line_numbered_errors() {
    let asterisk = include_str!("samples/asterisk.sdp");
    let no_c = asterisk.replace("c=IN IP4 203.0.113.5\n", "");
    assert_eq!(
        SessionDescription::parse(&no_c),
        Err(ParseError::MissingConnection { line: 5 })
    );
    let bad_port = asterisk.replace("17932", "179320");
    let err = SessionDescription::parse(&bad_port);
    assert_eq!(err, Err(ParseError::BadPort { line: 6 }));
    assert_eq!(
        err.map_err(|e| e.to_string()),
        Err("line 6: bad port".into())
    );
}
