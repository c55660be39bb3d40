//! OPTIONS answered by the server itself (RFC 3261 §11.2): capabilities, no tenant data.
//! Phones and load balancers use it as a keep-alive and health probe.

use super::{ALLOW, ALLOW_EVENTS, SUPPORTED};
use vpbx_sip_msg::{HeaderName, Request, Response};

/// 200 OK with Allow, Accept, Supported and Allow-Events (RFC 6665 §8.2.2).
pub fn answer(request: &Request, to_tag: &str) -> Response {
    let mut r = request.response(200, "OK", Some(to_tag));
    r.headers.push(HeaderName::Allow, ALLOW);
    r.headers
        .push(HeaderName::Other("Accept".into()), "application/sdp");
    r.headers.push(HeaderName::Supported, SUPPORTED.join(", "));
    r.headers.push(HeaderName::AllowEvents, ALLOW_EVENTS);
    r
}
