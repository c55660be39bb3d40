//! The error types of the crate: why bytes are not a usable WAV file (RIFF/WAVE, as read
//! by `hound`), and why bytes are not a valid RFC 4733 §2.3 telephone-event payload or
//! SIP INFO DTMF body.
//!
//! Invariant: errors carry only sizes, header values and short descriptions, never
//! sample or body bytes.

/// Why a WAV file cannot be read, converted or written.
#[derive(Debug, thiserror::Error)]
pub enum WavError {
    /// The bytes do not start with a RIFF/WAVE header.
    #[error("not a WAV file")]
    NotWav,
    /// A WAVE file in an encoding this crate does not read (e.g. compressed, 12-bit,
    /// more than two channels).
    #[error("unsupported WAV format: {0}")]
    Unsupported(String),
    /// The file holds no samples.
    #[error("WAV file has no samples")]
    Empty,
    /// The file is longer than the caller's limit.
    #[error("WAV file lasts {duration_ms} ms, limit {limit_ms} ms")]
    TooLong {
        /// Duration declared by the header, in milliseconds.
        duration_ms: u64,
        /// The caller's limit, in milliseconds.
        limit_ms: u64,
    },
    /// The header is inconsistent or the sample data is truncated.
    #[error("corrupt WAV file: {0}")]
    Corrupt(String),
    /// Writing to the destination failed.
    #[error("WAV write failed: {0}")]
    Io(#[from] std::io::Error),
}

/// Why bytes are not a valid telephone-event payload (RFC 4733 §2.3) or SIP INFO DTMF
/// body (`application/dtmf-relay`, `application/dtmf`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    /// The payload is shorter than the 4-byte event block (RFC 4733 §2.3).
    #[error("telephone-event payload of {0} bytes, at least 4 needed")]
    Truncated(usize),
    /// An event code outside the DTMF range 0..=15 where a digit is required
    /// (RFC 4733 §3.2).
    #[error("event {0} is not a DTMF digit")]
    NotDtmf(u8),
    /// A SIP INFO body whose content type is neither `application/dtmf-relay` nor
    /// `application/dtmf`.
    #[error("unsupported content type")]
    ContentType,
    /// A SIP INFO body without a valid digit.
    #[error("malformed DTMF body")]
    Body,
}
