//! Where messages come from and go to (RFC 3261 §18: transport layer addressing), and the
//! datagrams/stream writes the layer asks the caller to perform.
//!
//! Invariants: a peer is reliable exactly when its transport is not UDP (RFC 3261 §17.1.1.2
//! "reliable transport"); the layer never opens connections itself, it only names them.

use std::net::SocketAddr;

use vpbx_sip_msg::Transport;

/// Identifier of a stream connection (or local socket) chosen by the caller (RFC 3261 §18).
pub type ConnId = u64;

/// The remote end of a message: transport, address and, for streams, the connection it
/// arrived on or must leave on (RFC 3261 §18.2.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Peer {
    /// Transport protocol (RFC 3261 §18).
    pub transport: Transport,
    /// Remote socket address.
    pub addr: SocketAddr,
    /// Connection to use, if any (streams; for UDP, optionally the local socket).
    pub conn: Option<ConnId>,
}

impl Peer {
    /// RFC 3261 §17.1.1.2: whether the transport is reliable (everything but UDP), which
    /// disables retransmissions and zeroes Timers D, I, J and K.
    pub fn is_reliable(&self) -> bool {
        self.transport != Transport::Udp
    }
}

/// A message the caller must send (RFC 3261 §18.1.1, §18.2.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transmit {
    /// Destination.
    pub peer: Peer,
    /// The serialized message.
    pub bytes: Vec<u8>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reliability_follows_transport() {
        let addr: SocketAddr = ([192, 0, 2, 1], 5060).into();
        let mk = |transport| Peer {
            transport,
            addr,
            conn: None,
        };
        assert!(!mk(Transport::Udp).is_reliable());
        for t in [
            Transport::Tcp,
            Transport::Tls,
            Transport::Sctp,
            Transport::Ws,
            Transport::Wss,
        ] {
            assert!(mk(t).is_reliable());
        }
    }
}
