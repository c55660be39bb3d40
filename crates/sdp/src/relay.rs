//! Rewriting the transport addresses of a description for an anchored RTP relay: the B2BUA
//! passes each leg's description on with its own relay address and ports in place of the
//! phone's (RFC 8866 §5.7, §5.14; `a=rtcp` RFC 3605).
//!
//! Invariants: only `c=` lines, `m=` ports and `a=rtcp` change; everything else — formats,
//! attributes (including ICE candidates), `o=`, bandwidths — is left untouched. Rejected
//! streams (port 0) stay as they are, and an unspecified `0.0.0.0`/`::` connection is kept,
//! so an RFC 2543-style hold survives the relay (RFC 3264 §8.4).

use std::net::IpAddr;

use crate::attribute::Attribute;
use crate::connection::Connection;
use crate::error::NegotiationError;
use crate::session::SessionDescription;

/// Where the relay receives one stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RelayEndpoint {
    /// Relay address for RTP and RTCP.
    pub address: IpAddr,
    /// Relay RTP port.
    pub rtp_port: u16,
    /// Relay RTCP port, written into an existing `a=rtcp` (RFC 3605 §2.1).
    pub rtcp_port: u16,
}

impl RelayEndpoint {
    /// An endpoint with RTCP on the next port (RFC 3550 §11), saturating at 65535.
    pub fn new(address: IpAddr, rtp_port: u16) -> RelayEndpoint {
        RelayEndpoint {
            address,
            rtp_port,
            rtcp_port: rtp_port.saturating_add(1),
        }
    }
}

/// Replaces the connection address and port of every stream by `endpoints[i]`, one per
/// `m=` line in order (RFC 8866 §5.7, §5.14).
///
/// The session-level `c=` takes the address of the first active stream's endpoint; a
/// stream keeps relying on it when its endpoint has the same address and otherwise gets its
/// own `c=`. An existing `a=rtcp` gets the endpoint's RTCP port (and address, when it had
/// one). Fails with [`NegotiationError::EndpointCount`] if the counts differ.
pub fn rewrite_transport(
    sdp: &SessionDescription,
    endpoints: &[RelayEndpoint],
) -> Result<SessionDescription, NegotiationError> {
    if endpoints.len() != sdp.media.len() {
        return Err(NegotiationError::EndpointCount {
            streams: sdp.media.len(),
            endpoints: endpoints.len(),
        });
    }
    let mut out = sdp.clone();
    let primary = sdp
        .media
        .iter()
        .zip(endpoints)
        .find(|(m, _)| !m.is_rejected())
        .map(|(_, e)| e.address);
    let session_ip = match (&mut out.connection, primary) {
        (Some(c), Some(ip)) if !c.is_unspecified() => {
            *c = Connection::new(ip);
            Some(ip)
        }
        _ => None,
    };
    for (m, e) in out.media.iter_mut().zip(endpoints) {
        if m.is_rejected() {
            continue;
        }
        m.port = e.rtp_port;
        match m.connections.first() {
            Some(c) if c.is_unspecified() => {}
            Some(_) => m.connections = vec![Connection::new(e.address)],
            None if session_ip.is_some_and(|ip| ip != e.address) => {
                m.connections.push(Connection::new(e.address));
            }
            None => {}
        }
        for a in &mut m.attributes {
            if let Attribute::Rtcp(rtcp) = a {
                rtcp.port = e.rtcp_port;
                if rtcp
                    .connection
                    .as_ref()
                    .is_some_and(|c| !c.is_unspecified())
                {
                    rtcp.connection = Some(Connection::new(e.address));
                }
            }
        }
    }
    Ok(out)
}
