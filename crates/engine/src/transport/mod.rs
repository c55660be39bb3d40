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
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::Duration;
use tokio::net::UdpSocket;
use tokio::sync::mpsc;
use vpbx_sip_msg::Transport;
use vpbx_sip_proto::transaction::{ConnId, Transmit};

/// First id given to stream connections; ids below it name UDP sockets by index.
const FIRST_CONN_ID: ConnId = 1 << 32;
/// How long opening an outbound TCP connection may take.
const DIAL_TIMEOUT: Duration = Duration::from_secs(5);

/// All open sockets and connections.
#[derive(Debug)]
pub struct Transports {
    udp: Vec<Arc<UdpSocket>>,
    conns: Mutex<Conns>,
    next_conn: AtomicU64,
    dialer: OnceLock<Dialer>,
}

/// Open stream connections by id, and the newest one to each remote address (for requests
/// we originate toward a phone that registered over TCP/TLS, RFC 5626 §5.3 spirit).
#[derive(Debug, Default)]
struct Conns {
    by_id: HashMap<ConnId, (SocketAddr, mpsc::Sender<Vec<u8>>)>,
    by_addr: HashMap<SocketAddr, ConnId>,
    /// Messages waiting for a TCP connection vpbx is opening to that address.
    connecting: HashMap<SocketAddr, Vec<Vec<u8>>>,
}

/// What opening outbound TCP connections needs: the dispatcher their bytes go to, and
/// the idle limit of connections.
struct Dialer {
    dispatcher: Weak<crate::server::Dispatcher>,
    idle: Duration,
    tls: tokio_rustls::TlsConnector,
}

impl std::fmt::Debug for Dialer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dialer")
            .field("idle", &self.idle)
            .finish_non_exhaustive()
    }
}

impl Transports {
    /// A table over the given UDP sockets; UDP peers carry their socket's index as `conn`.
    pub fn new(udp: Vec<Arc<UdpSocket>>) -> Self {
        Self {
            udp,
            conns: Mutex::new(Conns::default()),
            next_conn: AtomicU64::new(FIRST_CONN_ID),
            dialer: OnceLock::new(),
        }
    }

    /// Lets `send` open TCP and TLS connections to peers it has none with (carriers),
    /// served like accepted ones; called once at start.
    pub fn enable_dialing(
        &self,
        dispatcher: Weak<crate::server::Dispatcher>,
        idle: Duration,
        tls: tokio_rustls::TlsConnector,
    ) {
        let _ = self.dialer.set(Dialer {
            dispatcher,
            idle,
            tls,
        });
    }

    /// Registers the write queue of a stream connection with `remote` and returns its id,
    /// with the messages that waited for it (an outbound connection being opened).
    pub fn add_conn(
        &self,
        remote: SocketAddr,
        queue: mpsc::Sender<Vec<u8>>,
    ) -> (ConnId, Vec<Vec<u8>>) {
        let id = self.next_conn.fetch_add(1, Ordering::Relaxed);
        let mut conns = self.lock();
        conns.by_id.insert(id, (remote, queue));
        conns.by_addr.insert(remote, id);
        let waiting = conns.connecting.remove(&remote).unwrap_or_default();
        (id, waiting)
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
                    let mut conns = self.lock();
                    let queue = t
                        .peer
                        .conn
                        .or_else(|| conns.by_addr.get(&t.peer.addr).copied())
                        .and_then(|id| conns.by_id.get(&id).map(|(_, q)| q.clone()));
                    let dials = matches!(t.peer.transport, Transport::Tcp | Transport::Tls);
                    if queue.is_none() && dials {
                        if let Some(waiting) = conns.connecting.get_mut(&t.peer.addr) {
                            waiting.push(t.bytes);
                            return;
                        }
                        if self.dialer.get().is_some() {
                            conns.connecting.insert(t.peer.addr, vec![t.bytes]);
                            drop(conns);
                            self.dial(t.peer.addr, t.peer.transport);
                            return;
                        }
                    }
                    queue
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

    /// Opens a TCP or TLS connection to `addr` (RFC 3261 §18.1.1, §26.2.1) in the
    /// background; what waits for it is sent once it is up, or dropped (and logged) if it
    /// cannot be opened.
    fn dial(&self, addr: SocketAddr, transport: Transport) {
        let Some(dialer) = self.dialer.get() else {
            return;
        };
        let Some(dispatcher) = dialer.dispatcher.upgrade() else {
            return;
        };
        let idle = dialer.idle;
        let tls = (transport == Transport::Tls).then(|| {
            let name = dispatcher
                .tls_name(addr)
                .unwrap_or_else(|| addr.ip().to_string());
            (dialer.tls.clone(), name)
        });
        tokio::spawn(async move {
            let opened = tokio::time::timeout(DIAL_TIMEOUT, async {
                let tcp = tokio::net::TcpStream::connect(addr).await?;
                let _ = tcp.set_nodelay(true);
                Ok::<_, std::io::Error>(tcp)
            })
            .await;
            let tcp = match opened {
                Ok(Ok(tcp)) => tcp,
                Ok(Err(e)) => return dispatcher.transports.dial_failed(addr, &e.to_string()),
                Err(_) => return dispatcher.transports.dial_failed(addr, "timed out"),
            };
            match tls {
                None => stream::serve(tcp, addr, Transport::Tcp, dispatcher, idle).await,
                Some((connector, name)) => {
                    let Ok(server_name) = rustls::pki_types::ServerName::try_from(name.clone())
                    else {
                        return dispatcher
                            .transports
                            .dial_failed(addr, "bad TLS server name");
                    };
                    let handshake =
                        tokio::time::timeout(DIAL_TIMEOUT, connector.connect(server_name, tcp))
                            .await;
                    match handshake {
                        Ok(Ok(tls)) => {
                            stream::serve(tls, addr, Transport::Tls, dispatcher, idle).await
                        }
                        Ok(Err(e)) => dispatcher
                            .transports
                            .dial_failed(addr, &format!("TLS with {name}: {e}")),
                        Err(_) => dispatcher
                            .transports
                            .dial_failed(addr, "TLS handshake timed out"),
                    }
                }
            }
        });
    }

    /// Logs a connection that could not be opened and drops what waited for it.
    fn dial_failed(&self, addr: SocketAddr, why: &str) {
        let dropped = self.forget_connecting(addr);
        tracing::warn!(%addr, error = why, dropped, "cannot open a connection");
    }

    /// Drops the messages that waited for a connection that failed; returns how many.
    fn forget_connecting(&self, addr: SocketAddr) -> usize {
        self.lock().connecting.remove(&addr).map_or(0, |w| w.len())
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
