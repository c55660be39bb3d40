//! Via handling at the transport boundary: stamping `received`/`rport` on received requests
//! (RFC 3261 §18.2.1, RFC 3581 §4) and choosing where a response goes (RFC 3261 §18.2.2,
//! RFC 3581 §4).
//!
//! Invariants: stamping is idempotent (stamping the same request twice from the same
//! source changes nothing the second time); a response destination is always computable
//! (unparsable or unresolvable values fall back to the packet source, never a panic).
//! `maddr` is not honoured: responses never go to multicast groups.

use std::net::{IpAddr, SocketAddr};

use vpbx_sip_msg::{HeaderName, Host, Request, Via};

use super::peer::Peer;

/// RFC 3261 §19.1.2: default port of `sip:` over UDP/TCP.
const DEFAULT_SIP_PORT: u16 = 5060;

/// RFC 3581 §4 / RFC 3261 §18.2.1: add `received` (when the source IP differs from sent-by,
/// or sent-by is a name, or `rport` is present) and fill `rport` (when present) on the top
/// Via of a received request. A request without a parsable top Via is left unchanged.
pub fn stamp_received(request: &mut Request, source: SocketAddr) {
    if let Ok(mut via) = request.headers.top_via() {
        if stamp_via(&mut via, source) {
            replace_top_via(request, &via);
        }
    }
}

/// Replaces the first Via header of `request` with `via`.
pub(crate) fn replace_top_via(request: &mut Request, via: &Via) {
    request.headers.remove_first(&HeaderName::Via);
    request.headers.push_front(HeaderName::Via, via.to_string());
}

/// Applies RFC 3261 §18.2.1 / RFC 3581 §4 to a parsed top Via; returns whether it changed.
pub(crate) fn stamp_via(via: &mut Via, source: SocketAddr) -> bool {
    let ip = source.ip().to_canonical();
    let has_rport = via.rport().is_some();
    let same_ip = match &via.host {
        Host::V4(a) => IpAddr::V4(*a) == ip,
        Host::V6(a) => IpAddr::V6(*a).to_canonical() == ip,
        Host::Domain(_) => false,
    };
    let mut changed = false;
    if has_rport || !same_ip {
        let value = ip.to_string();
        if via.received() != Some(value.as_str()) {
            via.params.set("received", Some(&value));
            changed = true;
        }
    }
    if has_rport && via.rport() != Some(Some(source.port())) {
        via.params.set("rport", Some(&source.port().to_string()));
        changed = true;
    }
    changed
}

/// RFC 3261 §18.2.2 + RFC 3581 §4: where a response goes. Reliable → the same peer and
/// connection; UDP → the `received` address (else the sent-by IP, else the packet source)
/// at the `rport` port (else the sent-by port, else 5060).
pub fn response_destination(top_via: &Via, peer: Peer) -> Peer {
    if peer.is_reliable() {
        return peer;
    }
    let received = top_via.received().and_then(|r| {
        r.trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .ok()
    });
    let sent_by = match &top_via.host {
        Host::V4(a) => Some(IpAddr::V4(*a)),
        Host::V6(a) => Some(IpAddr::V6(*a)),
        Host::Domain(_) => None,
    };
    let ip = received.or(sent_by).unwrap_or_else(|| peer.addr.ip());
    let port = match top_via.rport() {
        Some(Some(port)) => port,
        Some(None) => peer.addr.port(),
        None => top_via.port.unwrap_or(DEFAULT_SIP_PORT),
    };
    Peer {
        transport: peer.transport,
        addr: SocketAddr::new(ip, port),
        conn: peer.conn,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transaction::testutil::request;
    use vpbx_sip_msg::Transport;

    fn via(text: &str) -> Via {
        text.parse().unwrap()
    }

    fn udp(addr: &str) -> Peer {
        Peer {
            transport: Transport::Udp,
            addr: addr.parse().unwrap(),
            conn: Some(7),
        }
    }

    fn req_with_via(v: &str) -> Request {
        request(&format!(
            "OPTIONS sip:x@example.com SIP/2.0\r\nVia: {v}\r\nVia: SIP/2.0/UDP second;branch=z9hG4bK2\r\n\
             To: <sip:x@example.com>\r\nFrom: <sip:y@example.com>;tag=1\r\nCall-ID: c\r\n\
             CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
        ))
    }

    #[test]
    fn received_added_when_source_differs() {
        let mut r = req_with_via("SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1");
        stamp_received(&mut r, "192.0.2.9:5060".parse().unwrap());
        let v = r.headers.top_via().unwrap();
        assert_eq!(v.received(), Some("192.0.2.9"));
        assert_eq!(v.rport(), None);
        assert_eq!(v.branch(), Some("z9hG4bK1"));
        assert_eq!(r.headers.vias().unwrap().len(), 2);
    }

    #[test]
    fn nothing_added_when_source_matches_ip_sent_by() {
        let mut r = req_with_via("SIP/2.0/UDP 192.0.2.9:5060;branch=z9hG4bK1");
        let before = r.clone();
        stamp_received(&mut r, "192.0.2.9:5060".parse().unwrap());
        assert_eq!(r, before);
    }

    #[test]
    fn domain_sent_by_always_gets_received() {
        let mut r = req_with_via("SIP/2.0/UDP pc.example.com;branch=z9hG4bK1");
        stamp_received(&mut r, "192.0.2.9:5060".parse().unwrap());
        assert_eq!(r.headers.top_via().unwrap().received(), Some("192.0.2.9"));
    }

    #[test]
    fn rport_is_filled_and_received_forced() {
        let mut r = req_with_via("SIP/2.0/UDP 192.0.2.9:5060;rport;branch=z9hG4bK1");
        stamp_received(&mut r, "192.0.2.9:40000".parse().unwrap());
        let v = r.headers.top_via().unwrap();
        assert_eq!(v.received(), Some("192.0.2.9"));
        assert_eq!(v.rport(), Some(Some(40000)));
        let once = r.clone();
        stamp_received(&mut r, "192.0.2.9:40000".parse().unwrap());
        assert_eq!(r, once, "stamping is idempotent");
    }

    #[test]
    fn ipv6_and_mapped_sources() {
        let mut r = req_with_via("SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK1");
        stamp_received(&mut r, "[2001:db8::1]:5060".parse().unwrap());
        assert_eq!(r.headers.top_via().unwrap().received(), None);
        let mut r = req_with_via("SIP/2.0/UDP 192.0.2.9;branch=z9hG4bK1");
        stamp_received(&mut r, "[::ffff:192.0.2.9]:5060".parse().unwrap());
        assert_eq!(r.headers.top_via().unwrap().received(), None);
    }

    #[test]
    fn request_without_via_is_left_alone() {
        let mut r = request(
            "OPTIONS sip:x@example.com SIP/2.0\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n",
        );
        let before = r.clone();
        stamp_received(&mut r, "192.0.2.9:5060".parse().unwrap());
        assert_eq!(r, before);
    }

    #[test]
    fn reliable_responses_reuse_the_connection() {
        let peer = Peer {
            transport: Transport::Tcp,
            addr: "192.0.2.9:40000".parse().unwrap(),
            conn: Some(3),
        };
        let v = via("SIP/2.0/TCP 10.0.0.1:5060;branch=z9hG4bK1;received=192.0.2.9");
        assert_eq!(response_destination(&v, peer), peer);
    }

    #[test]
    fn udp_destination_rules() {
        let peer = udp("192.0.2.9:40000");
        let d = response_destination(
            &via("SIP/2.0/UDP 10.0.0.1:5070;branch=z9hG4bK1;received=192.0.2.9"),
            peer,
        );
        assert_eq!(d.addr, "192.0.2.9:5070".parse().unwrap());
        assert_eq!(d.conn, Some(7));
        let d = response_destination(
            &via("SIP/2.0/UDP 10.0.0.1:5070;branch=z9hG4bK1;received=192.0.2.9;rport=40000"),
            peer,
        );
        assert_eq!(d.addr, "192.0.2.9:40000".parse().unwrap());
        let d = response_destination(&via("SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1"), peer);
        assert_eq!(d.addr, "10.0.0.1:5060".parse().unwrap());
        let d = response_destination(&via("SIP/2.0/UDP 10.0.0.1;rport;branch=z9hG4bK1"), peer);
        assert_eq!(d.addr, "10.0.0.1:40000".parse().unwrap());
        let d = response_destination(&via("SIP/2.0/UDP host.example;branch=z9hG4bK1"), peer);
        assert_eq!(d.addr, "192.0.2.9:5060".parse().unwrap());
        let d = response_destination(
            &via("SIP/2.0/UDP host.example;branch=z9hG4bK1;received=garbage"),
            peer,
        );
        assert_eq!(d.addr, "192.0.2.9:5060".parse().unwrap());
    }
}
