//! SIP transports (RFC 3261 §18): UDP sockets, TCP and TLS connections, and the table
//! that sends a [`Transmit`] to the right one.
//!
//! Invariants: a response to a stream request goes back on the connection it came in on
//! (§18.2.2); a connection's queue is bounded, so a slow peer cannot make us buffer
//! without limit; no send ever blocks a shard.

pub mod stream;
pub mod tls;
pub mod udp;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::net::UdpSocket;
use tokio::sync::mpsc;
use vpbx_sip_msg::Transport;
use vpbx_sip_proto::transaction::{ConnId, Transmit};

/// First id given to stream connections; ids below it name UDP sockets by index.
const FIRST_CONN_ID: ConnId = 1 << 32;

/// All open sockets and connections.
#[derive(Debug)]
pub struct Transports {
    udp: Vec<Arc<UdpSocket>>,
    conns: Mutex<Conns>,
    next_conn: AtomicU64,
}

/// Open stream connections by id, and the newest one to each remote address (for requests
/// we originate toward a phone that registered over TCP/TLS, RFC 5626 §5.3 spirit).
#[derive(Debug, Default)]
struct Conns {
    by_id: HashMap<ConnId, (SocketAddr, mpsc::Sender<Vec<u8>>)>,
    by_addr: HashMap<SocketAddr, ConnId>,
}

impl Transports {
    /// A table over the given UDP sockets; UDP peers carry their socket's index as `conn`.
    pub fn new(udp: Vec<Arc<UdpSocket>>) -> Self {
        Self {
            udp,
            conns: Mutex::new(Conns::default()),
            next_conn: AtomicU64::new(FIRST_CONN_ID),
        }
    }

    /// Registers the write queue of a stream connection from `remote` and returns its id.
    pub fn add_conn(&self, remote: SocketAddr, queue: mpsc::Sender<Vec<u8>>) -> ConnId {
        let id = self.next_conn.fetch_add(1, Ordering::Relaxed);
        let mut conns = self.lock();
        conns.by_id.insert(id, (remote, queue));
        conns.by_addr.insert(remote, id);
        id
    }

    /// Forgets a closed connection.
    pub fn remove_conn(&self, id: ConnId) {
        let mut conns = self.lock();
        if let Some((remote, _)) = conns.by_id.remove(&id) {
            if conns.by_addr.get(&remote) == Some(&id) {
                conns.by_addr.remove(&remote);
            }
        }
    }

    /// Open stream connections.
    pub fn conn_count(&self) -> usize {
        self.lock().by_id.len()
    }

    /// Sends without waiting: UDP datagrams go out at once, stream writes are queued.
    pub fn send(&self, t: Transmit) {
        match t.peer.transport {
            Transport::Udp => self.send_udp(t.peer.conn, t.peer.addr, &t.bytes),
            _ => {
                let queue = {
                    let conns = self.lock();
                    t.peer
                        .conn
                        .or_else(|| conns.by_addr.get(&t.peer.addr).copied())
                        .and_then(|id| conns.by_id.get(&id).map(|(_, q)| q.clone()))
                };
                match queue {
                    Some(q) => {
                        if q.try_send(t.bytes).is_err() {
                            tracing::debug!(dest = %t.peer.addr, "stream queue full or closed; message dropped");
                        }
                    }
                    None => {
                        tracing::debug!(dest = %t.peer.addr, "no open connection; message dropped")
                    }
                }
            }
        }
    }

    fn send_udp(&self, conn: Option<ConnId>, dest: SocketAddr, bytes: &[u8]) {
        let by_index = conn
            .and_then(|i| usize::try_from(i).ok())
            .and_then(|i| self.udp.get(i))
            .filter(|s| same_family(s, dest));
        let socket = by_index.or_else(|| self.udp.iter().find(|s| same_family(s, dest)));
        match socket {
            Some(s) => {
                if let Err(e) = s.try_send_to(bytes, dest) {
                    tracing::debug!(%dest, error = %e, "UDP send failed");
                }
            }
            None => tracing::debug!(%dest, "no UDP socket of that address family"),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Conns> {
        self.conns.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn same_family(socket: &UdpSocket, dest: SocketAddr) -> bool {
    socket
        .local_addr()
        .map(|a| a.is_ipv4() == dest.is_ipv4())
        .unwrap_or(false)
}
