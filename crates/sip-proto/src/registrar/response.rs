//! Responses to REGISTER: the 200 OK of RFC 3261 §10.3 step 8 (with RFC 3327 §5.3 Path
//! echo) and the error responses of steps 6–7 (423 carries Min-Expires, §20.23).
//!
//! Invariants: responses are built from the request per RFC 3261 §8.2.6 (Via, From, To with
//! our tag, Call-ID, CSeq); no Date header is added; Content-Length stays last.

use vpbx_sip_msg::{HeaderName, Request, Response};

use super::binding::Binding;
use super::error::RegisterError;

/// The 200 OK for a REGISTER (RFC 3261 §10.3 step 8): every binding still live at
/// `now_unix` as a Contact with `;expires=` the seconds left (plus its q and RFC 5626
/// `+sip.instance`), and the request's Path echoed when it also had `Supported: path`
/// (RFC 3327 §5.3). No Date header is added; the caller may.
pub fn ok_response(
    request: &Request,
    bindings: &[Binding],
    now_unix: u64,
    to_tag: &str,
) -> Response {
    let mut response = request.response(200, "OK", Some(to_tag));
    if supports_path(request) {
        for path in request.headers.get_all(&HeaderName::Path) {
            response.headers.push(HeaderName::Path, path);
        }
    }
    for binding in bindings.iter().filter(|b| b.is_live(now_unix)) {
        response
            .headers
            .push(HeaderName::Contact, contact_value(binding, now_unix));
    }
    keep_content_length_last(&mut response);
    response
}

/// The error response for `error` (RFC 3261 §10.3): 400, 403, 500, or 423 with a
/// Min-Expires header (RFC 3261 §20.23).
pub fn error_response(request: &Request, error: &RegisterError, to_tag: &str) -> Response {
    let (status, reason) = error.status();
    let mut response = request.response(status, reason, Some(to_tag));
    if let RegisterError::IntervalTooBrief { min_expires } = error {
        response
            .headers
            .push(HeaderName::MinExpires, min_expires.to_string());
    }
    keep_content_length_last(&mut response);
    response
}

/// `<uri>;expires=N[;q=Q][;+sip.instance="..."]` (RFC 3261 §20.10, RFC 5626 §4.1).
fn contact_value(binding: &Binding, now_unix: u64) -> String {
    let mut value = format!(
        "<{}>;expires={}",
        binding.uri,
        binding.remaining(now_unix).min(u64::from(u32::MAX))
    );
    if let Some(q) = binding.q {
        value.push_str(";q=");
        value.push_str(&format_q(q));
    }
    if let Some(instance) = &binding.instance {
        value.push_str(";+sip.instance=\"");
        value.push_str(instance);
        value.push('"');
    }
    value
}

/// A qvalue with at most three decimals and no trailing zeros (RFC 3261 §25.1).
fn format_q(q: f32) -> String {
    let fixed = format!("{:.3}", q.clamp(0.0, 1.0));
    fixed.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// Whether the request carries `Supported: path` (RFC 3327 §5.3).
fn supports_path(request: &Request) -> bool {
    request
        .headers
        .get_all(&HeaderName::Supported)
        .flat_map(|v| v.split(','))
        .any(|tag| tag.trim().eq_ignore_ascii_case("path"))
}

/// Moves Content-Length behind the headers added here, as messages conventionally end.
fn keep_content_length_last(response: &mut Response) {
    if let Some(length) = response.headers.remove_first(&HeaderName::ContentLength) {
        response.headers.push(HeaderName::ContentLength, length);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn q_formatting() {
        assert_eq!(format_q(1.0), "1");
        assert_eq!(format_q(0.5), "0.5");
        assert_eq!(format_q(0.125), "0.125");
        assert_eq!(format_q(0.1), "0.1");
        assert_eq!(format_q(0.0), "0");
    }
}
