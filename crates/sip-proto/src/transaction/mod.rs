//! RFC 3261 §17 transaction layer, sans-IO, with the RFC 6026 corrections (Accepted states,
//! Timers L and M) and RFC 3581 response routing.
//!
//! The caller feeds received messages ([`TransactionLayer::receive`]), TU responses
//! ([`TransactionLayer::respond`]), TU requests ([`TransactionLayer::send_request`]) and the
//! current time ([`TransactionLayer::handle_timeout`]); it drains messages to send
//! ([`TransactionLayer::poll_transmit`]), TU events ([`TransactionLayer::poll_event`]) and
//! the next deadline ([`TransactionLayer::poll_timeout`]). Nothing here reads a clock or
//! touches a socket.
//!
//! Invariants: transactions are found by key in O(1) (hash maps over RFC 3261 §17.1.3 /
//! §17.2.3 keys, a generational slab for ids); timers live in one binary heap with lazy
//! deletion; each message is serialized once and its bytes reused for retransmissions; no
//! input from the network or the TU can make the layer panic.
//!
//! Files: `timers` (T1/T2/T4 and timer values), `queue` (timer heap), `key` (matching),
//! `via` (received/rport, response routing), `ack` (ACK for non-2xx), one file per state
//! machine, `server`/`client` (layer operations per side), `layer` (the layer itself).

mod ack;
mod client;
mod client_invite;
mod client_non_invite;
mod ctx;
mod entry;
mod error;
mod event;
mod id;
mod key;
mod layer;
mod peer;
mod queue;
mod server;
mod server_invite;
mod server_non_invite;
mod slab;
#[cfg(test)]
mod testutil;
mod timers;
mod via;
mod wire;

pub use error::TransactionError;
pub use event::{Incoming, TransactionEvent};
pub use id::{ClientTxId, ServerTxId};
pub use layer::TransactionLayer;
pub use peer::{ConnId, Peer, Transmit};
pub use timers::TimerConfig;
pub use via::{response_destination, stamp_received};
