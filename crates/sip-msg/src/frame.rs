//! Message framing on stream transports (RFC 3261 §18.3: Content-Length delimits the body;
//! RFC 5626 §3.5.1 CRLF keep-alives).
//!
//! Invariants: `frame` never reports a message longer than [`MAX_MESSAGE_SIZE`]; it looks at
//! headers only as far as needed to find Content-Length and the end of the header section.

use crate::error::ParseError;
use crate::headers::parse_digits;
use crate::lex::is_ws;
use crate::parse::{leading_crlf, next_line};
use crate::MAX_MESSAGE_SIZE;

/// Result of looking at the start of a stream buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Frame {
    /// Leading CRLF keep-alive bytes to consume (RFC 5626 §3.5.1 "\r\n\r\n" ping or a single
    /// CRLF pong).
    KeepAlive(usize),
    /// A complete message of this many bytes starts the buffer.
    Message(usize),
    /// More bytes are needed.
    Incomplete,
}

/// True if `name` is Content-Length in full or compact form (RFC 3261 §7.3.3).
fn is_content_length(name: &[u8]) -> bool {
    name.eq_ignore_ascii_case(b"content-length") || name.eq_ignore_ascii_case(b"l")
}

/// Looks at the start of a stream buffer (RFC 3261 §18.3). Errors if the header section
/// exceeds [`MAX_MESSAGE_SIZE`], the message would, or Content-Length is missing, malformed
/// or contradictory; the caller should then close the connection.
pub fn frame(buf: &[u8]) -> Result<Frame, ParseError> {
    let crlf = leading_crlf(buf);
    if crlf > 0 {
        return Ok(Frame::KeepAlive(crlf));
    }
    if buf.is_empty() {
        return Ok(Frame::Incomplete);
    }
    let mut pos = 0;
    let mut first = true;
    let mut content_length: Option<usize> = None;
    loop {
        let Some((line, next)) = next_line(buf, pos) else {
            return if buf.len() > MAX_MESSAGE_SIZE {
                Err(ParseError::TooLarge)
            } else {
                Ok(Frame::Incomplete)
            };
        };
        if next > MAX_MESSAGE_SIZE {
            return Err(ParseError::TooLarge);
        }
        pos = next;
        if line.is_empty() {
            break;
        }
        if std::mem::take(&mut first) || line.first().is_some_and(|&b| is_ws(b)) {
            continue;
        }
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let (name, value) = line.split_at(colon);
        if !is_content_length(name.trim_ascii_end()) {
            continue;
        }
        let n = std::str::from_utf8(value.get(1..).unwrap_or_default())
            .ok()
            .and_then(parse_digits::<usize>)
            .ok_or(ParseError::BadContentLength)?;
        if content_length.is_some_and(|old| old != n) {
            return Err(ParseError::BadContentLength);
        }
        content_length = Some(n);
    }
    let cl = content_length.ok_or(ParseError::MissingContentLength)?;
    let total = pos.checked_add(cl).ok_or(ParseError::TooLarge)?;
    if total > MAX_MESSAGE_SIZE {
        return Err(ParseError::TooLarge);
    }
    Ok(if buf.len() >= total {
        Frame::Message(total)
    } else {
        Frame::Incomplete
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keepalives() {
        assert_eq!(frame(b""), Ok(Frame::Incomplete));
        assert_eq!(frame(b"\r\n\r\n"), Ok(Frame::KeepAlive(4)));
        assert_eq!(frame(b"\r\nINVITE"), Ok(Frame::KeepAlive(2)));
    }

    #[test]
    fn messages() {
        let msg = b"OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h\r\ncontent-length : 3\r\n\r\nabc";
        assert_eq!(frame(msg), Ok(Frame::Message(msg.len())));
        let mut two = msg.to_vec();
        two.extend_from_slice(msg);
        assert_eq!(frame(&two), Ok(Frame::Message(msg.len())));
        for cut in 0..msg.len() {
            assert_eq!(frame(&msg[..cut]), Ok(Frame::Incomplete), "{cut}");
        }
        let compact = b"SIP/2.0 200 OK\r\nl: 0\r\n\r\n";
        assert_eq!(frame(compact), Ok(Frame::Message(compact.len())));
    }

    #[test]
    fn errors() {
        assert_eq!(
            frame(b"OPTIONS sip:a@b SIP/2.0\r\nVia: x\r\n\r\n"),
            Err(ParseError::MissingContentLength)
        );
        assert_eq!(
            frame(b"OPTIONS sip:a@b SIP/2.0\r\nContent-Length: x\r\n\r\n"),
            Err(ParseError::BadContentLength)
        );
        assert_eq!(
            frame(b"OPTIONS sip:a@b SIP/2.0\r\nl: 1\r\nContent-Length: 2\r\n\r\n"),
            Err(ParseError::BadContentLength)
        );
        assert_eq!(
            frame(b"OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 99999999999999999999999\r\n\r\n"),
            Err(ParseError::BadContentLength)
        );
        assert_eq!(
            frame(b"OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 70000\r\n\r\n"),
            Err(ParseError::TooLarge)
        );
        let long = vec![b'a'; MAX_MESSAGE_SIZE + 1];
        assert_eq!(frame(&long), Err(ParseError::TooLarge));
        let mut long_header = b"OPTIONS sip:a@b SIP/2.0\r\nX: ".to_vec();
        long_header.extend(std::iter::repeat_n(b'a', MAX_MESSAGE_SIZE));
        long_header.extend_from_slice(b"\r\n");
        assert_eq!(frame(&long_header), Err(ParseError::TooLarge));
    }
}
