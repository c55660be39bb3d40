//! Semantic checks on parsed messages (RFC 3261 §8.1.3, §8.2, §16.3, §20) beyond the
//! syntax the parser enforces; used to answer 400 Bad Request naming the bad header.
//!
//! Invariant: header-level errors carry the canonical header name in `HeaderError::header`.

use crate::error::HeaderError;
use crate::headers::{HeaderName, Headers};
use crate::message::{Request, Response};

/// Requires exactly one field named `name`.
fn exactly_one(headers: &Headers, name: &HeaderName) -> Result<(), HeaderError> {
    match headers.get_all(name).count() {
        1 => Ok(()),
        0 => Err(HeaderError::new(name.static_name(), "missing")),
        _ => Err(HeaderError::new(name.static_name(), "repeated")),
    }
}

/// At most one field named `name`.
fn at_most_one(headers: &Headers, name: &HeaderName) -> Result<(), HeaderError> {
    if headers.get_all(name).nth(1).is_some() {
        return Err(HeaderError::new(name.static_name(), "repeated"));
    }
    Ok(())
}

/// Checks shared by requests and responses.
fn common(headers: &Headers) -> Result<(), HeaderError> {
    for name in [
        HeaderName::From,
        HeaderName::To,
        HeaderName::CallId,
        HeaderName::CSeq,
    ] {
        exactly_one(headers, &name)?;
    }
    headers.top_via()?;
    headers.from()?;
    headers.to()?;
    headers.call_id()?;
    for name in [
        HeaderName::MaxForwards,
        HeaderName::Expires,
        HeaderName::ContentLength,
        HeaderName::ContentType,
    ] {
        at_most_one(headers, &name)?;
    }
    headers.content_length()?;
    headers.expires()?;
    if let Some(ct) = headers.get(&HeaderName::ContentType) {
        if !is_media_type(ct) {
            return Err(HeaderError::new("Content-Type", "malformed"));
        }
    }
    if let Some(date) = headers.get(&HeaderName::Date) {
        if !is_rfc1123_gmt(date) {
            return Err(HeaderError::new("Date", "not an RFC 1123 GMT date"));
        }
    }
    Ok(())
}

/// Request checks (see [`Request::validate`]).
pub(crate) fn request(req: &Request) -> Result<(), HeaderError> {
    if !req.uri.headers.is_empty() {
        return Err(HeaderError::new("Request-URI", "contains headers"));
    }
    common(&req.headers)?;
    let cseq = req.headers.cseq()?;
    if cseq.method != req.method {
        return Err(HeaderError::new(
            "CSeq",
            "method does not match the request",
        ));
    }
    if let Some(mf) = req.headers.max_forwards()? {
        if mf > 255 {
            return Err(HeaderError::new("Max-Forwards", "out of range"));
        }
    }
    req.headers.contacts()?;
    req.headers.name_addrs(&HeaderName::Route)?;
    req.headers.name_addrs(&HeaderName::RecordRoute)?;
    Ok(())
}

/// Response checks (see [`Response::validate`]).
pub(crate) fn response(resp: &Response) -> Result<(), HeaderError> {
    common(&resp.headers)?;
    resp.headers.cseq()?;
    Ok(())
}

/// RFC 3261 §20.15 `media-type = m-type SLASH m-subtype *(SEMI m-parameter)`.
fn is_media_type(v: &str) -> bool {
    let (ty, rest) = match v.split_once('/') {
        Some(x) => x,
        None => return false,
    };
    let ty = crate::lex::trim_ws(ty);
    let rest = crate::lex::trim_ws_start(rest);
    let n = rest
        .bytes()
        .take_while(|&b| crate::lex::is_token_byte(b))
        .count();
    let (sub, params) = rest.split_at(n);
    crate::lex::is_token(ty)
        && crate::lex::is_token(sub)
        && crate::header::params::parse_header_params(params)
            .is_some_and(|(_, r)| crate::lex::trim_ws(r).is_empty())
}

/// RFC 3261 §20.17 `SIP-date` (RFC 1123 form, always "GMT"), e.g.
/// `Sat, 13 Nov 2010 23:29:00 GMT`.
fn is_rfc1123_gmt(v: &str) -> bool {
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    let mut parts = v.split_ascii_whitespace();
    let (Some(wkday), Some(day), Some(month), Some(year), Some(time), Some(zone), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return false;
    };
    let time_ok = {
        let mut t = time.split(':');
        matches!((t.next(), t.next(), t.next(), t.next()),
            (Some(h), Some(m), Some(s), None) if digits(h, 2) && digits(m, 2) && digits(s, 2))
    };
    wkday.strip_suffix(',').is_some_and(|d| DAYS.contains(&d))
        && digits(day, 2)
        && MONTHS.contains(&month)
        && digits(year, 4)
        && time_ok
        && zone == "GMT"
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Message;

    fn req(extra: &str) -> Request {
        let raw = format!(
            "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\n\
From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: c1\r\nCSeq: 1 OPTIONS\r\n{extra}\r\n"
        );
        match Message::parse(raw.as_bytes()) {
            Ok(Message::Request(r)) => r,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn request_checks() {
        assert_eq!(req("").validate(), Ok(()));
        let bad = |extra: &str| req(extra).validate().unwrap_err().header;
        assert_eq!(bad("Max-Forwards: 256\r\n"), "Max-Forwards");
        assert_eq!(
            bad("Max-Forwards: 1\r\nMax-Forwards: 2\r\n"),
            "Max-Forwards"
        );
        assert_eq!(bad("Expires: soon\r\n"), "Expires");
        assert_eq!(bad("Content-Type: text\r\n"), "Content-Type");
        assert_eq!(bad("Date: Fri, 01 Jan 2010 16:00:00 EST\r\n"), "Date");
        assert_eq!(bad("Call-ID: c2\r\n"), "Call-ID");
        assert_eq!(bad("Route: <sip:x\r\n"), "Route");
        assert_eq!(bad("Record-Route: x\r\n"), "Record-Route");
        assert_eq!(bad("Contact: <sip:x>;;\r\n"), "Contact");
        assert_eq!(
            req("Content-Type: multipart/mixed ; boundary=\"x y\"\r\nDate: Sat, 13 Nov 2010 23:29:00 GMT\r\nContact: *\r\n")
                .validate(),
            Ok(())
        );
        let mut r = req("");
        r.method = crate::Method::Invite;
        assert_eq!(r.validate().unwrap_err().header, "CSeq");
    }

    #[test]
    fn dates_and_media_types() {
        assert!(is_rfc1123_gmt("Thu, 21 Feb 2002 13:02:03 GMT"));
        for bad in [
            "Thu 21 Feb 2002 13:02:03 GMT",
            "Thu, 21 Feb 2002 13:02:03",
            "Thu, 1 Feb 2002 13:02:03 GMT",
            "Xyz, 21 Feb 2002 13:02:03 GMT",
            "Thu, 21 Foo 2002 13:02:03 GMT",
            "Thu, 21 Feb 02 13:02:03 GMT",
            "Thu, 21 Feb 2002 13:02 GMT",
            "Thu, 21 Feb 2002 13:02:03:04 GMT",
            "Thu, 21 Feb 2002 13:02:03 GMT x",
        ] {
            assert!(!is_rfc1123_gmt(bad), "{bad}");
        }
        assert!(is_media_type("application/sdp"));
        assert!(is_media_type("text/plain;charset=utf-8"));
        assert!(!is_media_type("application"));
        assert!(!is_media_type("application/"));
        assert!(!is_media_type("application/sdp junk"));
    }

    #[test]
    fn response_checks() {
        let raw = b"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>;tag=2\r\nCall-ID: c\r\nCSeq: x INVITE\r\n\r\n";
        let Ok(Message::Response(r)) = Message::parse(raw) else {
            panic!("parse")
        };
        assert_eq!(r.validate().unwrap_err().header, "CSeq");
    }
}
