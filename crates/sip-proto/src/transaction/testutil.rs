//! Test helpers: parse literal messages, build peers, a simulated clock and a harness that
//! drives one state machine (unit tests only).
//!
//! Invariant: helpers panic on malformed test input, never used outside `cfg(test)`.

use std::time::{Duration, Instant};

use vpbx_sip_msg::{Message, Request, Response, Transport};

use super::ctx::{Ctx, Output};
use super::peer::{Peer, Transmit};
use super::queue::{Deadlines, Owner, TimerQueue};
use super::slab::Slab;
use super::timers::{TimerConfig, TimerKind};

/// Parses a literal request.
pub(crate) fn request(text: &str) -> Request {
    match Message::parse(text.as_bytes()) {
        Ok(Message::Request(r)) => r,
        other => panic!("not a request: {other:?}\n{text}"),
    }
}

/// Parses a literal response.
pub(crate) fn response(text: &str) -> Response {
    match Message::parse(text.as_bytes()) {
        Ok(Message::Response(r)) => r,
        other => panic!("not a response: {other:?}\n{text}"),
    }
}

/// A peer on `transport` at 192.0.2.1:5060.
pub(crate) fn peer(transport: Transport) -> Peer {
    Peer {
        transport,
        addr: ([192, 0, 2, 1], 5060).into(),
        conn: None,
    }
}

/// Simulated clock: a base instant plus offsets in milliseconds.
#[derive(Clone, Copy)]
pub(crate) struct Clock(pub(crate) Instant);

impl Clock {
    /// A clock starting now.
    pub(crate) fn new() -> Clock {
        Clock(Instant::now())
    }

    /// The instant `ms` milliseconds after the base.
    pub(crate) fn at(self, ms: u64) -> Instant {
        self.0 + Duration::from_millis(ms)
    }
}

/// Drives one state machine outside the layer: owns what a [`Ctx`] borrows.
pub(crate) struct Harness {
    pub(crate) clock: Clock,
    pub(crate) config: TimerConfig,
    out: Output,
    queue: TimerQueue,
    deadlines: Deadlines,
    owner: Owner,
}

impl Harness {
    /// A harness with default timers.
    pub(crate) fn new() -> Harness {
        let mut slab = Slab::new();
        Harness {
            clock: Clock::new(),
            config: TimerConfig::default(),
            out: Output::default(),
            queue: TimerQueue::default(),
            deadlines: Deadlines::default(),
            owner: Owner::Client(slab.insert(())),
        }
    }

    /// A context at `ms` after the base.
    pub(crate) fn ctx(&mut self, ms: u64) -> Ctx<'_> {
        Ctx {
            now: self.clock.at(ms),
            config: &self.config,
            out: &mut self.out,
            queue: &mut self.queue,
            deadlines: &mut self.deadlines,
            owner: self.owner,
        }
    }

    /// Drains the queued transmits.
    pub(crate) fn sent(&mut self) -> Vec<Transmit> {
        self.out.transmits.drain(..).collect()
    }

    /// Offset in ms at which `kind` is armed, if it is.
    pub(crate) fn armed(&self, kind: TimerKind) -> Option<u128> {
        self.deadlines
            .deadline(kind)
            .map(|at| at.duration_since(self.clock.0).as_millis())
    }

    /// Number of armed timers.
    pub(crate) fn armed_count(&self) -> usize {
        self.deadlines.armed()
    }
}

/// A request of `method` with branch `z9hG4bK<branch>`, sent by 192.0.2.1:5060.
pub(crate) fn req(method: &str, branch: &str) -> Request {
    request(&format!(
        "{method} sip:bob@example.com SIP/2.0\r\n\
         Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK{branch}\r\n\
         Max-Forwards: 70\r\nTo: <sip:bob@example.com>\r\n\
         From: <sip:alice@example.com>;tag=a1\r\nCall-ID: call-{branch}\r\n\
         CSeq: 1 {method}\r\nContent-Length: 0\r\n\r\n"
    ))
}

/// A `status` response to a `method` request with branch `z9hG4bK<branch>`.
pub(crate) fn resp(status: u16, method: &str, branch: &str) -> Response {
    response(&format!(
        "SIP/2.0 {status} Whatever\r\n\
         Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK{branch}\r\n\
         To: <sip:bob@example.com>;tag=b2\r\n\
         From: <sip:alice@example.com>;tag=a1\r\nCall-ID: call-{branch}\r\n\
         CSeq: 1 {method}\r\nContent-Length: 0\r\n\r\n"
    ))
}
