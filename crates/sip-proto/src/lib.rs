//! Sans-IO SIP protocol core (RFC 3261 §17 transactions, RFC 6026, RFC 8760 digest,
//! RFC 3261 §10.3 registrar rules, §10.2 outbound registration and §11 OPTIONS qualify).
//!
//! Nothing here reads a clock, opens a socket or spawns a task: callers pass the current
//! time in and take messages and timer deadlines out.

pub mod digest;
pub mod outbound;
pub mod registrar;
pub mod transaction;
