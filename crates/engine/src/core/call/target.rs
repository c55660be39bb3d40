//! Where to send a request for a URI or a registered contact (RFC 3263 reduced to what a
//! PBX needs for its own phones: numeric hosts, the `transport` parameter, default ports).
//!
//! Invariant: no name resolution happens here; a URI with a domain host yields `None`
//! and the caller falls back to the address the phone registered from.

use std::net::{IpAddr, SocketAddr};
use vpbx_sip_msg::{Host, Transport, Uri};
use vpbx_sip_proto::registrar::Binding;
use vpbx_sip_proto::transaction::Peer;

/// Address and transport of a URI with a numeric host (RFC 3263 §4.1, §4.2: port 5060,
/// 5061 for TLS; transport from the URI parameter or `default`).
pub fn socket_of(uri: &Uri, default: Transport) -> Option<(SocketAddr, Transport)> {
    let ip = match &uri.host {
        Host::V4(a) => IpAddr::V4(*a),
        Host::V6(a) => IpAddr::V6(*a),
        Host::Domain(_) => return None,
    };
    let transport = uri
        .transport()
        .and_then(|t| t.parse::<Transport>().ok())
        .unwrap_or(default);
    let port = uri.port.unwrap_or(if transport == Transport::Tls {
        5061
    } else {
        5060
    });
    Some((SocketAddr::new(ip, port), transport))
}

/// Where an INVITE for a registered contact goes: the first Path hop if the REGISTER came
/// through a proxy (RFC 3327 §5.3); the contact itself if it names the address the
/// REGISTER came from over UDP (a phone on a public or local address); otherwise the
/// source of the REGISTER — over TCP/TLS its connection — so a phone behind NAT (private address in its Contact) is reached through its
/// own pinhole (RFC 3581 spirit; Kamailio's fix_nated_register).
pub fn binding_peer(binding: &Binding) -> Peer {
    let via_path = binding
        .path
        .first()
        .and_then(|p| p.parse::<vpbx_sip_msg::NameAddr>().ok())
        .and_then(|n| socket_of(&n.uri, binding.transport));
    let direct = || {
        let uri = binding.uri.parse::<Uri>().ok()?;
        let (addr, transport) = socket_of(&uri, binding.transport)?;
        let same_host = addr.ip() == binding.source.ip();
        (same_host && transport == Transport::Udp && binding.transport == Transport::Udp)
            .then_some(addr)
    };
    let (addr, transport) =
        via_path.unwrap_or_else(|| (direct().unwrap_or(binding.source), binding.transport));
    Peer {
        transport,
        addr,
        conn: None,
    }
}
