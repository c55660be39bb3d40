//! RTP and RTCP for the vpbx media relay (RFC 3550): a zero-copy view of the RTP fixed
//! header (§5.1), compound RTCP parsing and validation (§6.4, §A.2) and a per-leg quality
//! tracker (loss, jitter and relay-side round-trip time, §6.4.1).
//!
//! Invariants: sans-IO — nothing here performs I/O, spawns tasks or reads a clock (the
//! caller passes `now`); no parser panics on any byte input; memory per tracker is bounded.

#![warn(missing_docs)]

pub mod error;
pub mod packet;
pub mod quality;
pub mod rtcp;

pub use error::Error;
pub use packet::RtpPacket;
pub use quality::{Event, Quality, QualityTracker};
pub use rtcp::{Compound, ReceiverReport, Report, ReportBlock, SenderInfo, SenderReport};
