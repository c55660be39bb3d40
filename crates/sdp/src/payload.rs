//! RTP payload type numbers and codecs: the static assignments of RFC 3551 §6 (Tables 4
//! and 5) and the codec identity used when matching offers and answers (RFC 3264 §6.1,
//! RFC 8866 §6.6).
//!
//! Invariants: a [`PayloadType`] is always in 0..=127 (the 7-bit RTP PT field, RFC 3550
//! §5.1); codec names compare case-insensitively and a missing channel count means one.

use std::fmt;

use crate::lex;

/// An RTP payload type number, 0..=127 (RFC 3550 §5.1, RFC 3551 §6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PayloadType(u8);

impl PayloadType {
    /// PCMU, µ-law G.711 (RFC 3551 §6 Table 4).
    pub const PCMU: PayloadType = PayloadType(0);
    /// GSM 06.10 full rate (RFC 3551 §6 Table 4).
    pub const GSM: PayloadType = PayloadType(3);
    /// PCMA, A-law G.711 (RFC 3551 §6 Table 4).
    pub const PCMA: PayloadType = PayloadType(8);
    /// G.722, advertised with an 8000 Hz clock (RFC 3551 §4.5.2, §6 Table 4).
    pub const G722: PayloadType = PayloadType(9);
    /// Comfort noise (RFC 3389; RFC 3551 §6 Table 4).
    pub const CN: PayloadType = PayloadType(13);
    /// G.729 (RFC 3551 §6 Table 4).
    pub const G729: PayloadType = PayloadType(18);
    /// First number of the dynamic range (RFC 3551 §6).
    pub const FIRST_DYNAMIC: PayloadType = PayloadType(96);

    /// Builds a payload type; `None` above 127 (RFC 3550 §5.1).
    pub const fn new(value: u8) -> Option<PayloadType> {
        if value <= 127 {
            Some(PayloadType(value))
        } else {
            None
        }
    }

    /// The number.
    pub const fn get(self) -> u8 {
        self.0
    }

    /// Whether the number is in the dynamic range 96..=127 (RFC 3551 §6).
    pub fn is_dynamic(self) -> bool {
        self.0 >= 96
    }

    /// The codec statically bound to this number, if any (RFC 3551 §6 Tables 4 and 5).
    pub fn static_codec(self) -> Option<RtpCodec> {
        STATIC_TABLE
            .iter()
            .find(|s| s.0 == self.0)
            .map(|&(_, name, rate, channels)| RtpCodec::new(name, rate, channels))
    }

    /// Parses a `fmt` of an RTP media line: digits, at most 127 (RFC 8866 §5.14).
    pub(crate) fn parse(s: &str) -> Option<PayloadType> {
        lex::digits::<u8>(s).and_then(PayloadType::new)
    }
}

impl fmt::Display for PayloadType {
    /// Prints the number as it appears in `m=` formats and attributes (RFC 8866 §5.14).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The static payload types of RFC 3551 §6 Tables 4 and 5: number, encoding name, clock
/// rate, channel count (`None`: one, or unspecified for MPA and video).
const STATIC_TABLE: [(u8, &str, u32, Option<u16>); 24] = [
    (0, "PCMU", 8000, None),
    (3, "GSM", 8000, None),
    (4, "G723", 8000, None),
    (5, "DVI4", 8000, None),
    (6, "DVI4", 16000, None),
    (7, "LPC", 8000, None),
    (8, "PCMA", 8000, None),
    (9, "G722", 8000, None),
    (10, "L16", 44100, Some(2)),
    (11, "L16", 44100, None),
    (12, "QCELP", 8000, None),
    (13, "CN", 8000, None),
    (14, "MPA", 90000, None),
    (15, "G728", 8000, None),
    (16, "DVI4", 11025, None),
    (17, "DVI4", 22050, None),
    (18, "G729", 8000, None),
    (25, "CelB", 90000, None),
    (26, "JPEG", 90000, None),
    (28, "nv", 90000, None),
    (31, "H261", 90000, None),
    (32, "MPV", 90000, None),
    (33, "MP2T", 90000, None),
    (34, "H263", 90000, None),
];

/// A codec as named by `a=rtpmap` (RFC 8866 §6.6): encoding name, clock rate, channels.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RtpCodec {
    /// Encoding name as registered, e.g. `PCMA`, `opus`, `telephone-event`.
    pub encoding: String,
    /// RTP clock rate in Hz.
    pub clock_rate: u32,
    /// Audio channel count; `None` means one (RFC 8866 §6.6).
    pub channels: Option<u16>,
}

impl RtpCodec {
    /// Builds a codec description (RFC 8866 §6.6).
    pub fn new(encoding: impl Into<String>, clock_rate: u32, channels: Option<u16>) -> RtpCodec {
        RtpCodec {
            encoding: encoding.into(),
            clock_rate,
            channels,
        }
    }

    /// Whether both describe the same codec: encoding names equal ignoring ASCII case
    /// (media subtype names are case-insensitive, RFC 4855 §3), same clock rate, same
    /// channel count with `None` meaning one (RFC 8866 §6.6; RFC 3264 §6.1).
    pub fn matches(&self, other: &RtpCodec) -> bool {
        self.encoding.eq_ignore_ascii_case(&other.encoding)
            && self.clock_rate == other.clock_rate
            && self.channels.unwrap_or(1) == other.channels.unwrap_or(1)
    }

    /// Whether this is the RFC 4733 `telephone-event` payload format (RFC 4733 §7.1.1).
    pub fn is_telephone_event(&self) -> bool {
        self.encoding.eq_ignore_ascii_case("telephone-event")
    }

    /// The static payload type bound to this codec, if one is (RFC 3551 §6).
    pub fn static_payload_type(&self) -> Option<PayloadType> {
        STATIC_TABLE
            .iter()
            .find(|&&(_, name, rate, channels)| self.matches(&RtpCodec::new(name, rate, channels)))
            .and_then(|s| PayloadType::new(s.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3551_s6_static_table() {
        let name = |n: u8| PayloadType::new(n).and_then(PayloadType::static_codec);
        assert_eq!(name(0), Some(RtpCodec::new("PCMU", 8000, None)));
        assert_eq!(name(8), Some(RtpCodec::new("PCMA", 8000, None)));
        assert_eq!(name(9), Some(RtpCodec::new("G722", 8000, None)));
        assert_eq!(name(3), Some(RtpCodec::new("GSM", 8000, None)));
        assert_eq!(name(18), Some(RtpCodec::new("G729", 8000, None)));
        assert_eq!(name(13), Some(RtpCodec::new("CN", 8000, None)));
        assert_eq!(name(10), Some(RtpCodec::new("L16", 44100, Some(2))));
        assert_eq!(name(1), None);
        assert_eq!(name(19), None);
        assert_eq!(name(96), None);
        assert_eq!(name(101), None);
    }

    #[test]
    fn payload_type_range_rfc3550_s5_1() {
        assert!(PayloadType::new(127).is_some());
        assert!(PayloadType::new(128).is_none());
        assert_eq!(PayloadType::parse("101").map(PayloadType::get), Some(101));
        assert_eq!(PayloadType::parse("128"), None);
        assert_eq!(PayloadType::parse("x"), None);
        assert!(PayloadType::FIRST_DYNAMIC.is_dynamic());
        assert!(!PayloadType::G729.is_dynamic());
    }

    #[test]
    fn codec_matching_rfc8866_s6_6() {
        let pcma = RtpCodec::new("PCMA", 8000, None);
        assert!(pcma.matches(&RtpCodec::new("pcma", 8000, Some(1))));
        assert!(!pcma.matches(&RtpCodec::new("PCMA", 16000, None)));
        assert!(!pcma.matches(&RtpCodec::new("PCMA", 8000, Some(2))));
        assert_eq!(pcma.static_payload_type(), Some(PayloadType::PCMA));
        assert_eq!(
            RtpCodec::new("opus", 48000, Some(2)).static_payload_type(),
            None
        );
        assert!(RtpCodec::new("Telephone-Event", 8000, None).is_telephone_event());
    }
}
