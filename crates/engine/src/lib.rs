//! The vpbx runtime: the only crate with sockets, clocks and tasks.
//!
//! It feeds bytes from the SIP transports (UDP, TCP, TLS; RFC 3261 §18) into the sans-IO
//! protocol core ([`core::SipCore`]), serves the tenants' registrars from memory
//! ([`registry`], [`location`]) and keeps the store in step (write-behind of registrations,
//! live reload of tenants and users changed by the CLI).

pub mod active;
pub mod config;
pub mod core;
pub mod error;
pub mod live;
pub mod location;
pub mod mailbox;
pub mod media;
pub mod metrics;
pub mod persist;
pub mod recordings;
pub mod registry;
pub mod server;
pub mod tenant_load;
pub mod transport;
pub mod trunk_state;
pub mod voicemail;

pub use config::{EngineConfig, TlsConfig};
pub use error::EngineError;
pub use server::Engine;
