//! Registrar rules of RFC 3261 §10.3 (steps 5–8), sans-IO, keeping RFC 3327 Path and the
//! RFC 5626 `+sip.instance` of each binding.
//!
//! Invariants:
//! - Pure functions over the current bindings of one address of record: nothing here
//!   stores, reads a clock or authenticates (steps 1–4 of §10.3 are the caller's job).
//! - A failed REGISTER changes nothing: `apply` returns the complete new set or an error.
//! - Bindings are returned q-descending, unexpired, at most `max_contacts` of them.

mod apply;
mod binding;
mod error;
mod policy;
mod response;
mod uri_match;

#[cfg(test)]
mod tests;

pub use apply::{apply, Update};
pub use binding::{expire, Binding};
pub use error::RegisterError;
pub use policy::RegistrarPolicy;
pub use response::{error_response, ok_response};
