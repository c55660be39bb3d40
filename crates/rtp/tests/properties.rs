//! Property tests: no byte input makes the RTP (RFC 3550 §5.1) or RTCP (RFC 3550 §6.1,
//! §A.2) parsers panic, and whatever they accept respects their invariants.

use proptest::prelude::*;
use vpbx_rtp::{Compound, Event, QualityTracker, RtpPacket};

proptest! {
    #[test]
    fn rtp_parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        if let Ok(p) = RtpPacket::parse(&bytes) {
            prop_assert!(p.payload().len() <= bytes.len() - 12);
            prop_assert_eq!(p.csrcs().count(), usize::from(p.csrc_count()));
            let _ = p.extension();
        }
    }

    #[test]
    fn rtp_parse_of_versioned_input_never_panics(
        first in 0x80u8..=0xbf,
        rest in proptest::collection::vec(any::<u8>(), 0..120),
    ) {
        let mut bytes = vec![first];
        bytes.extend_from_slice(&rest);
        if let Ok(p) = RtpPacket::parse(&bytes) {
            prop_assert!(p.payload().len() < bytes.len());
        }
    }

    #[test]
    fn rtcp_parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = Compound::parse(&bytes);
    }

    #[test]
    fn rtcp_parse_of_plausible_input_never_panics(
        count in 0u8..32,
        pt in 200u8..=201,
        words in 0u16..40,
        rest in proptest::collection::vec(any::<u8>(), 0..300),
    ) {
        let mut bytes = vec![0x80 | count, pt];
        bytes.extend_from_slice(&words.to_be_bytes());
        bytes.extend_from_slice(&rest);
        if let Ok(c) = Compound::parse(&bytes) {
            let mut tracker = QualityTracker::default();
            let now = std::time::Instant::now();
            for report in &c.reports {
                if let Some(info) = report.sender_info() {
                    tracker.handle(now, Event::SrForwarded { ntp_middle: info.ntp_middle() });
                }
                for block in report.blocks() {
                    tracker.handle(now, Event::ReportReceived(block));
                }
            }
            let _ = tracker.quality();
        }
    }
}
