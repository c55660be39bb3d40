//! Typed views of individual header field values (RFC 3261 §20), one header per file.
//!
//! Invariant: every type here parses from the unfolded value string stored in
//! [`crate::Header`] and its `Display` output parses back to an equal value.

pub mod auth;
pub mod contact;
pub mod cseq;
pub mod name_addr;
pub mod params;
pub mod via;
