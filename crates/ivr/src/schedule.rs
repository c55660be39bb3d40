//! When a menu sends its calls elsewhere: weekly time rules and holidays, in the menu's
//! time zone (seed 000 `ivr_list`, the schedule of a voice menu).
//!
//! Rules: a [`ScheduleRule`] covers the interval that starts at `from` on each of its
//! days and ends at `to`; `to` earlier than `from` runs over midnight into the next day
//! (so `fri 22:00-06:00` covers Saturday 03:00 but `mon-fri 22:00-06:00` does not cover
//! Monday 03:00), and `to` equal to `from` covers 24 hours (`sat,sun 00:00-00:00` is the
//! whole weekend). `from` is included, `to` is not.
//!
//! Invariant: [`Weekdays`] and [`TimeOfDay`] print as the strings they parse from, which
//! are also their JSON forms; a [`Weekdays`] is never empty.

use crate::IvrError;
use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use vpbx_model::IvrName;

/// Minutes in a day.
const DAY_MINUTES: u16 = 24 * 60;

/// Day names, Monday first, as parsed and printed.
const DAY_NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// A non-empty set of weekdays: `mon-fri`, `sat,sun`, `mon`, `fri-mon` (wraps), or a
/// comma-separated mix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Weekdays(u8);

impl Weekdays {
    /// Every day of the week.
    pub const ALL: Weekdays = Weekdays(0x7f);

    /// Whether the set holds `day` (0 = Monday .. 6 = Sunday).
    pub fn contains(self, day: u32) -> bool {
        day < 7 && self.0 & (1 << day) != 0
    }
}

/// The day index (0 = Monday) of a day name.
fn day_index(s: &str) -> Option<u32> {
    let s = s.trim().to_ascii_lowercase();
    DAY_NAMES.iter().position(|d| *d == s).map(|i| i as u32)
}

impl FromStr for Weekdays {
    type Err = IvrError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || {
            IvrError::invalid(
                "days",
                format!("{s:?} (use day names mon..sun, ranges like mon-fri, commas: sat,sun)"),
            )
        };
        let mut bits = 0u8;
        for item in s.split(',') {
            let (first, last) = match item.split_once('-') {
                Some((a, b)) => (day_index(a).ok_or_else(bad)?, day_index(b).ok_or_else(bad)?),
                None => {
                    let d = day_index(item).ok_or_else(bad)?;
                    (d, d)
                }
            };
            let mut d = first;
            loop {
                bits |= 1 << d;
                if d == last {
                    break;
                }
                d = (d + 1) % 7;
            }
        }
        Ok(Weekdays(bits))
    }
}

impl fmt::Display for Weekdays {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = Vec::new();
        let mut d = 0u32;
        while d < 7 {
            if !self.contains(d) {
                d += 1;
                continue;
            }
            let start = d;
            while d + 1 < 7 && self.contains(d + 1) {
                d += 1;
            }
            let (a, b) = (DAY_NAMES[start as usize], DAY_NAMES[d as usize]);
            match d - start {
                0 => parts.push(a.to_owned()),
                1 => parts.extend([a.to_owned(), b.to_owned()]),
                _ => parts.push(format!("{a}-{b}")),
            }
            d += 1;
        }
        f.write_str(&parts.join(","))
    }
}

impl TryFrom<String> for Weekdays {
    type Error = IvrError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Weekdays> for String {
    fn from(w: Weekdays) -> String {
        w.to_string()
    }
}

/// A time of day to the minute, `00:00` to `23:59`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TimeOfDay(u16);

impl TimeOfDay {
    /// Parses `HH:MM` (or `H:MM`), naming `field` in the error.
    pub fn parse(field: &str, s: &str) -> Result<TimeOfDay, IvrError> {
        let bad = || IvrError::invalid(field, format!("{s:?} (use HH:MM, 00:00 to 23:59)"));
        let (h, m) = s.split_once(':').ok_or_else(bad)?;
        let digits = |v: &str, len: std::ops::RangeInclusive<usize>| {
            len.contains(&v.len()) && v.bytes().all(|b| b.is_ascii_digit())
        };
        if !digits(h, 1..=2) || !digits(m, 2..=2) {
            return Err(bad());
        }
        let (h, m): (u16, u16) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
        if h > 23 || m > 59 {
            return Err(bad());
        }
        Ok(TimeOfDay(h * 60 + m))
    }

    /// Minutes since midnight.
    pub fn minutes(self) -> u16 {
        self.0
    }
}

impl FromStr for TimeOfDay {
    type Err = IvrError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TimeOfDay::parse("time", s)
    }
}

impl fmt::Display for TimeOfDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.0 / 60, self.0 % 60)
    }
}

impl TryFrom<String> for TimeOfDay {
    type Error = IvrError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<TimeOfDay> for String {
    fn from(t: TimeOfDay) -> String {
        t.to_string()
    }
}

/// One weekly rule of a menu's schedule: during it, calls entering the menu go to `goto`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleRule {
    /// The days the interval starts on.
    pub days: Weekdays,
    /// Start, included.
    pub from: TimeOfDay,
    /// End, excluded; earlier than `from` runs over midnight, equal to it covers 24 hours.
    pub to: TimeOfDay,
    /// The menu calls go to during the interval.
    pub goto: IvrName,
}

impl ScheduleRule {
    /// Length of the interval, minutes (1..=1440).
    fn length(&self) -> u16 {
        let (from, to) = (self.from.minutes(), self.to.minutes());
        match (to + DAY_MINUTES - from) % DAY_MINUTES {
            0 => DAY_MINUTES,
            n => n,
        }
    }

    /// Whether local time `local` falls in the rule.
    pub fn matches(&self, local: NaiveDateTime) -> bool {
        let day = local.weekday().num_days_from_monday();
        let minute = (local.hour() * 60 + local.minute()) as u16;
        let (from, len) = (self.from.minutes(), self.length());
        let today = self.days.contains(day) && minute >= from && minute - from < len;
        let from_yesterday = self.days.contains((day + 6) % 7) && minute + DAY_MINUTES - from < len;
        today || from_yesterday
    }
}

impl fmt::Display for ScheduleRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}-{} -> ivr:{}",
            self.days, self.from, self.to, self.goto
        )
    }
}

/// A date on which calls entering the menu go to `goto` all day, before any weekly rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Holiday {
    /// The local date, `2026-12-31` in JSON.
    pub date: NaiveDate,
    /// The menu calls go to that day.
    pub goto: IvrName,
}

impl Holiday {
    /// Parses a date `YYYY-MM-DD`, naming `field` in the error.
    pub fn parse_date(field: &str, s: &str) -> Result<NaiveDate, IvrError> {
        NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map_err(|_| IvrError::invalid(field, format!("{s:?} (use YYYY-MM-DD)")))
    }
}

impl fmt::Display for Holiday {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} -> ivr:{}", self.date, self.goto)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(date: &str, time: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(&format!("{date} {time}"), "%Y-%m-%d %H:%M").unwrap()
    }

    fn rule(days: &str, from: &str, to: &str) -> ScheduleRule {
        ScheduleRule {
            days: days.parse().unwrap(),
            from: from.parse().unwrap(),
            to: to.parse().unwrap(),
            goto: "night".parse().unwrap(),
        }
    }

    #[test]
    fn weekdays_parse_and_print() {
        for (input, shown) in [
            ("mon-fri", "mon-fri"),
            ("sat,sun", "sat,sun"),
            ("mon", "mon"),
            ("Mon-Sun", "mon-sun"),
            ("fri-mon", "mon,fri-sun"),
            ("mon,tue,wed", "mon-wed"),
            ("sun,mon", "mon,sun"),
            ("mon-tue,thu", "mon,tue,thu"),
        ] {
            let w: Weekdays = input.parse().unwrap();
            assert_eq!(w.to_string(), shown, "{input}");
            assert_eq!(shown.parse::<Weekdays>().unwrap(), w);
        }
        assert_eq!("mon-sun".parse::<Weekdays>().unwrap(), Weekdays::ALL);
        for bad in ["", "monday", "mon-", "-fri", "mon,,tue", "1-5", "mon fri"] {
            let e = bad.parse::<Weekdays>().unwrap_err();
            assert_eq!(e.field(), "days", "{bad}");
        }
        let json = serde_json::to_string(&"sat,sun".parse::<Weekdays>().unwrap()).unwrap();
        assert_eq!(json, "\"sat,sun\"");
    }

    #[test]
    fn times_parse_and_print() {
        assert_eq!("09:00".parse::<TimeOfDay>().unwrap().minutes(), 540);
        assert_eq!("9:05".parse::<TimeOfDay>().unwrap().to_string(), "09:05");
        assert_eq!("23:59".parse::<TimeOfDay>().unwrap().minutes(), 1439);
        for bad in [
            "24:00", "12:60", "12", "12:5", "-1:00", "123:00", "ab:cd", "12:00:00",
        ] {
            let e = TimeOfDay::parse("from", bad).unwrap_err();
            assert_eq!(e.field(), "from", "{bad}");
        }
        assert!(Holiday::parse_date("date", "2026-12-31").is_ok());
        for bad in ["2026-13-01", "31.12.2026", "2026-02-30", ""] {
            assert_eq!(
                Holiday::parse_date("date", bad).unwrap_err().field(),
                "date"
            );
        }
    }

    #[test]
    fn daytime_rule() {
        // 2026-03-02 is a Monday.
        let r = rule("mon-fri", "09:00", "18:00");
        assert!(r.matches(at("2026-03-02", "09:00")));
        assert!(r.matches(at("2026-03-06", "17:59")));
        assert!(!r.matches(at("2026-03-02", "18:00")));
        assert!(!r.matches(at("2026-03-02", "08:59")));
        assert!(!r.matches(at("2026-03-07", "12:00")));
    }

    #[test]
    fn over_midnight_belongs_to_the_start_day() {
        let r = rule("mon-fri", "22:00", "06:00");
        assert!(r.matches(at("2026-03-06", "23:30"))); // Friday night
        assert!(r.matches(at("2026-03-07", "03:00"))); // Saturday morning, started Friday
        assert!(!r.matches(at("2026-03-07", "23:00"))); // Saturday night
        assert!(!r.matches(at("2026-03-02", "03:00"))); // Monday morning, started Sunday
        assert!(r.matches(at("2026-03-03", "05:59")));
        assert!(!r.matches(at("2026-03-03", "06:00")));
        assert!(!r.matches(at("2026-03-03", "21:59")));
        // Sunday night to Monday morning wraps the week.
        let sun = rule("sun", "20:00", "08:00");
        assert!(sun.matches(at("2026-03-02", "07:59")));
        assert!(!sun.matches(at("2026-03-03", "07:59")));
    }

    #[test]
    fn equal_ends_cover_a_whole_day() {
        let weekend = rule("sat,sun", "00:00", "00:00");
        assert!(weekend.matches(at("2026-03-07", "00:00")));
        assert!(weekend.matches(at("2026-03-08", "23:59")));
        assert!(!weekend.matches(at("2026-03-09", "00:00")));
        assert!(!weekend.matches(at("2026-03-06", "23:59")));
        let noon = rule("mon", "12:00", "12:00");
        assert!(noon.matches(at("2026-03-03", "11:59")));
        assert!(!noon.matches(at("2026-03-03", "12:00")));
    }

    #[test]
    fn rule_json() {
        let r = rule("mon-fri", "09:00", "18:00");
        let json = serde_json::to_string(&r).unwrap();
        assert_eq!(
            json,
            r#"{"days":"mon-fri","from":"09:00","to":"18:00","goto":"night"}"#
        );
        assert_eq!(serde_json::from_str::<ScheduleRule>(&json).unwrap(), r);
        let h = Holiday {
            date: Holiday::parse_date("date", "2026-12-31").unwrap(),
            goto: "closed".parse().unwrap(),
        };
        let json = serde_json::to_string(&h).unwrap();
        assert_eq!(json, r#"{"date":"2026-12-31","goto":"closed"}"#);
        assert_eq!(serde_json::from_str::<Holiday>(&json).unwrap(), h);
        assert!(serde_json::from_str::<ScheduleRule>(
            r#"{"days":"xyz","from":"09:00","to":"18:00","goto":"night"}"#
        )
        .is_err());
    }
}
