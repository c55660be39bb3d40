//! The error type of the crate: why bytes are not a valid RTP packet (RFC 3550 §5.1,
//! §A.1) or compound RTCP packet (RFC 3550 §6.1, §A.2).
//!
//! Invariant: errors carry only sizes and header values, never payload bytes.

/// Why a datagram is not valid RTP (RFC 3550 §5.1, §A.1) or RTCP (RFC 3550 §6.1, §A.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The datagram ends before the header, CSRC list, extension or a declared length
    /// (RFC 3550 §5.1, §5.3.1, §6.4).
    #[error("truncated: {needed} bytes needed, {len} present")]
    Truncated {
        /// Bytes the headers declare.
        needed: usize,
        /// Bytes present.
        len: usize,
    },
    /// The version field is not 2 (RFC 3550 §5.1, §A.1, §A.2).
    #[error("version {0}, expected 2")]
    Version(u8),
    /// The padding count is zero or exceeds the payload (RFC 3550 §5.1 P bit, §A.1).
    #[error("invalid padding count")]
    Padding,
    /// The first packet of a compound RTCP packet is neither SR nor RR, or has padding
    /// (RFC 3550 §6.1, §A.2).
    #[error("compound RTCP does not start with an unpadded SR or RR")]
    NotReportFirst,
    /// Only the last packet of a compound RTCP packet may be padded (RFC 3550 §6.4.1, §A.2).
    #[error("padding on an RTCP packet that is not the last")]
    PaddingNotLast,
    /// The length fields of a compound RTCP packet do not add up to the datagram size
    /// (RFC 3550 §6.4.1, §A.2).
    #[error("RTCP lengths do not add up to {len} bytes")]
    Length {
        /// Bytes in the datagram.
        len: usize,
    },
}
