//! Counters the engine keeps about itself, and the rate limiter for bad-input log lines.
//!
//! Invariant: counters only grow; a flood of bad input produces at most one log line per
//! second, which carries the number of lines suppressed since the previous one.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Process-wide SIP counters.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Messages received on any transport.
    pub received: AtomicU64,
    /// Bytes that could not be parsed as SIP and were dropped.
    pub unparseable: AtomicU64,
    /// Parseable requests answered 400 because of a bad header.
    pub bad_requests: AtomicU64,
    /// Messages over the size limit.
    pub oversized: AtomicU64,
    /// REGISTER requests answered 200.
    pub registrations: AtomicU64,
    /// Requests refused for failed authentication (403).
    pub auth_failures: AtomicU64,
    /// Stream connections closed because the peer sent garbage.
    pub garbage_disconnects: AtomicU64,
    bad_input_log: Mutex<LogLimiter>,
}

#[derive(Debug, Default)]
struct LogLimiter {
    last: Option<Instant>,
    suppressed: u64,
}

impl Metrics {
    /// Adds one to a counter.
    pub fn inc(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Logs a warning about bad input from `source`, at most once per second.
    pub fn warn_bad_input(&self, source: SocketAddr, what: &str) {
        let mut lim = self.bad_input_log.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        match lim.last {
            Some(t) if now.duration_since(t) < Duration::from_secs(1) => lim.suppressed += 1,
            _ => {
                tracing::warn!(%source, suppressed = lim.suppressed, "dropped bad SIP input: {what}");
                lim.last = Some(now);
                lim.suppressed = 0;
            }
        }
    }

    /// A snapshot of all counters as (name, value) pairs.
    pub fn snapshot(&self) -> Vec<(&'static str, u64)> {
        let g = |c: &AtomicU64| c.load(Ordering::Relaxed);
        vec![
            ("received", g(&self.received)),
            ("unparseable", g(&self.unparseable)),
            ("bad_requests", g(&self.bad_requests)),
            ("oversized", g(&self.oversized)),
            ("registrations", g(&self.registrations)),
            ("auth_failures", g(&self.auth_failures)),
            ("garbage_disconnects", g(&self.garbage_disconnects)),
        ]
    }
}
