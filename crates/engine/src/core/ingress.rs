//! First look at received bytes: size limit, then the parser (RFC 3261 §18.3, §7).
//!
//! Invariant: nothing here panics or allocates more than the input's size; every
//! rejection says why, so the transport can count it and log it with the source.

use vpbx_sip_msg::{Message, ParseError, MAX_MESSAGE_SIZE};

/// Why received bytes were dropped without an answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejected {
    /// Larger than [`MAX_MESSAGE_SIZE`].
    #[error("message of {0} bytes exceeds the {MAX_MESSAGE_SIZE}-byte limit")]
    TooLarge(usize),
    /// Not SIP at all, or a start line or header block that cannot be read.
    #[error("unparseable: {0}")]
    Unparseable(ParseError),
}

/// Parses one datagram or one framed stream message.
pub fn decode(bytes: &[u8]) -> Result<Message, Rejected> {
    if bytes.len() > MAX_MESSAGE_SIZE {
        return Err(Rejected::TooLarge(bytes.len()));
    }
    Message::parse(bytes).map_err(Rejected::Unparseable)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_garbage_and_oversize() {
        assert!(matches!(
            decode(b"\x00\x01garbage"),
            Err(Rejected::Unparseable(_))
        ));
        let big = vec![b'a'; MAX_MESSAGE_SIZE + 1];
        assert_eq!(decode(&big), Err(Rejected::TooLarge(MAX_MESSAGE_SIZE + 1)));
    }
}
