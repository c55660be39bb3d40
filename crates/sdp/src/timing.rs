//! Time descriptions: `t=` (RFC 8866 §5.9), `r=` (§5.10) and `z=` (§5.11) with their
//! compact typed times (`1d`, `-1h`, ...).
//!
//! Invariants: a [`Repeat`] has at least one offset and only non-negative times; a
//! [`TypedTime`] may be negative only inside a `z=` offset. `z=` adjustments belong to the
//! time description they follow (RFC 8866 §9 `time-description`).

use crate::lex;

/// Unit suffix of a typed time (RFC 8866 §5.10 `fixed-len-time-unit`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TimeUnit {
    /// `d`, 86400 s.
    Days,
    /// `h`, 3600 s.
    Hours,
    /// `m`, 60 s.
    Minutes,
    /// `s`, written explicitly.
    Seconds,
}

/// A time in the compact form `<number>[d|h|m|s]` (RFC 8866 §5.10 `typed-time`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TypedTime {
    /// The number as written (negative only in `z=` offsets).
    pub value: i64,
    /// The unit suffix; `None` means seconds without a suffix.
    pub unit: Option<TimeUnit>,
}

/// One `r=` line: repeat interval, active duration and offsets (RFC 8866 §5.10).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Repeat {
    /// Repeat interval.
    pub interval: TypedTime,
    /// Active duration.
    pub duration: TypedTime,
    /// Offsets from the start time; at least one.
    pub offsets: Vec<TypedTime>,
}

/// One `<adjustment time> <offset>` pair of a `z=` line (RFC 8866 §5.11).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ZoneAdjustment {
    /// NTP time at which the adjustment happens.
    pub time: u64,
    /// Offset applied from then on (may be negative).
    pub offset: TypedTime,
}

/// A time description: `t=` with its `r=` and `z=` lines (RFC 8866 §5.9–§5.11, §9).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Timing {
    /// Start time (NTP seconds); 0 means unbounded.
    pub start: u64,
    /// Stop time (NTP seconds); 0 means unbounded.
    pub stop: u64,
    /// `r=` lines.
    pub repeats: Vec<Repeat>,
    /// Adjustments of the `z=` line following this description.
    pub zones: Vec<ZoneAdjustment>,
}

impl TimeUnit {
    /// The suffix letter (RFC 8866 §5.10).
    pub fn letter(self) -> char {
        match self {
            TimeUnit::Days => 'd',
            TimeUnit::Hours => 'h',
            TimeUnit::Minutes => 'm',
            TimeUnit::Seconds => 's',
        }
    }

    /// Seconds in one unit.
    fn seconds(self) -> i64 {
        match self {
            TimeUnit::Days => 86_400,
            TimeUnit::Hours => 3_600,
            TimeUnit::Minutes => 60,
            TimeUnit::Seconds => 1,
        }
    }
}

impl TypedTime {
    /// The time in seconds, saturating at the bounds of `i64`.
    pub fn seconds(self) -> i64 {
        self.value
            .saturating_mul(self.unit.map_or(1, TimeUnit::seconds))
    }

    /// Parses a typed time; a leading `-` only when `signed` (RFC 8866 §5.11).
    fn parse(s: &str, signed: bool) -> Option<TypedTime> {
        let (negative, s) = match s.strip_prefix('-') {
            Some(rest) if signed => (true, rest),
            _ => (false, s),
        };
        let (digits, unit) = match s.as_bytes().last() {
            Some(b'd') => (s.get(..s.len() - 1)?, Some(TimeUnit::Days)),
            Some(b'h') => (s.get(..s.len() - 1)?, Some(TimeUnit::Hours)),
            Some(b'm') => (s.get(..s.len() - 1)?, Some(TimeUnit::Minutes)),
            Some(b's') => (s.get(..s.len() - 1)?, Some(TimeUnit::Seconds)),
            _ => (s, None),
        };
        let value = lex::digits::<i64>(digits)?;
        Some(TypedTime {
            value: if negative { -value } else { value },
            unit,
        })
    }
}

impl Repeat {
    /// Parses the value of an `r=` line (RFC 8866 §5.10).
    pub(crate) fn parse(value: &str) -> Option<Repeat> {
        let mut it = lex::fields(value).map(|f| TypedTime::parse(f, false));
        let interval = it.next()??;
        let duration = it.next()??;
        let offsets = it.collect::<Option<Vec<_>>>()?;
        (!offsets.is_empty()).then_some(Repeat {
            interval,
            duration,
            offsets,
        })
    }
}

impl ZoneAdjustment {
    /// Parses the value of a `z=` line into its pairs (RFC 8866 §5.11).
    pub(crate) fn parse_line(value: &str) -> Option<Vec<ZoneAdjustment>> {
        let words: Vec<&str> = lex::fields(value).collect();
        let pairs = words.chunks_exact(2);
        if words.is_empty() || !pairs.remainder().is_empty() {
            return None;
        }
        pairs
            .map(|pair| match pair {
                [time, offset] => Some(ZoneAdjustment {
                    time: lex::digits(time)?,
                    offset: TypedTime::parse(offset, true)?,
                }),
                _ => None,
            })
            .collect()
    }
}

impl Timing {
    /// Parses the value of a `t=` line (RFC 8866 §5.9).
    pub(crate) fn parse(value: &str) -> Option<Timing> {
        let mut it = lex::fields(value);
        let start = lex::digits(it.next()?)?;
        let stop = lex::digits(it.next()?)?;
        it.next().is_none().then_some(Timing {
            start,
            stop,
            repeats: Vec::new(),
            zones: Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc8866_s5_9_timing() {
        assert_eq!(Timing::parse("0 0"), Some(Timing::default()));
        let t = Timing::parse("3034423619 3042462419");
        assert_eq!(t.map(|t| (t.start, t.stop)), Some((3034423619, 3042462419)));
        assert_eq!(Timing::parse("0"), None);
        assert_eq!(Timing::parse("0 0 0"), None);
        assert_eq!(Timing::parse("-1 0"), None);
    }

    #[test]
    fn rfc8866_s5_10_repeat() {
        let r = Repeat::parse("7d 1h 0 25h");
        let r = r.as_ref();
        assert_eq!(r.map(|r| r.interval.seconds()), Some(604800));
        assert_eq!(r.map(|r| r.duration.seconds()), Some(3600));
        assert_eq!(
            r.map(|r| r.offsets.iter().map(|o| o.seconds()).collect::<Vec<_>>()),
            Some(vec![0, 90000])
        );
        assert_eq!(Repeat::parse("604800 3600"), None);
        assert_eq!(Repeat::parse("-7d 1h 0"), None);
        assert_eq!(Repeat::parse("7x 1h 0"), None);
        assert_eq!(Repeat::parse("d 1h 0"), None);
    }

    #[test]
    fn rfc8866_s5_11_zone_adjustments() {
        let z = ZoneAdjustment::parse_line("2882844526 -1h 2898848070 0");
        assert_eq!(
            z.map(|z| z
                .iter()
                .map(|a| (a.time, a.offset.seconds()))
                .collect::<Vec<_>>()),
            Some(vec![(2882844526, -3600), (2898848070, 0)])
        );
        assert_eq!(ZoneAdjustment::parse_line("2882844526"), None);
        assert_eq!(ZoneAdjustment::parse_line(""), None);
        assert_eq!(ZoneAdjustment::parse_line("x -1h"), None);
    }

    #[test]
    fn typed_time_saturates() {
        let t = TypedTime {
            value: i64::MAX,
            unit: Some(TimeUnit::Days),
        };
        assert_eq!(t.seconds(), i64::MAX);
    }
}
