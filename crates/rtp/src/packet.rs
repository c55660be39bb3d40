//! A zero-copy view of an RTP data packet: the fixed header, CSRC list, header extension
//! and padding (RFC 3550 §5.1, §5.3.1), validated as in RFC 3550 §A.1.
//!
//! Invariants: an [`RtpPacket`] only exists for bytes whose version is 2 and whose CSRC
//! list, extension and padding fit inside the datagram, so every accessor is infallible;
//! [`RtpPacket::parse`] never panics on any input.

use crate::Error;

/// Size of the RTP fixed header in bytes (RFC 3550 §5.1).
pub const FIXED_HEADER_LEN: usize = 12;

/// The RTP version this crate speaks (RFC 3550 §5.1 `V`).
pub const VERSION: u8 = 2;

/// A validated RTP packet borrowed from a datagram (RFC 3550 §5.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RtpPacket<'a> {
    bytes: &'a [u8],
    /// Offset of the payload: fixed header, CSRCs and extension.
    payload_start: usize,
    /// End of the payload: the datagram length minus the padding.
    payload_end: usize,
}

fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

impl<'a> RtpPacket<'a> {
    /// Validates `bytes` as one RTP packet (RFC 3550 §5.1, checks of §A.1: version 2,
    /// CSRC list and extension inside the datagram, padding count in range).
    pub fn parse(bytes: &'a [u8]) -> Result<Self, Error> {
        let len = bytes.len();
        if len < FIXED_HEADER_LEN {
            return Err(Error::Truncated {
                needed: FIXED_HEADER_LEN,
                len,
            });
        }
        let version = bytes[0] >> 6;
        if version != VERSION {
            return Err(Error::Version(version));
        }
        let mut start = FIXED_HEADER_LEN + 4 * usize::from(bytes[0] & 0x0f);
        if len < start {
            return Err(Error::Truncated { needed: start, len });
        }
        if bytes[0] & 0x10 != 0 {
            let needed = start + 4;
            if len < needed {
                return Err(Error::Truncated { needed, len });
            }
            let words = usize::from(be16(bytes, start + 2));
            start = needed + 4 * words;
            if len < start {
                return Err(Error::Truncated { needed: start, len });
            }
        }
        let mut end = len;
        if bytes[0] & 0x20 != 0 {
            let pad = usize::from(bytes[len - 1]);
            if pad == 0 || pad > len - start {
                return Err(Error::Padding);
            }
            end -= pad;
        }
        Ok(RtpPacket {
            bytes,
            payload_start: start,
            payload_end: end,
        })
    }

    /// Whether the P bit is set: the datagram ends with padding (RFC 3550 §5.1).
    pub fn has_padding(&self) -> bool {
        self.bytes[0] & 0x20 != 0
    }

    /// Whether the X bit is set: a header extension follows the CSRCs (RFC 3550 §5.1,
    /// §5.3.1).
    pub fn has_extension(&self) -> bool {
        self.bytes[0] & 0x10 != 0
    }

    /// The CC field: number of CSRC identifiers, 0..=15 (RFC 3550 §5.1).
    pub fn csrc_count(&self) -> u8 {
        self.bytes[0] & 0x0f
    }

    /// The M bit, e.g. the start of a talkspurt for audio (RFC 3550 §5.1, RFC 3551 §4.1).
    pub fn marker(&self) -> bool {
        self.bytes[1] & 0x80 != 0
    }

    /// The 7-bit PT field (RFC 3550 §5.1).
    pub fn payload_type(&self) -> u8 {
        self.bytes[1] & 0x7f
    }

    /// The sequence number (RFC 3550 §5.1).
    pub fn sequence(&self) -> u16 {
        be16(self.bytes, 2)
    }

    /// The RTP timestamp, in units of the payload's clock rate (RFC 3550 §5.1).
    pub fn timestamp(&self) -> u32 {
        be32(self.bytes, 4)
    }

    /// The synchronization source identifier (RFC 3550 §5.1).
    pub fn ssrc(&self) -> u32 {
        be32(self.bytes, 8)
    }

    /// The contributing sources, in order (RFC 3550 §5.1 CSRC list).
    pub fn csrcs(&self) -> impl Iterator<Item = u32> + 'a {
        let bytes = self.bytes;
        (0..usize::from(self.csrc_count())).map(move |i| be32(bytes, FIXED_HEADER_LEN + 4 * i))
    }

    /// The header extension as (profile-defined 16 bits, data), if the X bit is set
    /// (RFC 3550 §5.3.1).
    pub fn extension(&self) -> Option<(u16, &'a [u8])> {
        if !self.has_extension() {
            return None;
        }
        let at = FIXED_HEADER_LEN + 4 * usize::from(self.csrc_count());
        let bytes = self.bytes;
        Some((be16(bytes, at), &bytes[at + 4..self.payload_start]))
    }

    /// The payload, without header, CSRCs, extension or padding (RFC 3550 §5.1).
    pub fn payload(&self) -> &'a [u8] {
        &self.bytes[self.payload_start..self.payload_end]
    }

    /// The whole datagram as received (RFC 3550 §5.1).
    pub fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(first: u8, second: u8) -> Vec<u8> {
        let mut b = vec![
            first, second, 0x12, 0x34, 0, 0, 0x01, 0x40, 0xde, 0xad, 0xbe, 0xef,
        ];
        b.extend_from_slice(b"\x01\x02\x03\x04");
        b
    }

    #[test]
    fn parses_fixed_header() {
        let b = header(0x80, 0x80 | 8);
        let p = RtpPacket::parse(&b).expect("valid");
        assert!(p.marker());
        assert_eq!(p.payload_type(), 8);
        assert_eq!(p.sequence(), 0x1234);
        assert_eq!(p.timestamp(), 320);
        assert_eq!(p.ssrc(), 0xdead_beef);
        assert_eq!(p.csrc_count(), 0);
        assert!(!p.has_padding() && !p.has_extension());
        assert_eq!(p.payload(), b"\x01\x02\x03\x04");
        assert_eq!(p.as_bytes(), &b[..]);
        assert_eq!(p.extension(), None);
    }

    #[test]
    fn parses_csrcs_extension_and_padding() {
        let mut b = vec![0x80 | 0x20 | 0x10 | 2, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3];
        b.extend_from_slice(&[0, 0, 0, 7, 0, 0, 0, 9]); // two CSRCs
        b.extend_from_slice(&[0xbe, 0xde, 0, 1, 0xaa, 0xbb, 0xcc, 0xdd]); // extension
        b.extend_from_slice(&[5, 6]); // payload
        b.extend_from_slice(&[0, 0, 3]); // padding, count 3
        let p = RtpPacket::parse(&b).expect("valid");
        assert_eq!(p.csrcs().collect::<Vec<_>>(), vec![7, 9]);
        assert_eq!(p.extension(), Some((0xbede, &[0xaa, 0xbb, 0xcc, 0xdd][..])));
        assert_eq!(p.payload(), &[5, 6]);
    }

    #[test]
    fn rejects_bad_input() {
        assert_eq!(
            RtpPacket::parse(&[0x80; 11]),
            Err(Error::Truncated {
                needed: 12,
                len: 11
            })
        );
        assert_eq!(RtpPacket::parse(&header(0x40, 0)), Err(Error::Version(1)));
        assert_eq!(
            RtpPacket::parse(&header(0x80 | 3, 0)),
            Err(Error::Truncated {
                needed: 24,
                len: 16
            })
        );
        let mut ext = header(0x90, 0);
        ext[14] = 0;
        ext[15] = 2;
        assert_eq!(
            RtpPacket::parse(&ext),
            Err(Error::Truncated {
                needed: 24,
                len: 16
            })
        );
        let mut pad = header(0xa0, 0);
        *pad.last_mut().expect("non-empty") = 0;
        assert_eq!(RtpPacket::parse(&pad), Err(Error::Padding));
        *pad.last_mut().expect("non-empty") = 5;
        assert_eq!(RtpPacket::parse(&pad), Err(Error::Padding));
        *pad.last_mut().expect("non-empty") = 4;
        assert_eq!(RtpPacket::parse(&pad).map(|p| p.payload().len()), Ok(0));
    }
}
