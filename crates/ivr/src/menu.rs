//! A tenant's IVR menus (seed 000 `ivr`, `ivr_prompts`, `ivr_dtmf`, `ivr_list`) and their
//! validation against the tenant's prompts, extensions and other menus.
//!
//! Schedules: when a call enters a menu, its holidays are checked first, then its rules in
//! order, in the menu's time zone; the first match sends the call to that menu instead,
//! whose own schedule applies in turn, for at most [`MAX_HOPS`] hops. A chain that would
//! come back to a menu already passed stops at the last new menu (and so does a chain
//! longer than [`MAX_HOPS`]); [`MenuSet::validate`] rejects such loops at configuration
//! time whenever the menus of the loop share one time zone (every minute of the week and
//! every holiday is checked), so the run-time stop only matters across time zones.
//!
//! Invariants: a menu set that passed [`MenuSet::validate`] references only prompts,
//! extensions and menus that exist, has no loop through `on_timeout` (a caller who presses
//! nothing always leaves), and no schedule loop within one time zone.

use crate::{Action, Holiday, IvrError, ScheduleRule};
use chrono::{DateTime, Days, NaiveDate, NaiveDateTime, NaiveTime};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use vpbx_model::{Extension, IvrName, PromptName};

/// Seconds to wait for a digit after the menu prompt, by default (seed 001: 10 s).
pub const DEFAULT_TIMEOUT_SECS: u32 = 10;
/// Longest wait for a digit, seconds.
pub const MAX_TIMEOUT_SECS: u32 = 120;
/// How many times the menu is played at most, by default.
pub const DEFAULT_REPEATS: u32 = 3;
/// Most plays of a menu a configuration may ask for.
pub const MAX_REPEATS: u32 = 10;
/// Most prompts a menu plays in a row.
pub const MAX_PROMPTS: usize = 16;
/// Most hops of one schedule chain, and most menus a caller who presses nothing is sent
/// through by `on_timeout` before the call is hung up.
pub const MAX_HOPS: usize = 8;
/// The time zone of a menu that names none.
pub const DEFAULT_TIMEZONE: &str = "UTC";
/// Digits a menu option may be bound to.
pub const OPTION_DIGITS: &str = "0123456789*#";

/// One voice menu of a tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Menu {
    /// Name, unique within the tenant.
    pub name: IvrName,
    /// Prompts played in order each time the menu is played (greeting, advert, menu).
    pub prompts: Vec<PromptName>,
    /// Seconds to wait for a digit after the prompts end.
    #[serde(default = "default_timeout")]
    pub timeout_secs: u32,
    /// How many times the menu is played at most before `on_timeout`.
    #[serde(default = "default_repeats")]
    pub repeats: u32,
    /// What each digit (`0`-`9`, `*`, `#`) does.
    #[serde(default)]
    pub options: BTreeMap<char, Action>,
    /// Played after a digit that is no option, before the menu is played again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invalid_prompt: Option<PromptName>,
    /// What happens after the last play with no digit.
    #[serde(default = "default_on_timeout")]
    pub on_timeout: Action,
    /// Whether digits forming one of the tenant's extensions ring it (see
    /// [`crate::Session`] for how this and the options share digits).
    #[serde(default)]
    pub extension_dialing: bool,
    /// IANA time zone the schedule and holidays are read in (`Europe/Moscow`).
    #[serde(default = "default_timezone")]
    pub timezone: String,
    /// Weekly rules sending calls to other menus, first match wins.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schedule: Vec<ScheduleRule>,
    /// Dates sending calls to other menus, checked before the rules.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub holidays: Vec<Holiday>,
}

fn default_timeout() -> u32 {
    DEFAULT_TIMEOUT_SECS
}

fn default_repeats() -> u32 {
    DEFAULT_REPEATS
}

fn default_on_timeout() -> Action {
    Action::Hangup
}

fn default_timezone() -> String {
    DEFAULT_TIMEZONE.to_owned()
}

impl Menu {
    /// A menu playing `prompts`, with every other field at its default: 10 s wait, 3
    /// plays, no options, hang up on timeout, no extension dialing, UTC, no schedule.
    pub fn new(name: IvrName, prompts: Vec<PromptName>) -> Menu {
        Menu {
            name,
            prompts,
            timeout_secs: DEFAULT_TIMEOUT_SECS,
            repeats: DEFAULT_REPEATS,
            options: BTreeMap::new(),
            invalid_prompt: None,
            on_timeout: Action::Hangup,
            extension_dialing: false,
            timezone: DEFAULT_TIMEZONE.to_owned(),
            schedule: Vec::new(),
            holidays: Vec::new(),
        }
    }

    /// The menu's time zone; `Invalid` naming `timezone` if it is not an IANA name.
    pub fn tz(&self) -> Result<Tz, IvrError> {
        self.timezone.parse::<Tz>().map_err(|_| {
            IvrError::invalid(
                "timezone",
                format!(
                    "{:?} is not an IANA time zone (e.g. Europe/Moscow)",
                    self.timezone
                ),
            )
        })
    }

    /// The menu's local time at `now_utc` (unix seconds); UTC if the zone is invalid.
    pub fn local_time(&self, now_utc: i64) -> NaiveDateTime {
        let utc = DateTime::from_timestamp(now_utc, 0).unwrap_or_default();
        match self.tz() {
            Ok(tz) => utc.with_timezone(&tz).naive_local(),
            Err(_) => utc.naive_utc(),
        }
    }

    /// Where the schedule sends a call entering at local time `local`, and the field
    /// that says so (`holidays[0].goto`, `schedule[1].goto`).
    pub fn redirect(&self, local: NaiveDateTime) -> Option<(&IvrName, String)> {
        let date = local.date();
        if let Some((i, h)) = self
            .holidays
            .iter()
            .enumerate()
            .find(|(_, h)| h.date == date)
        {
            return Some((&h.goto, format!("holidays[{i}].goto")));
        }
        self.schedule
            .iter()
            .enumerate()
            .find(|(_, r)| r.matches(local))
            .map(|(i, r)| (&r.goto, format!("schedule[{i}].goto")))
    }

    /// Every menu this one names, with the field naming it.
    pub fn references(&self) -> Vec<(String, &IvrName)> {
        let mut refs = Vec::new();
        for (digit, action) in &self.options {
            if let Action::Ivr(n) = action {
                refs.push((format!("options.{digit}"), n));
            }
        }
        if let Action::Ivr(n) = &self.on_timeout {
            refs.push(("on_timeout".to_owned(), n));
        }
        for (i, r) in self.schedule.iter().enumerate() {
            refs.push((format!("schedule[{i}].goto"), &r.goto));
        }
        for (i, h) in self.holidays.iter().enumerate() {
            refs.push((format!("holidays[{i}].goto"), &h.goto));
        }
        refs
    }

    /// The checks that need no other menu: ranges, digits, the time zone, no menu sending
    /// calls to itself by schedule, no `repeat` on timeout, no date twice.
    pub fn check(&self) -> Result<(), IvrError> {
        let err = |field: &str, reason: String| Err(IvrError::menu(&self.name, field, reason));
        if self.prompts.is_empty() || self.prompts.len() > MAX_PROMPTS {
            return err(
                "prompts",
                format!("a menu plays 1 to {MAX_PROMPTS} prompts"),
            );
        }
        if !(1..=MAX_TIMEOUT_SECS).contains(&self.timeout_secs) {
            return err(
                "timeout_secs",
                format!(
                    "{} (use 1 to {MAX_TIMEOUT_SECS} seconds)",
                    self.timeout_secs
                ),
            );
        }
        if !(1..=MAX_REPEATS).contains(&self.repeats) {
            return err(
                "repeats",
                format!("{} (use 1 to {MAX_REPEATS})", self.repeats),
            );
        }
        if let Some(d) = self.options.keys().find(|d| !OPTION_DIGITS.contains(**d)) {
            return err(
                &format!("options.{d}"),
                "a menu option is one of 0-9, * and #".to_owned(),
            );
        }
        if self.on_timeout == Action::Repeat {
            return err(
                "on_timeout",
                "repeat would never end the menu (raise repeats instead)".to_owned(),
            );
        }
        if let Err(IvrError::Invalid { reason, .. }) = self.tz() {
            return err("timezone", reason);
        }
        for (field, goto) in self.references() {
            let scheduled = field.starts_with("schedule") || field.starts_with("holidays");
            if scheduled && *goto == self.name {
                return err(
                    &field,
                    format!("menu {goto} would send its calls to itself"),
                );
            }
        }
        let mut dates = BTreeSet::new();
        for (i, h) in self.holidays.iter().enumerate() {
            if !dates.insert(h.date) {
                return err(
                    &format!("holidays[{i}].date"),
                    format!("{} is listed twice", h.date),
                );
            }
        }
        Ok(())
    }
}

/// The menus of one tenant, by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MenuSet {
    menus: BTreeMap<IvrName, Menu>,
}

/// Where a call entering a menu ends up after the schedules, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The menu that plays.
    pub menu: IvrName,
    /// The menus passed through, entry first, each with the field that sent the call on.
    pub hops: Vec<(IvrName, String)>,
    /// Whether the chain was cut: it came back to a menu it had passed, or was longer
    /// than [`MAX_HOPS`].
    pub cut: bool,
}

impl MenuSet {
    /// An empty set.
    pub fn new() -> MenuSet {
        MenuSet::default()
    }

    /// Adds `menu`, returning the menu of that name it replaces.
    pub fn insert(&mut self, menu: Menu) -> Option<Menu> {
        self.menus.insert(menu.name.clone(), menu)
    }

    /// Removes and returns menu `name`.
    pub fn remove(&mut self, name: &IvrName) -> Option<Menu> {
        self.menus.remove(name)
    }

    /// Menu `name`, if any.
    pub fn get(&self, name: &IvrName) -> Option<&Menu> {
        self.menus.get(name)
    }

    /// Whether the set holds menu `name`.
    pub fn contains(&self, name: &IvrName) -> bool {
        self.menus.contains_key(name)
    }

    /// The menus, ordered by name.
    pub fn iter(&self) -> impl Iterator<Item = &Menu> {
        self.menus.values()
    }

    /// Number of menus.
    pub fn len(&self) -> usize {
        self.menus.len()
    }

    /// Whether there are no menus.
    pub fn is_empty(&self) -> bool {
        self.menus.is_empty()
    }

    /// Every other menu's field naming menu `name`: `(menu, field)`.
    pub fn referrers(&self, name: &IvrName) -> Vec<(IvrName, String)> {
        self.iter()
            .filter(|m| m.name != *name)
            .flat_map(|m| {
                m.references()
                    .into_iter()
                    .filter(|(_, n)| *n == name)
                    .map(|(field, _)| (m.name.clone(), field))
            })
            .collect()
    }

    /// Checks every menu: its own fields ([`Menu::check`]), that every prompt is one of
    /// `prompts`, every `ext:`/`voicemail:` one of `extensions` and every menu named one
    /// of the set; then that no `on_timeout` chain loops and no schedule chain loops or
    /// runs past [`MAX_HOPS`] within one time zone. The error names the menu and field.
    pub fn validate(
        &self,
        prompts: &BTreeSet<PromptName>,
        extensions: &BTreeSet<Extension>,
    ) -> Result<(), IvrError> {
        for m in self.iter() {
            m.check()?;
            let err = |field: String, reason: String| Err(IvrError::menu(&m.name, field, reason));
            for (i, p) in m.prompts.iter().enumerate() {
                if !prompts.contains(p) {
                    return err(format!("prompts[{i}]"), format!("no prompt {p}"));
                }
            }
            if let Some(p) = m.invalid_prompt.as_ref().filter(|p| !prompts.contains(*p)) {
                return err("invalid_prompt".to_owned(), format!("no prompt {p}"));
            }
            let actions = m
                .options
                .iter()
                .map(|(d, a)| (format!("options.{d}"), a))
                .chain([("on_timeout".to_owned(), &m.on_timeout)]);
            for (field, action) in actions {
                match action {
                    Action::Extension(e) | Action::Voicemail(e) if !extensions.contains(e) => {
                        return err(field, format!("no extension {e}"));
                    }
                    _ => {}
                }
            }
            for (field, n) in m.references() {
                if !self.contains(n) {
                    return err(field, format!("no menu {n}"));
                }
            }
        }
        self.check_timeout_loops()?;
        self.check_schedule_loops()
    }

    /// Rejects a loop of `on_timeout: ivr:...` (a caller pressing nothing would never
    /// leave).
    fn check_timeout_loops(&self) -> Result<(), IvrError> {
        for start in self.iter() {
            let mut path = vec![&start.name];
            let mut cur = start;
            while let Action::Ivr(next) = &cur.on_timeout {
                if path.contains(&next) {
                    let names: Vec<&str> = path.iter().map(|n| n.as_str()).collect();
                    return Err(IvrError::menu(
                        &start.name,
                        "on_timeout",
                        format!(
                            "loop {} -> {next}: a caller who presses nothing would never leave",
                            names.join(" -> ")
                        ),
                    ));
                }
                let Some(m) = self.get(next) else { break };
                path.push(next);
                cur = m;
            }
        }
        Ok(())
    }

    /// Rejects schedule chains that loop or run past [`MAX_HOPS`], trying every minute at
    /// which some rule starts or ends on each day of a week, and every minute of that kind
    /// on each holiday; chains that change time zone are left to the run-time stop.
    fn check_schedule_loops(&self) -> Result<(), IvrError> {
        let mut minutes: BTreeSet<u16> = BTreeSet::from([0]);
        let mut holidays: BTreeSet<NaiveDate> = BTreeSet::new();
        for m in self.iter() {
            for r in &m.schedule {
                minutes.extend([r.from.minutes(), r.to.minutes()]);
            }
            holidays.extend(m.holidays.iter().map(|h| h.date));
        }
        // 2024-01-01 is a Monday; the week is checked without holidays, each holiday date
        // with them.
        let monday = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap_or_default();
        let week = (0..7u64).filter_map(|d| monday.checked_add_days(Days::new(d)));
        let mut days: Vec<(NaiveDate, bool)> = week.map(|d| (d, false)).collect();
        days.extend(holidays.into_iter().map(|d| (d, true)));
        for m in self
            .iter()
            .filter(|m| !m.schedule.is_empty() || !m.holidays.is_empty())
        {
            for &(date, with_holidays) in &days {
                for &minute in &minutes {
                    let time =
                        NaiveTime::from_hms_opt(u32::from(minute / 60), u32::from(minute % 60), 0)
                            .unwrap_or_default();
                    self.check_chain(m, date.and_time(time), with_holidays)?;
                }
            }
        }
        Ok(())
    }

    /// Follows the schedule chain from `entry` at local time `local` (the same in every
    /// menu of the chain, which holds while they share `entry`'s time zone).
    fn check_chain(
        &self,
        entry: &Menu,
        local: NaiveDateTime,
        with_holidays: bool,
    ) -> Result<(), IvrError> {
        let mut path: Vec<&IvrName> = vec![&entry.name];
        let mut first_field: Option<String> = None;
        let mut cur = entry;
        loop {
            let next = if with_holidays {
                cur.redirect(local)
            } else {
                cur.schedule
                    .iter()
                    .enumerate()
                    .find(|(_, r)| r.matches(local))
                    .map(|(i, r)| (&r.goto, format!("schedule[{i}].goto")))
            };
            let Some((next, field)) = next else {
                return Ok(());
            };
            let Some(menu) = self.get(next).filter(|m| m.timezone == entry.timezone) else {
                return Ok(());
            };
            let field = first_field.get_or_insert(field).clone();
            let when = local.format("%a %H:%M");
            let shown = || {
                path.iter()
                    .map(|n| n.as_str())
                    .collect::<Vec<_>>()
                    .join(" -> ")
            };
            if path.contains(&next) {
                return Err(IvrError::menu(
                    &entry.name,
                    field,
                    format!("schedule loop {} -> {next} ({when})", shown()),
                ));
            }
            if path.len() > MAX_HOPS {
                return Err(IvrError::menu(
                    &entry.name,
                    field,
                    format!(
                        "schedule chain {} is longer than {MAX_HOPS} hops ({when})",
                        shown()
                    ),
                ));
            }
            path.push(next);
            cur = menu;
        }
    }

    /// Where a call entering menu `entry` at `now_utc` (unix seconds) ends up after the
    /// schedules (see the module doc); `None` if `entry` is not in the set. A chain step
    /// to a missing menu is not taken.
    pub fn resolve(&self, entry: &IvrName, now_utc: i64) -> Option<Resolved> {
        let mut cur = self.get(entry)?;
        let mut hops: Vec<(IvrName, String)> = Vec::new();
        let mut cut = false;
        while let Some((next, field)) = cur.redirect(cur.local_time(now_utc)) {
            let Some(menu) = self.get(next) else { break };
            let seen = *next == cur.name || hops.iter().any(|(n, _)| n == next);
            if seen || hops.len() >= MAX_HOPS {
                cut = true;
                break;
            }
            hops.push((cur.name.clone(), field));
            cur = menu;
        }
        Some(Resolved {
            menu: cur.name.clone(),
            hops,
            cut,
        })
    }
}

impl FromIterator<Menu> for MenuSet {
    fn from_iter<I: IntoIterator<Item = Menu>>(iter: I) -> Self {
        MenuSet {
            menus: iter.into_iter().map(|m| (m.name.clone(), m)).collect(),
        }
    }
}
