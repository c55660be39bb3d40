//! Fuzz target for the SDP parser (RFC 8866 §5) as the B2BUA meets it in every INVITE.
//!
//! Invariants checked: `SessionDescription::from_bytes` never panics; every parsed
//! description prints to text that parses back to an equal description.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vpbx_sdp::SessionDescription;

fuzz_target!(|data: &[u8]| {
    if let Ok(d) = SessionDescription::from_bytes(data) {
        let printed = d.to_string();
        assert_eq!(
            SessionDescription::parse(&printed),
            Ok(d),
            "print/parse round trip"
        );
    }
});
