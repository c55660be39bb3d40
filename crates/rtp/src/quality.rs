//! Per-leg quality as measured by a relay (RFC 3550 §6.4): the loss and jitter figures of
//! the last report block a party sent (§6.4.1) and the round-trip time between the relay
//! and that party, computed from LSR/DLSR as in RFC 3550 §6.4.1 but with the relay's own
//! forwarding time of the SR in place of the sender's.
//!
//! Invariants: sans-IO (the caller passes `now`); memory is bounded — only the last
//! [`SR_HISTORY`] forwarded SRs are remembered; a report whose LSR matches none of them,
//! whose LSR is 0 or whose DLSR exceeds the elapsed time leaves the RTT unchanged.

use std::time::{Duration, Instant};

use crate::rtcp::ReportBlock;

/// RTP clock rate of G.711 and G.722, the default for jitter conversion (RFC 3551 §4.5.14,
/// §4.5.2, §6).
pub const DEFAULT_CLOCK_RATE: u32 = 8000;

/// How many forwarded SRs a tracker remembers for RTT matching (RFC 3550 §6.4.1 LSR).
pub const SR_HISTORY: usize = 16;

/// Something the relay saw on one leg (RFC 3550 §6.4.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event<'a> {
    /// The relay sent an SR to this leg's party; `ntp_middle` is the middle 32 bits of its
    /// NTP timestamp, the value the party will echo as LSR (RFC 3550 §6.4.1).
    SrForwarded {
        /// Middle 32 bits of the SR's NTP timestamp (RFC 3550 §6.4.1).
        ntp_middle: u32,
    },
    /// This leg's party sent a report block about what it received (RFC 3550 §6.4.1,
    /// §6.4.2).
    ReportReceived(&'a ReportBlock),
}

/// The figures of one leg (RFC 3550 §6.4.1); `None` until a report provided them.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Quality {
    /// Cumulative packets lost from the party's last report block (RFC 3550 §6.4.1).
    pub lost: Option<i64>,
    /// Fraction lost from the party's last report block, 0..=1 (RFC 3550 §6.4.1).
    pub fraction_lost: Option<f64>,
    /// Interarrival jitter from the party's last report block, milliseconds
    /// (RFC 3550 §6.4.1, §A.8).
    pub jitter_ms: Option<f64>,
    /// Last round-trip time between the relay and the party (RFC 3550 §6.4.1).
    pub rtt: Option<Duration>,
}

/// Tracks the quality of one leg from RTCP seen by a relay (RFC 3550 §6.4.1).
#[derive(Clone, Debug)]
pub struct QualityTracker {
    clock_rate: u32,
    /// Ring of (NTP middle 32 bits, forwarding time) of the last forwarded SRs.
    forwarded: [Option<(u32, Instant)>; SR_HISTORY],
    /// Next slot of `forwarded` to overwrite.
    next: usize,
    quality: Quality,
}

impl Default for QualityTracker {
    /// A tracker for an 8000 Hz payload (RFC 3551 §6).
    fn default() -> Self {
        QualityTracker::new(DEFAULT_CLOCK_RATE)
    }
}

impl QualityTracker {
    /// A tracker converting jitter with `clock_rate` Hz, the RTP clock of the leg's payload
    /// (RFC 3550 §6.4.1, RFC 3551 §6); 0 is treated as [`DEFAULT_CLOCK_RATE`].
    pub fn new(clock_rate: u32) -> Self {
        QualityTracker {
            clock_rate: if clock_rate == 0 {
                DEFAULT_CLOCK_RATE
            } else {
                clock_rate
            },
            forwarded: [None; SR_HISTORY],
            next: 0,
            quality: Quality::default(),
        }
    }

    /// Feeds one event seen at `now` (RFC 3550 §6.4.1).
    pub fn handle(&mut self, now: Instant, event: Event<'_>) {
        match event {
            Event::SrForwarded { ntp_middle } => {
                self.forwarded[self.next] = Some((ntp_middle, now));
                self.next = (self.next + 1) % SR_HISTORY;
            }
            Event::ReportReceived(block) => self.report(now, block),
        }
    }

    /// The figures so far (RFC 3550 §6.4.1).
    pub fn quality(&self) -> Quality {
        self.quality
    }

    fn report(&mut self, now: Instant, block: &ReportBlock) {
        self.quality.lost = Some(i64::from(block.cumulative_lost));
        self.quality.fraction_lost = Some(f64::from(block.fraction_lost) / 256.0);
        self.quality.jitter_ms =
            Some(f64::from(block.jitter) * 1000.0 / f64::from(self.clock_rate));
        if block.lsr == 0 {
            return;
        }
        let sent = self
            .forwarded
            .iter()
            .flatten()
            .filter(|(middle, _)| *middle == block.lsr)
            .map(|(_, at)| *at)
            .max();
        let Some(sent) = sent else {
            return;
        };
        // DLSR is in units of 1/65536 s (RFC 3550 §6.4.1).
        let dlsr = Duration::from_nanos(u64::from(block.dlsr) * 1_000_000_000 / 65_536);
        if let Some(rtt) = now
            .checked_duration_since(sent)
            .and_then(|d| d.checked_sub(dlsr))
        {
            self.quality.rtt = Some(rtt);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(lsr: u32, dlsr: u32) -> ReportBlock {
        ReportBlock {
            ssrc: 1,
            fraction_lost: 64,
            cumulative_lost: -3,
            highest_seq: 100,
            jitter: 80,
            lsr,
            dlsr,
        }
    }

    #[test]
    fn loss_and_jitter_from_last_report() {
        let mut t = QualityTracker::default();
        assert_eq!(t.quality(), Quality::default());
        t.handle(Instant::now(), Event::ReportReceived(&block(0, 0)));
        let q = t.quality();
        assert_eq!(q.lost, Some(-3));
        assert_eq!(q.fraction_lost, Some(0.25));
        assert_eq!(q.jitter_ms, Some(10.0));
        assert_eq!(q.rtt, None);
        let mut wide = QualityTracker::new(48_000);
        wide.handle(Instant::now(), Event::ReportReceived(&block(0, 0)));
        assert_eq!(wide.quality().jitter_ms, Some(80.0 * 1000.0 / 48_000.0));
        assert_eq!(QualityTracker::new(0).clock_rate, DEFAULT_CLOCK_RATE);
    }

    #[test]
    fn rtt_from_lsr_and_dlsr() {
        let t0 = Instant::now();
        let mut t = QualityTracker::default();
        t.handle(t0, Event::SrForwarded { ntp_middle: 0xabcd });
        // Back 300 ms later having held it 100 ms (6553.6 units of 1/65536 s).
        let back = t0 + Duration::from_millis(300);
        t.handle(back, Event::ReportReceived(&block(0xabcd, 6554)));
        let rtt = t.quality().rtt.expect("rtt");
        assert!(rtt > Duration::from_millis(199) && rtt < Duration::from_millis(201));
    }

    #[test]
    fn rtt_ignores_unknown_lsr_and_impossible_dlsr() {
        let t0 = Instant::now();
        let mut t = QualityTracker::default();
        t.handle(t0, Event::SrForwarded { ntp_middle: 7 });
        let later = t0 + Duration::from_millis(10);
        t.handle(later, Event::ReportReceived(&block(8, 0)));
        t.handle(later, Event::ReportReceived(&block(7, 65_536)));
        assert_eq!(t.quality().rtt, None);
    }

    #[test]
    fn history_is_bounded() {
        let t0 = Instant::now();
        let mut t = QualityTracker::default();
        for i in 1..=(SR_HISTORY as u32 + 1) {
            t.handle(t0, Event::SrForwarded { ntp_middle: i });
        }
        let later = t0 + Duration::from_millis(5);
        t.handle(later, Event::ReportReceived(&block(1, 0)));
        assert_eq!(t.quality().rtt, None, "the oldest SR was forgotten");
        t.handle(later, Event::ReportReceived(&block(2, 0)));
        assert_eq!(t.quality().rtt, Some(Duration::from_millis(5)));
    }
}
