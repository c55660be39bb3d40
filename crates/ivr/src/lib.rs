//! vpbx IVR menus, sans-IO (no clock, no I/O): a tenant's voice menus — prompts played in
//! order, digit options, what happens on timeout, extension dialing, a weekly schedule and
//! holidays in the menu's time zone — their validation, and [`Session`], the state machine
//! of one caller in them; and [`disa`], the state machine of a caller using DISA.
//!
//! Sources: seed 000 tables `ivr`, `ivr_dtmf` (options), `ivr_list` (schedules),
//! `ivr_prompts`; seed 001 (greeting, advert, menu, 10 s for a digit, the menu again, then
//! the secretary); issue 5 item 3.
//!
//! Invariants: every value here is valid by construction or checked by
//! [`MenuSet::validate`] before it is stored; [`Session`] never panics on any event and
//! always ends in a transfer or a hang-up within a bounded number of timer events.

mod action;
pub mod disa;
mod error;
mod menu;
mod schedule;
mod session;

pub use action::Action;
pub use error::IvrError;
pub use menu::{
    Menu, MenuSet, Resolved, DEFAULT_REPEATS, DEFAULT_TIMEOUT_SECS, DEFAULT_TIMEZONE, MAX_HOPS,
    MAX_PROMPTS, MAX_REPEATS, MAX_TIMEOUT_SECS, OPTION_DIGITS,
};
pub use schedule::{Holiday, ScheduleRule, TimeOfDay, Weekdays};
pub use session::{Command, Session, Target, INTER_DIGIT};
