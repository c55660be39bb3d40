//! Error types of the SDP parser (RFC 8866 §5, §9) and of offer/answer (RFC 3264).
//!
//! Invariant: errors name the offending line by number and type letter only, never by its
//! text, so they can be used verbatim as a SIP reason phrase (a 488 answer, RFC 3261
//! §21.4.26) without echoing peer data.

/// Why a text is not a valid session description (RFC 8866 §5, §9).
#[derive(Debug, thiserror::Error, PartialEq, Eq, Clone)]
pub enum ParseError {
    /// The body is not UTF-8 (RFC 8866 §5: text fields are UTF-8 by default); `line` is the
    /// 1-based line holding the first invalid byte.
    #[error("line {line}: not UTF-8")]
    NotUtf8 {
        /// 1-based line number.
        line: usize,
    },
    /// A mandatory line is absent: `v=`, `o=`, `s=` or `t=` (RFC 8866 §5).
    #[error("missing {kind}= line")]
    Missing {
        /// The type letter of the missing line.
        kind: char,
    },
    /// A line is not of the form `<type>=<value>` with a lower-case type letter
    /// (RFC 8866 §5; unknown lower-case types are ignored instead).
    #[error("line {line}: not a <type>=<value> line")]
    Syntax {
        /// 1-based line number.
        line: usize,
    },
    /// A line holds a NUL or a lone CR (RFC 8866 §9 `byte-string`).
    #[error("line {line}: illegal character")]
    IllegalCharacter {
        /// 1-based line number.
        line: usize,
    },
    /// The value of a known line type does not follow its grammar (RFC 8866 §5.x, §9).
    #[error("line {line}: bad {kind}= line")]
    Malformed {
        /// 1-based line number.
        line: usize,
        /// The type letter of the line.
        kind: char,
    },
    /// A known line appears where RFC 8866 §5 does not allow it (out of order or repeated).
    #[error("line {line}: unexpected {kind}= line")]
    Unexpected {
        /// 1-based line number.
        line: usize,
        /// The type letter of the line.
        kind: char,
    },
    /// `v=` is not `0` (RFC 8866 §5.1).
    #[error("line {line}: unsupported SDP version")]
    BadVersion {
        /// 1-based line number.
        line: usize,
    },
    /// The port or port count of an `m=` line is not a valid number (RFC 8866 §5.14).
    #[error("line {line}: bad port")]
    BadPort {
        /// 1-based line number.
        line: usize,
    },
    /// A media description has no `c=` line and the session has none either
    /// (RFC 8866 §5.7); `line` is that of the `m=` line.
    #[error("line {line}: media without connection address")]
    MissingConnection {
        /// 1-based line number of the `m=` line.
        line: usize,
    },
}

impl ParseError {
    /// The 1-based line the error refers to, if it refers to one (RFC 8866 §5).
    pub fn line(&self) -> Option<usize> {
        match self {
            ParseError::Missing { .. } => None,
            ParseError::NotUtf8 { line }
            | ParseError::Syntax { line }
            | ParseError::IllegalCharacter { line }
            | ParseError::Malformed { line, .. }
            | ParseError::Unexpected { line, .. }
            | ParseError::BadVersion { line }
            | ParseError::BadPort { line }
            | ParseError::MissingConnection { line } => Some(*line),
        }
    }
}

/// Why an offer cannot be answered, an answer does not fit its offer, or a description cannot
/// be rewritten (RFC 3264 §5, §6, §7).
#[derive(Debug, thiserror::Error, PartialEq, Eq, Clone)]
pub enum NegotiationError {
    /// Every active offered stream had to be rejected (RFC 3264 §6: the session is refused,
    /// a SIP server answers 488).
    #[error("no acceptable media")]
    NoAcceptableMedia,
    /// The answer has a different number of `m=` lines than the offer (RFC 3264 §6).
    #[error("answer has {answered} media streams, offer had {offered}")]
    StreamCount {
        /// Number of `m=` lines in the offer.
        offered: usize,
        /// Number of `m=` lines in the answer.
        answered: usize,
    },
    /// Answer stream `index` has another media type than the offered one (RFC 3264 §6).
    #[error("answer stream {index} changes the media type")]
    MediaMismatch {
        /// 0-based index of the stream.
        index: usize,
    },
    /// Answer stream `index` is accepted but shares no format with the offer
    /// (RFC 3264 §6.1).
    #[error("answer stream {index} has no offered format")]
    NoCommonFormat {
        /// 0-based index of the stream.
        index: usize,
    },
    /// Answer stream `index` accepts a stream the offer disabled with port 0
    /// (RFC 3264 §8.2).
    #[error("answer stream {index} accepts a disabled stream")]
    Reactivated {
        /// 0-based index of the stream.
        index: usize,
    },
    /// The relay rewrite got another number of endpoints than there are streams.
    #[error("{endpoints} relay endpoints for {streams} media streams")]
    EndpointCount {
        /// Number of `m=` lines in the description.
        streams: usize,
        /// Number of endpoints given.
        endpoints: usize,
    },
}
