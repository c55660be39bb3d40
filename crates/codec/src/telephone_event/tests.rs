//! Payload, receiver, sender and SIP INFO tests of the telephone-event module.

use proptest::prelude::*;

use super::*;

#[test]
fn payload_layout() {
    // RFC 4733 §2.3: event 5, E=1, volume 10, duration 1600.
    let bytes = [0x05, 0x8a, 0x06, 0x40];
    let p = EventPayload::parse(&bytes).unwrap();
    assert_eq!(
        p,
        EventPayload {
            event: 5,
            end: true,
            volume: 10,
            duration: 1600
        }
    );
    assert_eq!(p.to_bytes(), bytes);
    assert_eq!(p.digit(), Some('5'));
    // R bit ignored; volume clamped on build.
    let r = EventPayload::parse(&[11, 0x40 | 7, 0, 160, 0xff]).unwrap();
    assert_eq!((r.event, r.end, r.volume, r.duration), (11, false, 7, 160));
    let loud = EventPayload {
        event: 1,
        end: false,
        volume: 200,
        duration: 0,
    };
    assert_eq!(loud.to_bytes()[1], 63);
    assert_eq!(
        EventPayload::parse(&[1, 2, 3]),
        Err(EventError::Truncated(3))
    );
}

#[test]
fn digit_mapping() {
    let all: String = (0..16).filter_map(event_to_digit).collect();
    assert_eq!(all, "0123456789*#ABCD");
    assert_eq!(event_to_digit(16), None);
    for (i, d) in all.chars().enumerate() {
        assert_eq!(digit_to_event(d), Some(i as u8));
    }
    assert_eq!(digit_to_event('c'), Some(14));
    assert_eq!(digit_to_event('x'), None);
}

/// Feeds packets of a sender to a receiver with the given RTP timestamp.
fn feed(rx: &mut EventReceiver, ts: u32, packets: &[EventPacket]) -> Vec<ReceivedEvent> {
    packets
        .iter()
        .filter_map(|p| rx.on_packet(ts, p.marker, &p.payload.to_bytes()).unwrap())
        .collect()
}

#[test]
fn sender_sequence() {
    let packets = digit_packets(9, 10, 1000).unwrap();
    let summary: Vec<(u32, bool, bool, u16)> = packets
        .iter()
        .map(|p| (p.send_at, p.marker, p.payload.end, p.payload.duration))
        .collect();
    assert_eq!(
        summary,
        vec![
            (0, true, false, 0),
            (400, false, false, 400),
            (800, false, false, 800),
            (1000, false, true, 1000),
            (1160, false, true, 1000),
            (1320, false, true, 1000),
        ]
    );
    assert!(packets
        .iter()
        .all(|p| p.payload.event == 9 && p.payload.volume == 10));
    assert_eq!(digit_packets(16, 10, 800), Err(EventError::NotDtmf(16)));
}

#[test]
fn one_digit_per_event() {
    let mut rx = EventReceiver::new();
    let mut events = Vec::new();
    for (i, d) in "12#".chars().enumerate() {
        let packets = digit_packets(digit_to_event(d).unwrap(), 10, 800).unwrap();
        let ts = 1000 + i as u32 * 4000;
        events.extend(feed(&mut rx, ts, &packets));
        // Retransmission of the whole event, late.
        events.extend(feed(&mut rx, ts, &packets));
    }
    let digits: String = events.iter().filter_map(ReceivedEvent::new_digit).collect();
    assert_eq!(digits, "12#");
    let durations: Vec<u32> = events.iter().filter_map(ReceivedEvent::duration).collect();
    assert_eq!(durations, vec![800, 800, 800]);
    assert_eq!(
        events[0],
        ReceivedEvent::Started {
            event: 1,
            timestamp: 1000
        }
    );
    assert_eq!(
        events[1],
        ReceivedEvent::Ended {
            event: 1,
            timestamp: 1000,
            duration: 800
        }
    );
}

#[test]
fn losses_and_reordering() {
    let packets = digit_packets(5, 10, 1200).unwrap();
    let bytes = |i: usize| packets[i].payload.to_bytes();
    let mut rx = EventReceiver::new();
    // Start lost: the first packet seen is an update, then an end.
    assert_eq!(
        rx.on_packet(500, false, &bytes(1)).unwrap(),
        Some(ReceivedEvent::Started {
            event: 5,
            timestamp: 500
        })
    );
    assert_eq!(
        rx.on_packet(500, true, &bytes(0)).unwrap(),
        None,
        "late start"
    );
    let end = packets.len() - 1;
    assert_eq!(
        rx.on_packet(500, false, &bytes(end))
            .unwrap()
            .and_then(|e| e.duration()),
        Some(1200)
    );
    // Only end packets of the next event survive.
    assert_eq!(
        rx.on_packet(9000, false, &bytes(end)).unwrap(),
        Some(ReceivedEvent::StartedAndEnded {
            event: 5,
            timestamp: 9000,
            duration: 1200
        })
    );
    assert_eq!(rx.on_packet(9000, false, &bytes(end)).unwrap(), None);
    // A late packet of the earlier event is ignored.
    assert_eq!(rx.on_packet(500, false, &bytes(2)).unwrap(), None);
    // End packets lost entirely: the next event still starts.
    assert_eq!(
        rx.on_packet(20_000, true, &bytes(0))
            .unwrap()
            .and_then(|e| e.new_digit()),
        Some('5')
    );
    assert_eq!(
        rx.on_packet(30_000, true, &bytes(0))
            .unwrap()
            .and_then(|e| e.new_digit()),
        Some('5')
    );
    // Timestamps wrap.
    let mut rx = EventReceiver::new();
    assert!(rx
        .on_packet(u32::MAX - 100, true, &bytes(0))
        .unwrap()
        .is_some());
    assert!(rx
        .on_packet(u32::MAX - 100, false, &bytes(end))
        .unwrap()
        .is_some());
    assert!(rx.on_packet(3000, true, &bytes(0)).unwrap().is_some());
    assert_eq!(
        rx.on_packet(u32::MAX - 100, false, &bytes(end)).unwrap(),
        None
    );
    // A stream that jumps far back starts new events.
    assert!(rx
        .on_packet(3000u32.wrapping_sub(1_000_000), true, &bytes(0))
        .unwrap()
        .is_some());
    assert!(rx
        .on_packet(EventPayload::LEN as u32, false, &[1, 2])
        .is_err());
}

#[test]
fn long_event_segments() {
    // RFC 4733 §2.5.1.3: segment 1 at ts 0 up to 0xFFFF, segment 2 at ts 0xFFFF.
    let mut rx = EventReceiver::new();
    let p = |end: bool, duration: u16| {
        EventPayload {
            event: 0,
            end,
            volume: 10,
            duration,
        }
        .to_bytes()
    };
    assert!(rx.on_packet(0, true, &p(false, 0)).unwrap().is_some());
    assert_eq!(rx.on_packet(0, false, &p(false, 0xffff)).unwrap(), None);
    assert_eq!(rx.on_packet(0xffff, false, &p(false, 400)).unwrap(), None);
    assert_eq!(
        rx.on_packet(0, false, &p(false, 0xffff)).unwrap(),
        None,
        "old segment"
    );
    assert_eq!(
        rx.on_packet(0xffff, false, &p(true, 1000)).unwrap(),
        Some(ReceivedEvent::Ended {
            event: 0,
            timestamp: 0,
            duration: 0xffff + 1000
        })
    );
}

#[test]
fn sip_info_bodies() {
    assert_eq!(
        parse_sip_info("application/dtmf-relay", b"Signal=5\r\nDuration=160\r\n"),
        Ok(SipInfoDtmf {
            digit: '5',
            duration_ms: Some(160)
        })
    );
    assert_eq!(
        parse_sip_info(
            "Application/DTMF-Relay; charset=utf-8",
            b"signal= #\nduration = 250"
        ),
        Ok(SipInfoDtmf {
            digit: '#',
            duration_ms: Some(250)
        })
    );
    assert_eq!(
        parse_sip_info("application/dtmf-relay", b"Signal=11\r\n"),
        Ok(SipInfoDtmf {
            digit: '#',
            duration_ms: None
        })
    );
    assert_eq!(
        parse_sip_info("application/dtmf", b"b\r\n"),
        Ok(SipInfoDtmf {
            digit: 'B',
            duration_ms: None
        })
    );
    assert_eq!(
        parse_sip_info("application/dtmf", b"10"),
        Ok(SipInfoDtmf {
            digit: '*',
            duration_ms: None
        })
    );
    assert_eq!(
        parse_sip_info("text/plain", b"5"),
        Err(EventError::ContentType)
    );
    assert_eq!(
        parse_sip_info("application/dtmf-relay", b"Duration=160"),
        Err(EventError::Body)
    );
    assert_eq!(
        parse_sip_info("application/dtmf-relay", b"Signal=X"),
        Err(EventError::Body)
    );
    assert_eq!(
        parse_sip_info("application/dtmf", b"16"),
        Err(EventError::Body)
    );
    assert_eq!(
        parse_sip_info("application/dtmf", &[0xff, 0xfe]),
        Err(EventError::Body)
    );
    let body = dtmf_relay_body('*', 100);
    assert_eq!(body, "Signal=*\r\nDuration=100\r\n");
    assert_eq!(
        parse_sip_info("application/dtmf-relay", body.as_bytes()),
        Ok(SipInfoDtmf {
            digit: '*',
            duration_ms: Some(100)
        })
    );
}

proptest! {
    #[test]
    fn payload_round_trip(event in any::<u8>(), end in any::<bool>(), volume in 0u8..64, duration in any::<u16>()) {
        let p = EventPayload { event, end, volume, duration };
        prop_assert_eq!(EventPayload::parse(&p.to_bytes()), Ok(p));
    }

    #[test]
    fn arbitrary_payloads_never_panic(
        packets in proptest::collection::vec(
            (any::<u32>(), any::<bool>(), proptest::collection::vec(any::<u8>(), 0..8)),
            0..64,
        ),
    ) {
        let mut rx = EventReceiver::new();
        for (ts, marker, payload) in &packets {
            // Dense timestamps exercise the duplicate and segment paths.
            let _ = rx.on_packet(ts % 4096, *marker, payload);
            let _ = EventPayload::parse(payload);
        }
    }

    #[test]
    fn sip_info_never_panics(ct in "[a-zA-Z/;= -]{0,30}", body in proptest::collection::vec(any::<u8>(), 0..64)) {
        let _ = parse_sip_info(&ct, &body);
        let _ = parse_sip_info("application/dtmf-relay", &body);
        let _ = parse_sip_info("application/dtmf", &body);
    }

    #[test]
    fn sender_and_receiver_agree(event in 0u8..16, duration in 1u16..20_000, ts in any::<u32>()) {
        let packets = digit_packets(event, 10, duration).unwrap();
        let mut rx = EventReceiver::new();
        let got = feed(&mut rx, ts, &packets);
        prop_assert_eq!(got.len(), 2);
        prop_assert_eq!(got[0].new_digit(), event_to_digit(event));
        prop_assert_eq!(got[1].duration(), Some(u32::from(duration)));
    }
}
