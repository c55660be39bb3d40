//! Transaction timer values (RFC 3261 §17.1.1.2, §17.1.2.2, §17.2.1, §17.2.2, Table 4;
//! RFC 6026 §8.4 and §8.7 for Timers L and M).
//!
//! Invariants: every duration is derived from the configured T1, T2 and T4 (sanitised so
//! that T1 > 0 and T2 >= T1, which keeps retransmission loops finite); a timer whose RFC
//! value is "0 for reliable transports" is reported as zero here and the state machines
//! act on it at once instead of arming it.

use std::time::Duration;

/// RFC 3261 §17.2.1: a server INVITE transaction sends 100 Trying itself when the TU has
/// not answered within 200 ms.
pub(crate) const TRYING_DELAY: Duration = Duration::from_millis(200);

/// RFC 3261 §16.6 step 11 / §16.7 step 2: Timer C, "greater than 3 minutes", guards an INVITE
/// client transaction that got a provisional response but never a final one.
pub(crate) const TIMER_C: Duration = Duration::from_secs(181);

/// RFC 3261 §17.1.1.2: Timer D is "at least 32 seconds" on unreliable transports.
const TIMER_D_MIN: Duration = Duration::from_secs(32);

/// Smallest T1 accepted, so that doubling retransmission intervals always advance the clock.
const T1_MIN: Duration = Duration::from_millis(1);

/// RFC 3261 §17.1.1.1 and Table 4: the base timer values (T1 round-trip estimate, T2 maximum
/// retransmit interval for non-INVITE requests and INVITE responses, T4 maximum time a
/// message stays in the network).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimerConfig {
    /// RFC 3261 §17.1.1.1 T1, the RTT estimate (default 500 ms).
    pub t1: Duration,
    /// RFC 3261 §17.1.2.2 T2, the retransmission cap (default 4 s).
    pub t2: Duration,
    /// RFC 3261 §17.1.2.2 T4, the time a message may linger in the network (default 5 s).
    pub t4: Duration,
}

impl Default for TimerConfig {
    /// RFC 3261 Table 4 defaults: T1 = 500 ms, T2 = 4 s, T4 = 5 s.
    fn default() -> Self {
        TimerConfig {
            t1: Duration::from_millis(500),
            t2: Duration::from_secs(4),
            t4: Duration::from_secs(5),
        }
    }
}

impl TimerConfig {
    /// Returns a copy with T1 at least 1 ms and T2 at least T1 (RFC 3261 Table 4 requires
    /// T2 > T1 in spirit; zero T1 would make retransmission timers spin).
    pub(crate) fn sanitized(self) -> Self {
        let t1 = self.t1.max(T1_MIN);
        TimerConfig {
            t1,
            t2: self.t2.max(t1),
            t4: self.t4,
        }
    }

    /// 64*T1: Timers B, F, H, J (unreliable), L and M (RFC 3261 Table 4, RFC 6026 §8.4/§8.7).
    pub(crate) fn t1x64(&self) -> Duration {
        self.t1.saturating_mul(64)
    }

    /// Timer D (RFC 3261 §17.1.1.2): at least 32 s and at least 64*T1 for unreliable
    /// transports, so the ACK still answers every retransmitted final response; 0 for reliable.
    pub(crate) fn timer_d(&self, reliable: bool) -> Duration {
        if reliable {
            Duration::ZERO
        } else {
            self.t1x64().max(TIMER_D_MIN)
        }
    }

    /// Timers I and K (RFC 3261 §17.2.1, §17.1.2.2): T4 for unreliable transports, 0 for reliable.
    pub(crate) fn t4_or_zero(&self, reliable: bool) -> Duration {
        if reliable {
            Duration::ZERO
        } else {
            self.t4
        }
    }

    /// Timer J (RFC 3261 §17.2.2): 64*T1 for unreliable transports, 0 for reliable.
    pub(crate) fn timer_j(&self, reliable: bool) -> Duration {
        if reliable {
            Duration::ZERO
        } else {
            self.t1x64()
        }
    }

    /// Next retransmission interval for Timers E and G (RFC 3261 §17.1.2.2, §17.2.1):
    /// doubles, capped at T2.
    pub(crate) fn double_capped(&self, interval: Duration) -> Duration {
        interval.saturating_mul(2).min(self.t2)
    }
}

/// The RFC 3261 / RFC 6026 timer names, plus the 100 Trying delay of §17.2.1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum TimerKind {
    /// INVITE request retransmission (client, Calling).
    A,
    /// INVITE transaction timeout (client, Calling).
    B,
    /// Provisional-response guard (client INVITE, Proceeding; RFC 3261 §16.6).
    C,
    /// Wait time for response retransmissions (client INVITE, Completed).
    D,
    /// Non-INVITE request retransmission (client, Trying/Proceeding).
    E,
    /// Non-INVITE transaction timeout (client).
    F,
    /// INVITE final response retransmission (server, Completed).
    G,
    /// Wait time for ACK receipt (server INVITE, Completed).
    H,
    /// Wait time for ACK retransmissions (server INVITE, Confirmed).
    I,
    /// Wait time for non-INVITE request retransmissions (server, Completed).
    J,
    /// Wait time for response retransmissions (client non-INVITE, Completed).
    K,
    /// Wait time for INVITE retransmissions after a 2xx (server, Accepted; RFC 6026).
    L,
    /// Wait time for 2xx retransmissions (client INVITE, Accepted; RFC 6026).
    M,
    /// 100 Trying deadline (server INVITE, Proceeding; RFC 3261 §17.2.1).
    Trying,
}

/// Number of timer slots a transaction owns.
pub(crate) const SLOTS: usize = 4;

impl TimerKind {
    /// The slot a timer occupies in its transaction. Timers sharing a slot are never armed
    /// together: retransmission (A, E, G), timeout (B, C, F, H), linger (D, I, J, K, L, M)
    /// and the 100 Trying deadline.
    pub(crate) fn slot(self) -> usize {
        match self {
            TimerKind::A | TimerKind::E | TimerKind::G => 0,
            TimerKind::B | TimerKind::C | TimerKind::F | TimerKind::H => 1,
            TimerKind::D
            | TimerKind::I
            | TimerKind::J
            | TimerKind::K
            | TimerKind::L
            | TimerKind::M => 2,
            TimerKind::Trying => 3,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_table_4() {
        let c = TimerConfig::default();
        assert_eq!(c.t1, Duration::from_millis(500));
        assert_eq!(c.t2, Duration::from_secs(4));
        assert_eq!(c.t4, Duration::from_secs(5));
        assert_eq!(c.t1x64(), Duration::from_secs(32));
    }

    #[test]
    fn reliable_transports_get_zero_timers() {
        let c = TimerConfig::default();
        assert_eq!(c.timer_d(true), Duration::ZERO);
        assert_eq!(c.timer_d(false), Duration::from_secs(32));
        assert_eq!(c.t4_or_zero(true), Duration::ZERO);
        assert_eq!(c.t4_or_zero(false), Duration::from_secs(5));
        assert_eq!(c.timer_j(true), Duration::ZERO);
        assert_eq!(c.timer_j(false), Duration::from_secs(32));
    }

    #[test]
    fn timer_d_covers_64_t1_when_t1_is_large() {
        let c = TimerConfig {
            t1: Duration::from_secs(1),
            ..TimerConfig::default()
        };
        assert_eq!(c.timer_d(false), Duration::from_secs(64));
    }

    #[test]
    fn doubling_is_capped_at_t2() {
        let c = TimerConfig::default();
        let mut i = c.t1;
        let mut seen = Vec::new();
        for _ in 0..6 {
            i = c.double_capped(i);
            seen.push(i.as_millis());
        }
        assert_eq!(seen, vec![1000, 2000, 4000, 4000, 4000, 4000]);
    }

    #[test]
    fn sanitize_avoids_zero_and_inverted_values() {
        let c = TimerConfig {
            t1: Duration::ZERO,
            t2: Duration::ZERO,
            t4: Duration::ZERO,
        }
        .sanitized();
        assert_eq!(c.t1, T1_MIN);
        assert_eq!(c.t2, T1_MIN);
        assert_eq!(c.t4, Duration::ZERO);
    }

    #[test]
    fn exclusive_timers_share_slots_and_slots_are_in_range() {
        use TimerKind::*;
        for k in [A, B, C, D, E, F, G, H, I, J, K, L, M, Trying] {
            assert!(k.slot() < SLOTS);
        }
        assert_eq!(A.slot(), G.slot());
        assert_ne!(G.slot(), H.slot());
        assert_ne!(H.slot(), Trying.slot());
        assert_ne!(A.slot(), B.slot());
    }
}
