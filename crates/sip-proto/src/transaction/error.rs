//! Errors the TU can get from the transaction layer (RFC 3261 §17.2: what a server
//! transaction accepts from its TU).
//!
//! Invariant: errors describe TU misuse only; network input never produces an error here
//! (it is absorbed or passed up instead).

/// Why a TU request to the transaction layer was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransactionError {
    /// The server transaction does not exist (never did, or already terminated).
    #[error("unknown or terminated transaction")]
    UnknownTransaction,
    /// RFC 3261 §17.2.1/§17.2.2: a final response was already sent; only 2xx retransmissions
    /// of an INVITE are accepted afterwards (RFC 6026 §8.7, Accepted state).
    #[error("a final response was already sent on this transaction")]
    AlreadyFinal,
    /// RFC 3261 §7.2, §21: status codes are 100..=699.
    #[error("invalid status code {0}")]
    InvalidStatus(u16),
}
