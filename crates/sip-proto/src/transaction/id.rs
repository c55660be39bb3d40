//! Opaque transaction identifiers handed to the TU (RFC 3261 §17: the TU addresses server
//! transactions when responding and learns about client transactions by id).
//!
//! Invariants: an id is never reused while any copy of it can still refer to a live
//! transaction (ids carry the slab generation), and the TU cannot forge one.

use super::slab::SlabKey;

/// Identifies a server transaction (RFC 3261 §17.2) for `respond` and in events.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ServerTxId(pub(crate) SlabKey);

/// Identifies a client transaction (RFC 3261 §17.1) in responses and events.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClientTxId(pub(crate) SlabKey);
