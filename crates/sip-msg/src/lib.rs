//! SIP message model, parser and printer (RFC 3261 §7, §20, §25).
//!
//! Parsing is one pass over `&[u8]` into a [`Message`] whose headers are kept as raw,
//! unfolded strings; typed views ([`Via`], [`NameAddr`], [`CSeq`], [`AuthParams`], ...) are
//! parsed on demand from those strings. Nothing in this crate panics on input, performs I/O
//! or reads a clock. Invariant: for every `m` returned by [`Message::parse`],
//! `Message::parse(&m.to_bytes()) == Ok(m)`.

#![warn(missing_docs)]

pub mod error;
pub mod frame;
pub mod header;
pub mod headers;
pub mod host;
mod lex;
pub mod message;
pub mod method;
mod parse;
pub mod uri;
mod validate;

pub use error::{HeaderError, ParseError};
pub use frame::{frame, Frame};
pub use header::auth::AuthParams;
pub use header::contact::Contact;
pub use header::cseq::CSeq;
pub use header::name_addr::NameAddr;
pub use header::params::Params;
pub use header::via::{Transport, Via};
pub use headers::{Header, HeaderName, Headers};
pub use host::Host;
pub use message::{Message, Request, Response};
pub use method::Method;
pub use uri::{Scheme, Uri};

/// Largest message (start line, headers and body) accepted by [`Message::parse`] and
/// [`frame()`]; RFC 3261 §18.1.1 keeps UDP messages well below this, and streams carrying
/// larger ones are treated as hostile.
pub const MAX_MESSAGE_SIZE: usize = 65_536;
