//! Property tests: every description the model can express prints and parses back to
//! itself (RFC 8866 §5 grammar), and no input — arbitrary text, bytes or SDP-shaped line
//! soup — makes the parser, the printer or offer/answer panic.

use std::net::{IpAddr, Ipv4Addr};

use proptest::prelude::*;
use vpbx_sdp::{
    answer, check_answer, hold_offer, offer, rewrite_transport, AddrType, Address, Attribute,
    Bandwidth, BandwidthType, Connection, Direction, Fmtp, LocalCodec, MediaCapabilities,
    MediaCapability, MediaDescription, MediaType, NetType, Origin, PayloadType, Proto,
    RelayEndpoint, Repeat, Rtcp, RtpCodec, RtpMap, SessionDescription, TimeUnit, Timing, TypedTime,
    ZoneAdjustment,
};

/// Text of `s=`, `i=`, `u=`, `e=`, `p=`, `k=` and verbatim attribute values.
fn text() -> impl Strategy<Value = String> {
    "[^\r\n\0]{0,16}"
}

fn payload_type() -> impl Strategy<Value = PayloadType> {
    (0u8..=127).prop_map(|n| PayloadType::new(n).unwrap_or(PayloadType::PCMU))
}

fn ip() -> impl Strategy<Value = IpAddr> {
    prop_oneof![
        any::<Ipv4Addr>().prop_map(IpAddr::V4),
        any::<std::net::Ipv6Addr>().prop_map(IpAddr::V6)
    ]
}

fn connection() -> impl Strategy<Value = Connection> {
    let host = "[a-z][a-z0-9.-]{0,12}";
    prop_oneof![
        ip().prop_map(Connection::new),
        (
            any::<Ipv4Addr>(),
            any::<u8>(),
            proptest::option::of(1u32..1000)
        )
            .prop_map(|(ip, ttl, count)| Connection {
                ttl: Some(ttl),
                count,
                ..Connection::from(ip)
            }),
        (any::<std::net::Ipv6Addr>(), 1u32..1000).prop_map(|(ip, count)| Connection {
            count: Some(count),
            ..Connection::from(ip)
        }),
        (host, prop_oneof![Just(AddrType::Ip4), Just(AddrType::Ip6)]).prop_map(|(h, t)| {
            Connection {
                net_type: NetType::In,
                addr_type: t,
                address: Address::Name(h),
                ttl: None,
                count: None,
            }
        }),
        ("[A-Z]{1,4}", "X[A-Z0-9]{1,6}", "[!-~]{1,12}").prop_map(|(n, t, a)| Connection {
            net_type: if n == "IN" {
                NetType::In
            } else {
                NetType::Other(n)
            },
            addr_type: AddrType::Other(t),
            address: Address::Name(a),
            ttl: None,
            count: None,
        }),
    ]
}

fn origin() -> impl Strategy<Value = Origin> {
    ("[a-zA-Z0-9_.-]{1,10}", "[0-9]{1,20}", any::<u64>(), ip()).prop_map(|(u, id, v, ip)| {
        let mut o = Origin::new(&u, 0, v, ip);
        o.session_id = id;
        o
    })
}

fn bandwidth() -> impl Strategy<Value = Bandwidth> {
    let kind = prop_oneof![
        Just(BandwidthType::Ct),
        Just(BandwidthType::As),
        Just(BandwidthType::Tias),
        Just(BandwidthType::Rr),
        Just(BandwidthType::Rs),
        "X-[A-Z]{1,4}".prop_map(BandwidthType::Other),
    ];
    (kind, any::<u64>()).prop_map(|(kind, value)| Bandwidth { kind, value })
}

fn typed_time(min: i64) -> impl Strategy<Value = TypedTime> {
    let unit = proptest::option::of(prop_oneof![
        Just(TimeUnit::Days),
        Just(TimeUnit::Hours),
        Just(TimeUnit::Minutes),
        Just(TimeUnit::Seconds)
    ]);
    (min..=i64::MAX, unit).prop_map(|(value, unit)| TypedTime { value, unit })
}

fn timing() -> impl Strategy<Value = Timing> {
    let repeat = (
        typed_time(0),
        typed_time(0),
        prop::collection::vec(typed_time(0), 1..3),
    )
        .prop_map(|(interval, duration, offsets)| Repeat {
            interval,
            duration,
            offsets,
        });
    let zone = (any::<u64>(), typed_time(-i64::MAX))
        .prop_map(|(time, offset)| ZoneAdjustment { time, offset });
    (
        any::<u64>(),
        any::<u64>(),
        prop::collection::vec(repeat, 0..2),
        prop::collection::vec(zone, 0..3),
    )
        .prop_map(|(start, stop, repeats, zones)| Timing {
            start,
            stop,
            repeats,
            zones,
        })
}

fn attribute() -> impl Strategy<Value = Attribute> {
    let rtpmap = (
        payload_type(),
        "[A-Za-z0-9-]{1,10}",
        any::<u32>(),
        proptest::option::of(1u16..=8),
    )
        .prop_map(|(pt, name, rate, ch)| {
            Attribute::RtpMap(RtpMap {
                payload_type: pt,
                codec: RtpCodec::new(name, rate, ch),
            })
        });
    let fmtp = (payload_type(), "([!-~]([ -~]{0,10}[!-~])?)?").prop_map(|(pt, params)| {
        Attribute::Fmtp(Fmtp {
            payload_type: pt,
            params,
        })
    });
    let direction = prop_oneof![
        Just(Direction::SendRecv),
        Just(Direction::SendOnly),
        Just(Direction::RecvOnly),
        Just(Direction::Inactive)
    ];
    let rtcp = (any::<u16>(), proptest::option::of(connection()))
        .prop_map(|(port, connection)| Attribute::Rtcp(Rtcp { port, connection }));
    let other = ("x-[A-Za-z0-9_.-]{0,10}", proptest::option::of(text()))
        .prop_map(|(name, value)| Attribute::Other { name, value });
    prop_oneof![
        rtpmap,
        fmtp,
        any::<u32>().prop_map(Attribute::Ptime),
        any::<u32>().prop_map(Attribute::MaxPtime),
        direction.prop_map(Attribute::Direction),
        rtcp,
        Just(Attribute::RtcpMux),
        other,
    ]
}

fn media(needs_connection: bool) -> impl Strategy<Value = MediaDescription> {
    let media_type = prop_oneof![
        Just(MediaType::Audio),
        Just(MediaType::Video),
        Just(MediaType::Text),
        Just(MediaType::Application),
        Just(MediaType::Message),
        Just(MediaType::Image),
        "x[a-z]{1,6}".prop_map(MediaType::Other),
    ];
    let proto = prop_oneof![
        Just(Proto::Udp),
        Just(Proto::RtpAvp),
        Just(Proto::RtpSavp),
        Just(Proto::RtpAvpf),
        Just(Proto::RtpSavpf),
        Just(Proto::UdpTlsRtpSavp),
        Just(Proto::UdpTlsRtpSavpf),
        Just(Proto::Other("udptl".into())),
        Just(Proto::Other("TCP/RTP/AVP".into())),
    ];
    let connections = prop::collection::vec(connection(), usize::from(needs_connection)..3);
    (
        (
            media_type,
            any::<u16>(),
            proptest::option::of(1u16..=4),
            proto,
        ),
        prop::collection::vec(payload_type(), 0..5),
        prop::collection::vec("[a-z0-9]{1,5}", 0..3),
        (
            proptest::option::of(text()),
            connections,
            prop::collection::vec(bandwidth(), 0..2),
        ),
        (
            proptest::option::of(text()),
            prop::collection::vec(attribute(), 0..6),
        ),
    )
        .prop_map(
            |((mt, port, count, proto), pts, tokens, (info, conns, bws), (key, attrs))| {
                let formats = if proto.is_rtp() {
                    pts.iter().map(ToString::to_string).collect()
                } else {
                    tokens
                };
                let mut m = MediaDescription::new(mt, port, proto, formats);
                m.port_count = count;
                m.information = info;
                m.connections = conns;
                m.bandwidths = bws;
                m.key = key;
                m.attributes = attrs;
                m
            },
        )
}

fn session() -> impl Strategy<Value = SessionDescription> {
    proptest::option::of(connection()).prop_flat_map(|conn| {
        let needs = conn.is_none();
        (
            (
                origin(),
                text(),
                proptest::option::of(text()),
                proptest::option::of(text()),
            ),
            (
                prop::collection::vec(text(), 0..2),
                prop::collection::vec(text(), 0..2),
            ),
            (
                Just(conn),
                prop::collection::vec(bandwidth(), 0..2),
                prop::collection::vec(timing(), 1..3),
            ),
            (
                proptest::option::of(text()),
                prop::collection::vec(attribute(), 0..4),
            ),
            prop::collection::vec(media(needs), 0..4),
        )
            .prop_map(|((o, s, i, u), (e, p), (c, b, t), (k, a), m)| {
                let mut sdp = SessionDescription::new(o, &s);
                sdp.information = i;
                sdp.uri = u;
                sdp.emails = e;
                sdp.phones = p;
                sdp.connection = c;
                sdp.bandwidths = b;
                sdp.timings = t;
                sdp.key = k;
                sdp.attributes = a;
                sdp.media = m;
                sdp
            })
    })
}

/// SDP-shaped input: lines built from real prefixes and random tails.
fn line_soup() -> impl Strategy<Value = String> {
    let prefix = prop::sample::select(vec![
        "v=0",
        "o=- 1 1 IN IP4 ",
        "s=",
        "c=IN IP4 ",
        "c=IN IP6 ",
        "t=0 0",
        "t=",
        "r=",
        "z=",
        "b=AS:",
        "m=audio ",
        "m=audio 4000 RTP/AVP ",
        "m=video 0 RTP/AVP ",
        "a=rtpmap:",
        "a=fmtp:",
        "a=rtcp:",
        "a=ptime:",
        "a=sendonly",
        "a=rtcp-mux",
        "a=",
        "k=",
        "i=",
        "y=",
        "X=",
        "",
    ]);
    let tail = prop_oneof![
        prop::sample::select(vec![
            "0",
            "4000 RTP/AVP 0 8 101",
            "4000/2 RTP/AVP 96",
            "0 RTP/AVP 0",
            "96 opus/48000/2",
            "101 telephone-event/8000",
            "101 0-16",
            "192.0.2.9",
            "0.0.0.0",
            "::",
            "224.2.1.1/127/3",
            "ff15::1/3",
            "9 IN IP4 0.0.0.0",
            "7d 1h 0 25h",
            "2882844526 -1h",
            "20",
            "inactive",
        ])
        .prop_map(str::to_owned),
        "[ -~]{0,24}",
    ];
    let line = (prefix, tail).prop_map(|(p, tail)| format!("{p}{tail}"));
    (
        prop::collection::vec(line, 0..16),
        prop::sample::select(vec!["\n", "\r\n", "\r", ""]),
    )
        .prop_map(|(lines, end)| {
            let mut text =
                String::from("v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\n");
            for l in lines {
                text.push_str(&l);
                text.push_str(end);
                text.push('\n');
            }
            text
        })
}

/// A valid description with one random edit: a line deleted, repeated, truncated,
/// replaced by random text, or a character replaced.
fn mutated() -> impl Strategy<Value = String> {
    (
        session(),
        any::<prop::sample::Index>(),
        0u8..5,
        "[ -~]{0,12}",
        any::<char>(),
    )
        .prop_map(|(sdp, at, op, junk, ch)| {
            let text = sdp.to_string();
            let mut lines: Vec<String> = text.split("\r\n").map(str::to_owned).collect();
            let i = at.index(lines.len());
            match op {
                0 => {
                    lines.remove(i);
                }
                1 => {
                    let l = lines[i].clone();
                    lines.insert(i, l);
                }
                2 => {
                    let cut = lines[i]
                        .char_indices()
                        .nth(junk.len())
                        .map_or(0, |(b, _)| b);
                    lines[i].truncate(cut);
                }
                3 => lines[i] = junk,
                _ => {
                    let n = lines[i].chars().count();
                    if n > 0 {
                        let k = junk.len() % n;
                        lines[i] = lines[i]
                            .chars()
                            .enumerate()
                            .map(|(j, c)| if j == k { ch } else { c })
                            .collect();
                    }
                }
            }
            lines.join("\n")
        })
}

fn capabilities() -> MediaCapabilities {
    let pbx = IpAddr::V4(Ipv4Addr::new(198, 51, 100, 10));
    MediaCapabilities::new(
        Origin::new("vpbx", 1, 1, pbx),
        pbx,
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

/// Runs everything that takes a parsed description; none of it may panic.
fn exercise(sdp: &SessionDescription) {
    let printed = sdp.to_string();
    assert_eq!(SessionDescription::parse(&printed).as_ref(), Ok(sdp));
    let caps = capabilities();
    if let Ok(a) = answer(sdp, &caps) {
        assert_eq!(check_answer(sdp, &a), Ok(()));
        assert_eq!(a.media.len(), sdp.media.len());
    }
    let _ = check_answer(sdp, &offer(&caps));
    let _ = hold_offer(sdp).is_hold();
    let pbx = IpAddr::V4(Ipv4Addr::new(198, 51, 100, 10));
    let endpoints: Vec<RelayEndpoint> = (0..sdp.media.len())
        .map(|i| RelayEndpoint::new(pbx, 40000u16.saturating_add(u16::try_from(i).unwrap_or(0))))
        .collect();
    assert!(rewrite_transport(sdp, &endpoints).is_ok());
    for m in &sdp.media {
        let _ = (
            sdp.rtp_address(m),
            sdp.rtcp_address(m),
            sdp.is_media_on_hold(m),
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn print_then_parse_round_trips(sdp in session()) {
        let printed = sdp.to_string();
        prop_assert!(printed.ends_with("\r\n"));
        prop_assert_eq!(SessionDescription::parse(&printed), Ok(sdp.clone()));
        exercise(&sdp);
    }

    #[test]
    fn parse_never_panics_on_arbitrary_text(text in any::<String>()) {
        if let Ok(sdp) = SessionDescription::parse(&text) {
            exercise(&sdp);
        }
    }

    #[test]
    fn parse_never_panics_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        if let Ok(sdp) = SessionDescription::from_bytes(&bytes) {
            exercise(&sdp);
        }
    }

    #[test]
    fn parse_never_panics_on_mutated_descriptions(text in mutated()) {
        match SessionDescription::parse(&text) {
            Ok(sdp) => exercise(&sdp),
            Err(e) => prop_assert!(e.to_string().len() < 64),
        }
    }

    #[test]
    fn parse_never_panics_on_line_soup(text in line_soup()) {
        match SessionDescription::parse(&text) {
            Ok(sdp) => exercise(&sdp),
            Err(e) => prop_assert!(e.to_string().len() < 64),
        }
    }
}
