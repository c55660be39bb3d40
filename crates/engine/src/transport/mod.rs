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
    conns: Mutex<HashMap<ConnId, mpsc::Sender<Vec<u8>>>>,
    next_conn: AtomicU64,
}

impl Transports {
    /// A table over the given UDP sockets; UDP peers carry their socket's index as `conn`.
    pub fn new(udp: Vec<Arc<UdpSocket>>) -> Self {
        Self {
            udp,
            conns: Mutex::new(HashMap::new()),
            next_conn: AtomicU64::new(FIRST_CONN_ID),
        }
    }

    /// Registers a stream connection's write queue and returns its id.
    pub fn add_conn(&self, queue: mpsc::Sender<Vec<u8>>) -> ConnId {
        let id = self.next_conn.fetch_add(1, Ordering::Relaxed);
        self.lock().insert(id, queue);
        id
    }

    /// Forgets a closed connection.
    pub fn remove_conn(&self, id: ConnId) {
        self.lock().remove(&id);
    }

    /// Open stream connections.
    pub fn conn_count(&self) -> usize {
        self.lock().len()
    }

    /// Sends without waiting: UDP datagrams go out at once, stream writes are queued.
    pub fn send(&self, t: Transmit) {
        match t.peer.transport {
            Transport::Udp => self.send_udp(t.peer.conn, t.peer.addr, &t.bytes),
            _ => {
                let queue = t.peer.conn.and_then(|id| self.lock().get(&id).cloned());
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

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<ConnId, mpsc::Sender<Vec<u8>>>> {
        self.conns.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn same_family(socket: &UdpSocket, dest: SocketAddr) -> bool {
    socket
        .local_addr()
        .map(|a| a.is_ipv4() == dest.is_ipv4())
        .unwrap_or(false)
}
