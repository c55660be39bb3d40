//! Stream transports, TCP and TLS alike (RFC 3261 §18.3): framing by Content-Length,
//! CRLF keep-alives (RFC 5626 §3.5.1), answers on the same connection.
//!
//! Invariants: a connection that sends bytes which are not SIP is closed; the read buffer
//! never exceeds one maximum message plus one read; an idle connection is closed after
//! `idle` with no bytes received.

use crate::metrics::Metrics;
use crate::server::Dispatcher;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;
use vpbx_sip_msg::frame::{frame, Frame};
use vpbx_sip_msg::{Transport, MAX_MESSAGE_SIZE};
use vpbx_sip_proto::transaction::Peer;

/// Messages queued for one connection before further ones are dropped.
const WRITE_QUEUE: usize = 1024;

/// Serves one accepted connection until the peer closes it, sends garbage or idles.
pub async fn serve<S>(
    stream: S,
    addr: SocketAddr,
    transport: Transport,
    dispatcher: Arc<Dispatcher>,
    idle: Duration,
) where
    S: AsyncRead + AsyncWrite + Send + 'static,
{
    let (mut rd, mut wr) = tokio::io::split(stream);
    let (tx, mut rx) = mpsc::channel::<Vec<u8>>(WRITE_QUEUE);
    let (id, waiting) = dispatcher.transports.add_conn(addr, tx.clone());
    for bytes in waiting {
        let _ = tx.try_send(bytes);
    }
    let writer = tokio::spawn(async move {
        while let Some(bytes) = rx.recv().await {
            if wr.write_all(&bytes).await.is_err() {
                break;
            }
        }
        let _ = wr.shutdown().await;
    });
    let peer = Peer {
        transport,
        addr,
        conn: Some(id),
    };
    let mut buf: Vec<u8> = Vec::with_capacity(4096);
    let mut chunk = vec![0u8; 16 * 1024];
    'conn: loop {
        let n = match tokio::time::timeout(idle, rd.read(&mut chunk)).await {
            Ok(Ok(0)) | Ok(Err(_)) | Err(_) => break,
            Ok(Ok(n)) => n,
        };
        buf.extend_from_slice(&chunk[..n]);
        loop {
            match frame(&buf) {
                Ok(Frame::KeepAlive(k)) => {
                    if k >= 4 {
                        let _ = tx.try_send(b"\r\n".to_vec());
                    }
                    buf.drain(..k);
                }
                Ok(Frame::Message(len)) => {
                    let ok = dispatcher.dispatch(peer, &buf[..len]).is_ok();
                    buf.drain(..len);
                    if !ok {
                        garbage(&dispatcher, addr, "unparseable message on stream");
                        break 'conn;
                    }
                }
                Ok(Frame::Incomplete) => {
                    if buf.len() > MAX_MESSAGE_SIZE {
                        garbage(&dispatcher, addr, "message over the size limit on stream");
                        break 'conn;
                    }
                    break;
                }
                Err(e) => {
                    garbage(&dispatcher, addr, &e.to_string());
                    break 'conn;
                }
            }
        }
    }
    dispatcher.transports.remove_conn(id);
    drop(tx);
    let _ = writer.await;
}

fn garbage(dispatcher: &Dispatcher, addr: SocketAddr, what: &str) {
    Metrics::inc(&dispatcher.metrics.garbage_disconnects);
    dispatcher.metrics.warn_bad_input(addr, what);
}
