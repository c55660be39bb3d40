//! Fuzz target for the SIP parser (RFC 3261 §7) and stream framer (§18.3).
//!
//! Invariants checked: neither `Message::parse` nor `frame` panics on any input; a framed
//! message is never longer than the buffer; every parsed message prints to bytes that parse
//! back to an equal message.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vpbx_sip_msg::{frame, Frame, Message};

fuzz_target!(|data: &[u8]| {
    if let Ok(Frame::Message(n)) = frame(data) {
        assert!(n <= data.len(), "frame beyond the buffer");
    }
    if let Ok(m) = Message::parse(data) {
        let printed = m.to_bytes();
        assert_eq!(Message::parse(&printed), Ok(m), "print/parse round trip");
    }
});
