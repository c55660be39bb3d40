//! The [`Codec`] interface over the audio codecs the media applications speak: RTP
//! payload type and encoding name (RFC 3551 §6 Table 4), clock rate, samples per 20 ms
//! frame, and slice encode/decode. Today G.711 µ-law (PCMU) and A-law (PCMA); a new codec
//! is a new variant.
//!
//! Invariant: `encode` and `decode` are total and append to the caller's buffer, so one
//! buffer can be reused across frames without reallocation.

use crate::g711;

/// An audio codec of the media applications (RFC 3551 §4.5, §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Codec {
    /// ITU-T G.711 µ-law, static payload type 0 (RFC 3551 §4.5.14).
    Pcmu,
    /// ITU-T G.711 A-law, static payload type 8 (RFC 3551 §4.5.14).
    Pcma,
}

impl Codec {
    /// Every codec, in order of preference for offers.
    pub const ALL: [Codec; 2] = [Codec::Pcmu, Codec::Pcma];

    /// The static RTP payload type (RFC 3551 §6 Table 4).
    pub const fn payload_type(self) -> u8 {
        match self {
            Codec::Pcmu => 0,
            Codec::Pcma => 8,
        }
    }

    /// The encoding name as used in SDP `a=rtpmap` (RFC 3551 §6 Table 4, RFC 4566 §6).
    pub const fn name(self) -> &'static str {
        match self {
            Codec::Pcmu => "PCMU",
            Codec::Pcma => "PCMA",
        }
    }

    /// The RTP clock rate in Hz (RFC 3551 §4.5.14: 8000 for G.711).
    pub const fn clock_rate(self) -> u32 {
        match self {
            Codec::Pcmu | Codec::Pcma => 8000,
        }
    }

    /// Samples in one 20 ms frame, the default packetization (RFC 3551 §4.2, §4.5.14).
    pub const fn samples_per_frame(self) -> usize {
        (self.clock_rate() / 50) as usize
    }

    /// The codec with a static payload type, if it is one of ours (RFC 3551 §6 Table 4).
    pub const fn from_payload_type(pt: u8) -> Option<Codec> {
        match pt {
            0 => Some(Codec::Pcmu),
            8 => Some(Codec::Pcma),
            _ => None,
        }
    }

    /// The codec with this encoding name, ASCII case-insensitive as SDP requires
    /// (RFC 4566 §6 `rtpmap`, RFC 3551 §6).
    pub fn from_name(name: &str) -> Option<Codec> {
        Codec::ALL
            .into_iter()
            .find(|c| c.name().eq_ignore_ascii_case(name))
    }

    /// Appends the linear PCM decoding of `payload` to `out` (ITU-T G.711).
    pub fn decode(self, payload: &[u8], out: &mut Vec<i16>) {
        match self {
            Codec::Pcmu => g711::decode_ulaw(payload, out),
            Codec::Pcma => g711::decode_alaw(payload, out),
        }
    }

    /// Appends the encoding of linear PCM `pcm` to `out` (ITU-T G.711).
    pub fn encode(self, pcm: &[i16], out: &mut Vec<u8>) {
        match self {
            Codec::Pcmu => g711::encode_ulaw(pcm, out),
            Codec::Pcma => g711::encode_alaw(pcm, out),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptors() {
        assert_eq!(Codec::Pcmu.payload_type(), 0);
        assert_eq!(Codec::Pcma.payload_type(), 8);
        assert_eq!(Codec::Pcma.samples_per_frame(), 160);
        assert_eq!(Codec::from_payload_type(8), Some(Codec::Pcma));
        assert_eq!(Codec::from_payload_type(18), None);
        assert_eq!(Codec::from_name("pcmu"), Some(Codec::Pcmu));
        assert_eq!(Codec::from_name("G729"), None);
        for c in Codec::ALL {
            assert_eq!(Codec::from_payload_type(c.payload_type()), Some(c));
            assert_eq!(c.clock_rate(), 8000);
        }
    }

    #[test]
    fn frame_round_trip() {
        let pcm: Vec<i16> = (0..160)
            .map(|i| ((i * 397) % 20000 - 10000) as i16)
            .collect();
        for c in Codec::ALL {
            let mut bytes = Vec::new();
            c.encode(&pcm, &mut bytes);
            assert_eq!(bytes.len(), 160);
            let mut back = Vec::new();
            c.decode(&bytes, &mut back);
            for (a, b) in pcm.iter().zip(&back) {
                assert!(
                    (i32::from(*a) - i32::from(*b)).abs() <= 700,
                    "{c:?} {a} {b}"
                );
            }
        }
    }
}
