//! Requests, responses and whole messages: printing, the RFC 3261 §8.2 checks that make a
//! parsed request usable, and building a response from a request (RFC 3261 §7, §8.2.6).
//!
//! Invariants: printing writes the start line, every header field in order as
//! `Name: value`, an empty line and the body, adding nothing (Content-Length is printed only
//! as stored); `Message::parse(&m.to_bytes()) == Ok(m)` for every parsed `m`.

use crate::error::{HeaderError, ParseError};
use crate::headers::{HeaderName, Headers};
use crate::method::Method;
use crate::parse::parse_message;
use crate::uri::Uri;
use crate::validate;

/// A SIP request (RFC 3261 §7.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// Method from the Request-Line.
    pub method: Method,
    /// Request-URI.
    pub uri: Uri,
    /// Header fields in order.
    pub headers: Headers,
    /// Body (exactly Content-Length bytes when parsed with a Content-Length).
    pub body: Vec<u8>,
}

/// A SIP response (RFC 3261 §7.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    /// Status-Code, 100..=699.
    pub status: u16,
    /// Reason-Phrase (may be empty).
    pub reason: String,
    /// Header fields in order.
    pub headers: Headers,
    /// Body.
    pub body: Vec<u8>,
}

/// A SIP message (RFC 3261 §7).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    /// A request.
    Request(Request),
    /// A response.
    Response(Response),
}

impl Message {
    /// Parses one whole message (RFC 3261 §7); checks SIP/2.0, the start line and header
    /// syntax; the body is cut to Content-Length (error if shorter than declared; on
    /// datagrams extra bytes are ignored, RFC 3261 §18.3). Leading CRLFs are skipped (§7.5).
    pub fn parse(bytes: &[u8]) -> Result<Message, ParseError> {
        parse_message(bytes)
    }

    /// Prints the message (RFC 3261 §7); sets nothing itself.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(512 + self.body().len());
        self.write_to(&mut out);
        out
    }

    /// Appends the printed message to `out`; headers in order, Content-Length as stored.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        match self {
            Message::Request(r) => r.write_to(out),
            Message::Response(r) => r.write_to(out),
        }
    }

    /// The header fields.
    pub fn headers(&self) -> &Headers {
        match self {
            Message::Request(r) => &r.headers,
            Message::Response(r) => &r.headers,
        }
    }

    /// The header fields, mutable.
    pub fn headers_mut(&mut self) -> &mut Headers {
        match self {
            Message::Request(r) => &mut r.headers,
            Message::Response(r) => &mut r.headers,
        }
    }

    /// The body.
    pub fn body(&self) -> &[u8] {
        match self {
            Message::Request(r) => &r.body,
            Message::Response(r) => &r.body,
        }
    }
}

/// Writes header fields, the empty line and the body (RFC 3261 §7.3, §7.4).
fn write_rest(headers: &Headers, body: &[u8], out: &mut Vec<u8>) {
    for h in headers {
        out.extend_from_slice(h.name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(h.value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
}

impl Request {
    /// Appends the printed request (RFC 3261 §7.1) to `out`.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.method.as_str().as_bytes());
        out.push(b' ');
        out.extend_from_slice(self.uri.to_string().as_bytes());
        out.extend_from_slice(b" SIP/2.0\r\n");
        write_rest(&self.headers, &self.body, out);
    }

    /// Prints the request.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(512 + self.body.len());
        self.write_to(&mut out);
        out
    }

    /// RFC 3261 §8.2 / §16.3 checks that make a parsed request usable: exactly one From,
    /// To, Call-ID and CSeq, all well-formed, the CSeq method equal to the request method, a
    /// well-formed top Via, Max-Forwards numeric (0..=255) if present, well-formed Contact,
    /// Route, Expires, Content-Type and Date if present, no headers in the Request-URI
    /// (§19.1.5). `Err` names the bad header (the caller answers 400 with it).
    pub fn validate(&self) -> Result<(), HeaderError> {
        validate::request(self)
    }

    /// Builds a response per RFC 3261 §8.2.6: copies every Via (in order), From, To,
    /// Call-ID and CSeq; adds `;tag=<to_tag>` to To if `to_tag` is given and To has no tag;
    /// adds `Content-Length: 0`.
    pub fn response(&self, status: u16, reason: &str, to_tag: Option<&str>) -> Response {
        let mut headers = Headers::new();
        for h in &self.headers {
            match h.name {
                HeaderName::Via | HeaderName::From | HeaderName::CallId | HeaderName::CSeq => {
                    headers.push(h.name.clone(), h.value.clone());
                }
                HeaderName::To => {
                    let value = match to_tag {
                        Some(tag) if !has_tag(&h.value) => format!("{};tag={tag}", h.value),
                        _ => h.value.clone(),
                    };
                    headers.push(HeaderName::To, value);
                }
                _ => {}
            }
        }
        headers.push(HeaderName::ContentLength, "0");
        Response {
            status,
            reason: reason.to_owned(),
            headers,
            body: Vec::new(),
        }
    }
}

/// True if a To value carries a tag (a value that does not parse is treated as tagged so
/// it is copied unchanged).
fn has_tag(value: &str) -> bool {
    value
        .parse::<crate::NameAddr>()
        .map_or(true, |n| n.params.contains("tag"))
}

impl Response {
    /// Appends the printed response (RFC 3261 §7.2) to `out`.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"SIP/2.0 ");
        out.extend_from_slice(self.status.to_string().as_bytes());
        out.push(b' ');
        out.extend_from_slice(self.reason.as_bytes());
        out.extend_from_slice(b"\r\n");
        write_rest(&self.headers, &self.body, out);
    }

    /// Prints the response.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(512 + self.body.len());
        self.write_to(&mut out);
        out
    }

    /// RFC 3261 §8.1.3 checks on a received response: a well-formed top Via, exactly one
    /// From, To, Call-ID and CSeq, all well-formed.
    pub fn validate(&self) -> Result<(), HeaderError> {
        validate::response(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invite() -> Request {
        let raw = b"INVITE sip:2000@t1.example SIP/2.0\r\nVia: SIP/2.0/UDP a;branch=z9hG4bK1\r\nVia: SIP/2.0/UDP b;branch=z9hG4bK2\r\nFrom: <sip:1000@t1.example>;tag=f\r\nTo: <sip:2000@t1.example>\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\nTimestamp: 5\r\nContent-Length: 2\r\n\r\nhi";
        match Message::parse(raw) {
            Ok(Message::Request(r)) => r,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn response_copies_dialog_headers() {
        let req = invite();
        let resp = req.response(486, "Busy Here", Some("t1"));
        assert_eq!(
            resp.to_bytes(),
            b"SIP/2.0 486 Busy Here\r\nVia: SIP/2.0/UDP a;branch=z9hG4bK1\r\nVia: SIP/2.0/UDP b;branch=z9hG4bK2\r\nFrom: <sip:1000@t1.example>;tag=f\r\nTo: <sip:2000@t1.example>;tag=t1\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"
        );
        assert_eq!(resp.validate(), Ok(()));
        let trying = req.response(100, "Trying", None);
        assert_eq!(trying.headers.to().unwrap().tag(), None);
        let mut tagged = req.clone();
        tagged
            .headers
            .set(HeaderName::To, "<sip:2000@t1.example>;tag=old");
        let resp = tagged.response(200, "OK", Some("new"));
        assert_eq!(resp.headers.to().unwrap().tag(), Some("old"));
    }

    #[test]
    fn printing_and_accessors() {
        let req = invite();
        let mut m = Message::Request(req.clone());
        assert_eq!(m.body(), b"hi");
        assert_eq!(m.headers().len(), 8);
        m.headers_mut().remove(&HeaderName::Timestamp);
        let mut out = b"prefix".to_vec();
        m.write_to(&mut out);
        assert!(out.starts_with(b"prefixINVITE sip:2000@t1.example SIP/2.0\r\n"));
        assert!(out.ends_with(b"Content-Length: 2\r\n\r\nhi"));
        assert_eq!(m.to_bytes(), out[6..]);
        assert_eq!(Message::Request(req.clone()).to_bytes(), req.to_bytes());
        let resp = req.response(200, "OK", None);
        let m = Message::Response(resp.clone());
        assert_eq!(m.body(), b"");
        assert_eq!(m.headers(), &resp.headers);
        assert_eq!(m.to_bytes(), resp.to_bytes());
    }
}
