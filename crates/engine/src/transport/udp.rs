//! UDP listener (RFC 3261 §18.1.2, §18.2.1): large kernel buffers, one datagram one message.

use crate::server::Dispatcher;
use crate::EngineError;
use socket2::{Domain, Protocol, Socket, Type};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::UdpSocket;
use vpbx_sip_msg::Transport;
use vpbx_sip_proto::transaction::Peer;

/// Kernel buffer size asked for on each UDP socket, so bursts are not dropped.
const SOCKET_BUFFER: usize = 8 << 20;

/// Binds a UDP socket with large buffers (IPv6 sockets are v6-only so that `[::]` and
/// `0.0.0.0` can both be bound on one port).
pub fn bind(addr: SocketAddr) -> Result<UdpSocket, EngineError> {
    let err = |source| EngineError::Bind { addr, source };
    let domain = if addr.is_ipv4() {
        Domain::IPV4
    } else {
        Domain::IPV6
    };
    let s = Socket::new(domain, Type::DGRAM, Some(Protocol::UDP)).map_err(err)?;
    if addr.is_ipv6() {
        s.set_only_v6(true).map_err(err)?;
    }
    // Best effort: the kernel caps these at net.core.[rw]mem_max.
    let _ = s.set_recv_buffer_size(SOCKET_BUFFER);
    let _ = s.set_send_buffer_size(SOCKET_BUFFER);
    s.set_nonblocking(true).map_err(err)?;
    s.bind(&addr.into()).map_err(err)?;
    UdpSocket::from_std(s.into()).map_err(err)
}

/// Receives datagrams forever and hands each to the dispatcher; `index` identifies the
/// socket so that answers leave from the address the request reached.
pub async fn serve(socket: Arc<UdpSocket>, index: u64, dispatcher: Arc<Dispatcher>) {
    let mut buf = vec![0u8; 65_536];
    loop {
        match socket.recv_from(&mut buf).await {
            Ok((n, addr)) => {
                let peer = Peer {
                    transport: Transport::Udp,
                    addr,
                    conn: Some(index),
                };
                let bytes = &buf[..n];
                if bytes.iter().all(|b| matches!(b, b'\r' | b'\n' | 0)) {
                    continue; // keep-alive datagram (RFC 5626 §4.4.1 CRLF or NAT ping)
                }
                let _ = dispatcher.dispatch(peer, bytes);
            }
            Err(e) => {
                // ICMP port-unreachable from a previous send surfaces here on Linux.
                tracing::trace!(error = %e, "UDP receive error");
            }
        }
    }
}
