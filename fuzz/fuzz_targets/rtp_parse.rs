//! Fuzz target for the RTP header and RTCP compound parsers (RFC 3550 §5.1, §6.4, §A.2)
//! that the relay runs on every RTCP datagram from the network.
//!
//! Invariant checked: neither parser panics on any input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vpbx_rtp::{Compound, RtpPacket};

fuzz_target!(|data: &[u8]| {
    let _ = RtpPacket::parse(data);
    let _ = Compound::parse(data);
});
