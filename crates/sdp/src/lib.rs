//! SDP for the vpbx B2BUA: model, parser and printer (RFC 8866, which obsoletes RFC 4566),
//! static RTP payload types (RFC 3551 §6) and the offer/answer model (RFC 3264) as pure
//! functions.
//!
//! Parsing accepts CRLF and LF line ends and rejects malformed input with a
//! [`ParseError`] naming the line (suitable for a 488 reason phrase); printing writes CRLF.
//! Typed views cover the attributes the B2BUA needs (`rtpmap`, `fmtp`, `ptime`, `maxptime`,
//! direction, `rtcp`, `rtcp-mux`); every other attribute is kept verbatim.
//!
//! Invariants: nothing here performs I/O, reads a clock or panics on input; for every `d`
//! returned by [`SessionDescription::parse`],
//! `SessionDescription::parse(&d.to_string()) == Ok(d)`.

pub mod attribute;
pub mod bandwidth;
pub mod capabilities;
pub mod connection;
pub mod direction;
pub mod error;
pub mod events;
mod lex;
pub mod media;
pub mod negotiate;
pub mod offer;
mod parse;
pub mod payload;
mod print;
pub mod relay;
pub mod rtpmap;
pub mod session;
pub mod timing;

pub use attribute::{Attribute, Rtcp};
pub use bandwidth::{Bandwidth, BandwidthType};
pub use capabilities::{LocalCodec, MediaCapabilities, MediaCapability};
pub use connection::{AddrType, Address, Connection, NetType};
pub use direction::Direction;
pub use error::{NegotiationError, ParseError};
pub use events::EventSet;
pub use media::{MediaDescription, MediaType, Proto};
pub use negotiate::{answer, check_answer};
pub use offer::{hold_offer, offer, resume_offer};
pub use payload::{PayloadType, RtpCodec};
pub use relay::{rewrite_transport, RelayEndpoint};
pub use rtpmap::{Fmtp, RtpMap};
pub use session::{Origin, SessionDescription};
pub use timing::{Repeat, TimeUnit, Timing, TypedTime, ZoneAdjustment};
