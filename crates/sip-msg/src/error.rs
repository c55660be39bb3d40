//! Error types of the parser (RFC 3261 §7) and of the typed header views (RFC 3261 §20).
//!
//! Invariant: every error carries enough context to answer the peer (a 400 reason phrase
//! naming the bad header or line) without echoing unbounded peer data.

/// Why a byte buffer is not a SIP message (RFC 3261 §7, §18.3).
#[derive(Debug, thiserror::Error, PartialEq, Eq, Clone)]
pub enum ParseError {
    /// The message is larger than [`crate::MAX_MESSAGE_SIZE`].
    #[error("message too large")]
    TooLarge,
    /// The header section has no terminating empty line (RFC 3261 §7).
    #[error("incomplete message")]
    Incomplete,
    /// The Request-Line or Status-Line is malformed (RFC 3261 §7.1, §7.2).
    #[error("bad start line: {0}")]
    BadStartLine(String),
    /// The SIP-Version is not `SIP/2.0` (RFC 3261 §7.1).
    #[error("unsupported SIP version")]
    BadVersion,
    /// A header line is malformed; `line` is its 1-based line number in the message.
    #[error("bad header on line {line}")]
    BadHeader {
        /// 1-based line number (the start line is line 1).
        line: usize,
    },
    /// Content-Length is not a number, or several disagree (RFC 3261 §20.14).
    #[error("bad Content-Length")]
    BadContentLength,
    /// A stream message has no Content-Length (RFC 3261 §18.3).
    #[error("missing Content-Length on a stream")]
    MissingContentLength,
    /// Fewer body bytes than Content-Length declares (RFC 3261 §18.3).
    #[error("body shorter than Content-Length")]
    BodyTooShort,
}

/// A header that is missing, repeated or malformed (RFC 3261 §20); `header` is its canonical
/// name, suitable for a "400 Bad <header>" reason phrase.
#[derive(Debug, thiserror::Error, PartialEq, Eq, Clone)]
#[error("bad {header} header: {reason}")]
pub struct HeaderError {
    /// Canonical header name (or "Request-URI").
    pub header: &'static str,
    /// Human-readable reason.
    pub reason: String,
}

impl HeaderError {
    /// Builds an error for `header` with `reason`.
    pub(crate) fn new(header: &'static str, reason: impl Into<String>) -> Self {
        HeaderError {
            header,
            reason: reason.into(),
        }
    }
}
