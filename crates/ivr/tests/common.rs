//! Shared builders for the IVR tests.

use chrono::{NaiveDateTime, TimeZone};
use chrono_tz::Tz;
use std::collections::BTreeSet;
use vpbx_ivr::{Action, Holiday, Menu, ScheduleRule};
use vpbx_model::{Extension, IvrName, PromptName};

pub fn name(s: &str) -> IvrName {
    s.parse().unwrap()
}

pub fn prompt(s: &str) -> PromptName {
    s.parse().unwrap()
}

pub fn ext(s: &str) -> Extension {
    s.parse().unwrap()
}

pub fn action(s: &str) -> Action {
    s.parse().unwrap()
}

pub fn exts(list: &[&str]) -> BTreeSet<Extension> {
    list.iter().map(|e| ext(e)).collect()
}

pub fn prompts(list: &[&str]) -> BTreeSet<PromptName> {
    list.iter().map(|p| prompt(p)).collect()
}

pub fn menu(n: &str, plays: &[&str]) -> Menu {
    Menu::new(name(n), plays.iter().map(|p| prompt(p)).collect())
}

pub fn rule(days: &str, from: &str, to: &str, goto: &str) -> ScheduleRule {
    ScheduleRule {
        days: days.parse().unwrap(),
        from: from.parse().unwrap(),
        to: to.parse().unwrap(),
        goto: name(goto),
    }
}

pub fn holiday(date: &str, goto: &str) -> Holiday {
    Holiday {
        date: Holiday::parse_date("date", date).unwrap(),
        goto: name(goto),
    }
}

/// Unix seconds of local time `local` (`2026-03-02 12:00`) in zone `tz`.
pub fn unix(tz: &str, local: &str) -> i64 {
    let tz: Tz = tz.parse().unwrap();
    let naive = NaiveDateTime::parse_from_str(local, "%Y-%m-%d %H:%M").unwrap();
    tz.from_local_datetime(&naive).unwrap().timestamp()
}
