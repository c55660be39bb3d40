//! What the transaction layer hands to the TU (RFC 3261 §17.1 and §17.2: messages passed
//! up, timeouts and transaction failures, terminations).
//!
//! Invariants: every id returned by `send_request` or carried by `Incoming::Request` gets
//! exactly one `ClientTerminated` / `ServerTerminated` event, after any `Timeout` /
//! `AckTimeout` for it.

use vpbx_sip_msg::{Request, Response};

use super::id::{ClientTxId, ServerTxId};
use super::peer::Peer;

/// The result of feeding one received message to the layer (RFC 3261 §17.1.3, §17.2.3).
#[derive(Clone, Debug, PartialEq, Eq)]
#[allow(
    clippy::large_enum_variant,
    reason = "shape fixed by the engine's API; the message moves to the TU unboxed"
)]
pub enum Incoming {
    /// A request for the TU. `tx` is None for ACK (ACK for 2xx goes to the TU/dialog,
    /// RFC 3261 §13.3.1.4 and RFC 6026 §8.7).
    Request {
        /// The new server transaction, None for ACK.
        tx: Option<ServerTxId>,
        /// The request, with the top Via stamped per RFC 3261 §18.2.1 / RFC 3581 §4.
        request: Request,
        /// Where it came from.
        peer: Peer,
    },
    /// A response matched to a client transaction, for the TU (RFC 3261 §17.1.1.2,
    /// §17.1.2.2): 1xx and the final response once each, and every 2xx of an INVITE
    /// (RFC 6026 §8.4, Accepted state).
    Response {
        /// The client transaction it matched.
        tx: ClientTxId,
        /// The response.
        response: Response,
    },
    /// Handled inside the layer: retransmission, ACK of a non-2xx final, stray response,
    /// or a message that cannot be matched or answered (no usable top Via).
    Absorbed,
}

/// Something the TU must learn about outside of a received message (RFC 3261 §17).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TransactionEvent {
    /// A client transaction timed out (Timer B/F, or Timer C of RFC 3261 §16.6 for an
    /// INVITE left in Proceeding): the TU treats it as 408 (RFC 3261 §8.1.3.1).
    Timeout {
        /// The transaction.
        tx: ClientTxId,
    },
    /// INVITE server transaction never got its ACK (Timer H, RFC 3261 §17.2.1).
    AckTimeout {
        /// The transaction.
        tx: ServerTxId,
    },
    /// A server transaction ended (lets the TU drop state).
    ServerTerminated {
        /// The transaction.
        tx: ServerTxId,
    },
    /// A client transaction ended (lets the TU drop state).
    ClientTerminated {
        /// The transaction.
        tx: ClientTxId,
    },
}
