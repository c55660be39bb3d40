//! Event lists of the RFC 4733 `telephone-event` payload format: the `fmtp` value such as
//! `0-15,66,70` (RFC 4733 §2.4.1, §7.1.1).
//!
//! Invariant: an [`EventSet`] is a set of event codes 0..=255; printing coalesces it into
//! ascending ranges, so equal sets print identically.

use std::fmt;

use crate::lex;

/// A set of telephone-event codes (RFC 4733 §2.4.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct EventSet {
    bits: [u64; 4],
}

impl EventSet {
    /// The events assumed when no `fmtp` is given: the DTMF events 0–15 (RFC 4733 §7.1.1).
    pub fn default_dtmf() -> EventSet {
        EventSet::range(0, 15)
    }

    /// The set `low..=high` (empty if `low > high`).
    pub fn range(low: u8, high: u8) -> EventSet {
        let mut set = EventSet::default();
        for code in low..=high {
            set.insert(code);
        }
        set
    }

    /// Adds `code` to the set.
    pub fn insert(&mut self, code: u8) {
        if let Some(word) = self.bits.get_mut(usize::from(code / 64)) {
            *word |= 1 << (code % 64);
        }
    }

    /// Whether `code` is in the set.
    pub fn contains(&self, code: u8) -> bool {
        self.bits
            .get(usize::from(code / 64))
            .is_some_and(|word| word & (1 << (code % 64)) != 0)
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.bits.iter().all(|&w| w == 0)
    }

    /// The events in both sets: what both ends of a negotiation support (RFC 4733 §7.1.1).
    pub fn intersection(&self, other: &EventSet) -> EventSet {
        let mut bits = self.bits;
        for (mine, theirs) in bits.iter_mut().zip(other.bits) {
            *mine &= theirs;
        }
        EventSet { bits }
    }

    /// Parses a comma-separated list of codes and `low-high` ranges (RFC 4733 §7.1.1);
    /// whitespace around items is tolerated.
    pub fn parse(s: &str) -> Option<EventSet> {
        let mut set = EventSet::default();
        for item in s.split(',').map(str::trim) {
            let (low, high) = match item.split_once('-') {
                Some((low, high)) => (lex::digits::<u8>(low)?, lex::digits::<u8>(high)?),
                None => {
                    let code = lex::digits::<u8>(item)?;
                    (code, code)
                }
            };
            if low > high {
                return None;
            }
            for code in low..=high {
                set.insert(code);
            }
        }
        Some(set)
    }
}

impl fmt::Display for EventSet {
    /// Prints ascending ranges, e.g. `0-16,32` (RFC 4733 §7.1.1).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        let mut code: u16 = 0;
        while code <= 255 {
            let low = code;
            while code <= 255 && u8::try_from(code).is_ok_and(|c| self.contains(c)) {
                code += 1;
            }
            if code > low {
                if !first {
                    f.write_str(",")?;
                }
                first = false;
                let high = code - 1;
                if high == low {
                    write!(f, "{low}")?;
                } else {
                    write!(f, "{low}-{high}")?;
                }
            }
            code += 1;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4733_s7_1_1_event_lists() {
        let s = EventSet::parse("0-16");
        assert_eq!(s, Some(EventSet::range(0, 16)));
        let s = EventSet::parse("0-15, 66,70,255");
        assert_eq!(s.map(|s| s.to_string()), Some("0-15,66,70,255".to_owned()));
        assert_eq!(EventSet::default_dtmf().to_string(), "0-15");
        for bad in ["", "16-0", "0-", "x", "256", "1,,2"] {
            assert_eq!(EventSet::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn intersection_and_membership() {
        let a = EventSet::range(0, 16);
        let b = EventSet::parse("10-20,200").unwrap_or_default();
        let both = a.intersection(&b);
        assert_eq!(both.to_string(), "10-16");
        assert!(both.contains(16) && !both.contains(200));
        assert!(EventSet::range(0, 5)
            .intersection(&EventSet::range(6, 9))
            .is_empty());
        assert!(EventSet::range(5, 4).is_empty());
    }
}
