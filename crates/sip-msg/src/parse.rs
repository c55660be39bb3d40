//! One-pass parser of a whole SIP message (RFC 3261 §7: start line, header fields with
//! line folding, empty line, body; §18.3 Content-Length on datagrams).
//!
//! Invariants: never panics and never indexes out of bounds; allocates one `String` per
//! header field (plus one per list element) and one `Vec` for the body; every accepted
//! message prints back (via `Message::write_to`) to bytes that parse to an equal message.

use crate::error::ParseError;
use crate::headers::{parse_digits, HeaderName, Headers};
use crate::lex::{is_token_byte, is_ws, split_list};
use crate::message::{Message, Request, Response};
use crate::method::Method;
use crate::uri::Uri;
use crate::MAX_MESSAGE_SIZE;

/// Returns the line starting at `start` (without its CRLF or bare LF) and the offset of the
/// next line, or `None` if no line terminator follows.
pub(crate) fn next_line(buf: &[u8], start: usize) -> Option<(&[u8], usize)> {
    let rest = buf.get(start..)?;
    let nl = rest.iter().position(|&b| b == b'\n')?;
    let line = rest.get(..nl)?;
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    Some((line, start + nl + 1))
}

/// Number of leading CR/LF bytes (RFC 3261 §7.5: ignored before the start line).
pub(crate) fn leading_crlf(buf: &[u8]) -> usize {
    buf.iter()
        .take_while(|&&b| b == b'\r' || b == b'\n')
        .count()
}

/// True for bytes allowed in a reason phrase: anything but CTLs, HTAB excepted
/// (RFC 3261 §25.1 `Reason-Phrase`).
fn is_text_byte(b: u8) -> bool {
    b == b'\t' || (b >= 0x20 && b != 0x7f)
}

/// True if a header value contains no CTL other than HTAB, except where a `quoted-pair`
/// inside a `quoted-string` escapes one (RFC 3261 §25.1: `quoted-pair = "\" (%x00-09 /
/// %x0B-0C / %x0E-7F)`). CR and LF are never allowed.
fn is_valid_value(value: &[u8]) -> bool {
    let mut in_quote = false;
    let mut escaped = false;
    for &b in value {
        if b == b'\r' || b == b'\n' {
            return false;
        }
        if escaped {
            escaped = false;
            continue;
        }
        if !is_text_byte(b) {
            return false;
        }
        match b {
            b'"' => in_quote = !in_quote,
            b'\\' if in_quote => escaped = true,
            _ => {}
        }
    }
    true
}

/// Trims SP/HTAB from both ends of a byte slice.
fn trim_bytes(mut s: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = s {
        if is_ws(*first) {
            s = rest;
        } else {
            break;
        }
    }
    while let [rest @ .., last] = s {
        if is_ws(*last) {
            s = rest;
        } else {
            break;
        }
    }
    s
}

/// Case-insensitive ASCII prefix test.
fn starts_with_ci(s: &[u8], prefix: &[u8]) -> bool {
    s.get(..prefix.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
}

/// Checks an RFC 3261 §7.1 `SIP-Version`: `SIP/2.0` (case-insensitive) is accepted; any
/// other `SIP/<digits>.<digits>` is `BadVersion`; anything else is a bad start line.
fn check_version(v: &[u8]) -> Result<(), ParseError> {
    if v.eq_ignore_ascii_case(b"SIP/2.0") {
        return Ok(());
    }
    let digits_dot = v
        .get(4..)
        .is_some_and(|r| !r.is_empty() && r.iter().all(|&b| b.is_ascii_digit() || b == b'.'));
    if starts_with_ci(v, b"SIP/") && digits_dot {
        Err(ParseError::BadVersion)
    } else {
        Err(ParseError::BadStartLine("bad SIP-Version".into()))
    }
}

/// Start line of a message (RFC 3261 §7.1, §7.2).
enum StartLine {
    /// Request-Line.
    Request(Method, Uri),
    /// Status-Line.
    Response(u16, String),
}

/// Parses `Request-Line` or `Status-Line` (RFC 3261 §7.1, §7.2): single SP separators.
fn parse_start_line(line: &[u8]) -> Result<StartLine, ParseError> {
    let bad = |why: &str| ParseError::BadStartLine(why.to_owned());
    if starts_with_ci(line, b"SIP/") {
        let mut parts = line.splitn(3, |&b| b == b' ');
        check_version(parts.next().unwrap_or_default())?;
        let code = parts.next().ok_or_else(|| bad("missing status code"))?;
        if code.len() != 3 || !code.iter().all(u8::is_ascii_digit) {
            return Err(bad("bad status code"));
        }
        let status = parse_digits::<u16>(std::str::from_utf8(code).unwrap_or(""))
            .filter(|s| (100..=699).contains(s))
            .ok_or_else(|| bad("bad status code"))?;
        let reason = parts.next().unwrap_or_default();
        if !reason.iter().all(|&b| is_text_byte(b)) {
            return Err(bad("bad reason phrase"));
        }
        let reason = std::str::from_utf8(reason).map_err(|_| bad("reason phrase not UTF-8"))?;
        return Ok(StartLine::Response(status, reason.to_owned()));
    }
    let mut parts = line.split(|&b| b == b' ');
    let (Some(method), Some(uri), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad(
            "Request-Line must be Method SP Request-URI SP SIP-Version",
        ));
    };
    check_version(version)?;
    let method = std::str::from_utf8(method)
        .ok()
        .filter(|m| !m.is_empty() && m.bytes().all(is_token_byte))
        .and_then(|m| m.parse().ok())
        .ok_or_else(|| bad("bad method"))?;
    let uri = std::str::from_utf8(uri)
        .ok()
        .and_then(|u| u.parse().ok())
        .ok_or_else(|| bad("bad Request-URI"))?;
    Ok(StartLine::Request(method, uri))
}

/// Parses one whole message (see [`Message::parse`]).
pub(crate) fn parse_message(bytes: &[u8]) -> Result<Message, ParseError> {
    if bytes.len() > MAX_MESSAGE_SIZE {
        return Err(ParseError::TooLarge);
    }
    let start = leading_crlf(bytes);
    let (line, mut pos) = next_line(bytes, start).ok_or(ParseError::Incomplete)?;
    let start_line = parse_start_line(line)?;
    let mut headers = Headers::with_capacity(16);
    let mut lineno = 1usize;
    let mut content_length: Option<usize> = None;
    let mut folded = Vec::new();
    let body_start = loop {
        let (line, next) = next_line(bytes, pos).ok_or(ParseError::Incomplete)?;
        lineno += 1;
        if line.is_empty() {
            break next;
        }
        let bad = ParseError::BadHeader { line: lineno };
        let colon = line.iter().position(|&b| b == b':').ok_or(bad.clone())?;
        let (name, value) = line.split_at(colon);
        let value = value.get(1..).unwrap_or_default();
        let name = trim_bytes_end(name);
        if name.is_empty() || !name.iter().all(|&b| is_token_byte(b)) {
            return Err(bad);
        }
        pos = next;
        let mut value = trim_bytes(value);
        if bytes.get(pos).is_some_and(|&b| is_ws(b)) {
            folded.clear();
            folded.extend_from_slice(value);
            while bytes.get(pos).is_some_and(|&b| is_ws(b)) {
                let (cont, next) = next_line(bytes, pos).ok_or(ParseError::Incomplete)?;
                lineno += 1;
                pos = next;
                let cont = trim_bytes(cont);
                if !cont.is_empty() {
                    if !folded.is_empty() {
                        folded.push(b' ');
                    }
                    folded.extend_from_slice(cont);
                }
            }
            value = &folded;
        }
        if !is_valid_value(value) {
            return Err(ParseError::BadHeader { line: lineno });
        }
        let value =
            std::str::from_utf8(value).map_err(|_| ParseError::BadHeader { line: lineno })?;
        let name = HeaderName::parse(std::str::from_utf8(name).unwrap_or_default());
        if name == HeaderName::ContentLength {
            let n = parse_digits::<usize>(value).ok_or(ParseError::BadContentLength)?;
            if content_length.is_some_and(|old| old != n) {
                return Err(ParseError::BadContentLength);
            }
            content_length = Some(n);
        }
        if name.is_list() && !value.is_empty() {
            for item in split_list(value) {
                headers.push(name.clone(), item);
            }
        } else {
            headers.push(name, value);
        }
    };
    let rest = bytes.get(body_start..).unwrap_or_default();
    let body = match content_length {
        Some(n) => rest.get(..n).ok_or(ParseError::BodyTooShort)?,
        None => rest,
    };
    let body = body.to_vec();
    Ok(match start_line {
        StartLine::Request(method, uri) => Message::Request(Request {
            method,
            uri,
            headers,
            body,
        }),
        StartLine::Response(status, reason) => Message::Response(Response {
            status,
            reason,
            headers,
            body,
        }),
    })
}

/// Trims SP/HTAB at the end of a byte slice (RFC 3261 §25.1 `HCOLON`).
fn trim_bytes_end(mut s: &[u8]) -> &[u8] {
    while let [rest @ .., last] = s {
        if is_ws(*last) {
            s = rest;
        } else {
            break;
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Host, Transport};

    const REGISTER: &[u8] = b"REGISTER sip:127.0.0.1:5060 SIP/2.0\r\n\
Via: SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bK-1;rport\r\n\
From: <sip:1000@t1.example>;tag=1\r\n\
To: <sip:1000@t1.example>\r\n\
Call-ID: 1-1@127.0.0.1\r\n\
CSeq: 2 REGISTER\r\n\
Contact: <sip:1000@127.0.0.1:5172;transport=udp>\r\n\
Authorization: Digest username=\"1000\",realm=\"t1.example\",uri=\"sip:127.0.0.1:5060\",nonce=\"abc\",response=\"def\",algorithm=MD5,cnonce=\"cn\",qop=auth,nc=00000001\r\n\
Max-Forwards: 70\r\n\
Expires: 3600\r\n\
Content-Length: 0\r\n\
\r\n";

    fn req(bytes: &[u8]) -> Request {
        match parse_message(bytes) {
            Ok(Message::Request(r)) => r,
            other => panic!("not a request: {other:?}"),
        }
    }

    #[test]
    fn sipp_register() {
        let r = req(REGISTER);
        assert_eq!(r.method, Method::Register);
        assert_eq!(r.uri.host, Host::V4(std::net::Ipv4Addr::LOCALHOST));
        assert_eq!(r.headers.len(), 10);
        let via = r.headers.top_via().unwrap();
        assert_eq!(via.transport, Transport::Udp);
        assert_eq!(via.branch(), Some("z9hG4bK-1"));
        assert_eq!(r.headers.from().unwrap().tag(), Some("1"));
        assert_eq!(r.headers.call_id(), Ok("1-1@127.0.0.1"));
        assert_eq!(r.headers.cseq().unwrap().seq, 2);
        assert_eq!(r.headers.max_forwards(), Ok(Some(70)));
        assert_eq!(r.headers.expires(), Ok(Some(3600)));
        assert_eq!(r.headers.content_length(), Ok(Some(0)));
        let auth = r.headers.auth(&HeaderName::Authorization).unwrap();
        assert_eq!(auth.len(), 1);
        assert_eq!(auth[0].get("nc"), Some("00000001"));
        assert_eq!(r.headers.contacts().unwrap().len(), 1);
        assert_eq!(r.validate(), Ok(()));
        let m = Message::Request(r);
        assert_eq!(m.to_bytes(), REGISTER);
        assert_eq!(parse_message(&m.to_bytes()), Ok(m));
    }

    #[test]
    fn response_with_body_and_compact_forms() {
        let raw = b"\r\nSIP/2.0 200 OK\r\nv: SIP/2.0/UDP h;branch=z9hG4bKa, SIP/2.0/TCP h2\r\n\
f: <sip:a@b>;tag=1\r\nt: <sip:c@d>;tag=2\r\ni: x\r\nCSeq: 1 INVITE\r\nc: application/sdp\r\n\
l: 4\r\nk: 100rel,timer\r\nX-Custom :  folded\r\n   value\r\n\tmore\r\n\r\nv=0\r\nextra";
        let Ok(Message::Response(r)) = parse_message(raw) else {
            panic!("parse failed")
        };
        assert_eq!(r.status, 200);
        assert_eq!(r.reason, "OK");
        assert_eq!(r.body, b"v=0\r");
        assert_eq!(r.headers.vias().unwrap().len(), 2);
        assert_eq!(r.headers.get_all(&HeaderName::Supported).count(), 2);
        assert_eq!(
            r.headers.get(&HeaderName::Other("x-custom".into())),
            Some("folded value more")
        );
        assert_eq!(
            r.headers.get(&HeaderName::ContentType),
            Some("application/sdp")
        );
        assert_eq!(r.validate(), Ok(()));
        let m = Message::Response(r);
        assert_eq!(parse_message(&m.to_bytes()), Ok(m));
    }

    #[test]
    fn no_content_length_takes_rest() {
        let r = req(b"MESSAGE sip:a@b SIP/2.0\nVia: SIP/2.0/UDP h\n\nhello");
        assert_eq!(r.body, b"hello");
    }

    #[test]
    fn status_line_forms() {
        for (raw, status, reason) in [
            (&b"SIP/2.0 100\r\n\r\n"[..], 100, ""),
            (b"SIP/2.0 180 \r\n\r\n", 180, ""),
            (b"sip/2.0 699 x  y \r\n\r\n", 699, "x  y "),
        ] {
            let Ok(Message::Response(r)) = parse_message(raw) else {
                panic!("{raw:?}")
            };
            assert_eq!((r.status, r.reason.as_str()), (status, reason));
        }
    }

    #[test]
    fn errors() {
        use ParseError::*;
        let cases: &[(&[u8], ParseError)] = &[
            (b"", Incomplete),
            (b"INVITE sip:a@b SIP/2.0\r\nVia: x\r\n", Incomplete),
            (b"INVITE sip:a@b SIP/2.0\r\n", Incomplete),
            (b"INVITE sip:a@b SIP/3.0\r\n\r\n", BadVersion),
            (b"SIP/2.1 200 OK\r\n\r\n", BadVersion),
            (
                b"INVITE sip:a@b HTTP/1.1\r\n\r\n",
                BadStartLine("bad SIP-Version".into()),
            ),
            (
                b"SIP/2.0 2000 OK\r\n\r\n",
                BadStartLine("bad status code".into()),
            ),
            (
                b"SIP/2.0 099 OK\r\n\r\n",
                BadStartLine("bad status code".into()),
            ),
            (
                b"SIP/2.0 200 O\x01K\r\n\r\n",
                BadStartLine("bad reason phrase".into()),
            ),
            (
                b"SIP/2.0 200 \xffK\r\n\r\n",
                BadStartLine("reason phrase not UTF-8".into()),
            ),
            (
                b"INVITE  sip:a@b SIP/2.0\r\n\r\n",
                BadStartLine("Request-line must be Method SP Request-URI SP SIP-Version".into()),
            ),
            (
                b"INV@TE sip:a@b SIP/2.0\r\n\r\n",
                BadStartLine("bad method".into()),
            ),
            (
                b"INVITE <sip:a@b> SIP/2.0\r\n\r\n",
                BadStartLine("bad Request-URI".into()),
            ),
            (
                b"INVITE sip:a@b SIP/2.0\r\n folded\r\n\r\n",
                BadHeader { line: 2 },
            ),
            (
                b"INVITE sip:a@b SIP/2.0\r\nNoColon\r\n\r\n",
                BadHeader { line: 2 },
            ),
            (
                b"INVITE sip:a@b SIP/2.0\r\nA: b\r\nBad Name: x\r\n\r\n",
                BadHeader { line: 3 },
            ),
            (
                b"INVITE sip:a@b SIP/2.0\r\n: x\r\n\r\n",
                BadHeader { line: 2 },
            ),
            (
                b"INVITE sip:a@b SIP/2.0\r\nA: \x00\r\n\r\n",
                BadHeader { line: 2 },
            ),
            (
                b"INVITE sip:a@b SIP/2.0\r\nA: \xc3\r\n\r\n",
                BadHeader { line: 2 },
            ),
            (
                b"INVITE sip:a@b SIP/2.0\r\nContent-Length: x\r\n\r\n",
                BadContentLength,
            ),
            (
                b"INVITE sip:a@b SIP/2.0\r\nContent-Length: -1\r\n\r\n",
                BadContentLength,
            ),
            (
                b"INVITE sip:a@b SIP/2.0\r\nl: 1\r\nContent-Length: 2\r\n\r\nab",
                BadContentLength,
            ),
            (
                b"INVITE sip:a@b SIP/2.0\r\nContent-Length: 5\r\n\r\nab",
                BodyTooShort,
            ),
        ];
        for (raw, err) in cases {
            let got = parse_message(raw);
            assert!(
                match (&got, err) {
                    (Err(BadStartLine(_)), BadStartLine(_)) => true,
                    (g, e) => g.as_ref().err() == Some(e),
                },
                "{:?}: {got:?}",
                String::from_utf8_lossy(raw)
            );
        }
        assert_eq!(
            parse_message(&vec![b'a'; crate::MAX_MESSAGE_SIZE + 1]),
            Err(TooLarge)
        );
    }

    #[test]
    fn quoted_pairs_may_escape_controls() {
        assert!(is_valid_value(
            b"\"BEL:\\\x07 NUL:\\\x00 DEL:\\\x7f\" <sip:a@b>"
        ));
        assert!(is_valid_value(b"a\tb"));
        assert!(!is_valid_value(b"a\x07b"));
        assert!(!is_valid_value(b"\\\x07"));
        assert!(!is_valid_value(b"\"\\\r\""));
        assert!(!is_valid_value(b"\"a\" \x00"));
    }

    #[test]
    fn helpers() {
        assert_eq!(trim_bytes(b" \ta b\t "), b"a b");
        assert_eq!(trim_bytes(b"   "), b"");
        assert_eq!(trim_bytes_end(b"ab \t"), b"ab");
        assert_eq!(next_line(b"ab\r\ncd", 0), Some((&b"ab"[..], 4)));
        assert_eq!(next_line(b"ab\ncd", 0), Some((&b"ab"[..], 3)));
        assert_eq!(next_line(b"ab", 0), None);
        assert_eq!(next_line(b"ab", 9), None);
        assert_eq!(leading_crlf(b"\r\n\r\nX"), 4);
    }
}
