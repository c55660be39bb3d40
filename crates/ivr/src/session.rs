//! The state machine of one caller in a tenant's IVR, sans-IO: the caller's events (a
//! digit, the end of a playback, the timer) go in, [`Command`]s for the media side come
//! out. No clock is read: the time of the call is given at the start, and waits are asked
//! for with [`Command::StartTimer`].
//!
//! The flow (seed 001: greeting, advert, menu prompt, 10 s for a digit, the menu again,
//! then the secretary): entering a menu resolves its schedule (see [`crate::MenuSet`]),
//! plays its prompts, then waits `timeout_secs` for a digit; with none the menu is played
//! again, up to `repeats` plays in all, then `on_timeout` runs. A digit stops anything
//! playing (barge-in). A digit that is neither an option nor the start of an extension
//! plays `invalid_prompt` (if any), then the menu again, which counts as one of the
//! `repeats` plays (with none left, `on_timeout` runs). An `ivr:NAME` action enters that
//! menu (its schedule applies, its plays start from one); `repeat` plays the menu again
//! from one play.
//!
//! Digits and extensions, with `extension_dialing` on: a first digit that some extension
//! of the tenant starts with begins dialing, even when it is also an option; the option
//! is taken only when no extension starts with that digit, or when the caller presses
//! just that one digit and then waits [`INTER_DIGIT`] (or presses `#`). While dialing,
//! each digit restarts the [`INTER_DIGIT`] wait; the call rings the extension as soon as
//! the digits form one that no longer extension starts with, else when the wait ends or
//! `#` is pressed and the digits form one; digits no extension starts with are invalid.
//!
//! Schedules are read at the time given to [`Session::start`], for every menu the call
//! enters later too.
//!
//! Invariants: no method panics on any input; after [`Command::Transfer`] or
//! [`Command::Hangup`] a session emits nothing more; until then either a playback or a
//! timer it started is pending, so with no digits it reaches one of the two within
//! `(MAX_HOPS + 1) * (MAX_REPEATS + 1)` timer events: each menu waits at most
//! [`MAX_REPEATS`] times (plus one inter-digit wait), and a caller who presses nothing is
//! sent through at most [`MAX_HOPS`] menus by `on_timeout` before the call is hung up.

use crate::{Action, Menu, MenuSet, MAX_HOPS, MAX_REPEATS};
use std::collections::BTreeSet;
use std::time::Duration;
use vpbx_model::{Extension, IvrName, PromptName};

/// How long extension dialing waits for the next digit.
pub const INTER_DIGIT: Duration = Duration::from_secs(3);

/// The key that ends extension dialing at once.
const DIAL_END: char = '#';

/// Where a call leaves the IVR to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Target {
    /// Ring an extension.
    Extension(Extension),
    /// An extension's voicemail.
    Voicemail(Extension),
}

/// What the media side must do.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Command {
    /// Play these prompts in order, replacing anything playing; report the end with
    /// [`Session::on_playback_done`].
    Play(Vec<PromptName>),
    /// Stop what is playing (no [`Session::on_playback_done`] is expected for it).
    StopPlayback,
    /// Call [`Session::on_timer`] after this long, replacing any pending timer.
    StartTimer(Duration),
    /// Forget the pending timer.
    CancelTimer,
    /// Leave the IVR: transfer the call. The session is over.
    Transfer(Target),
    /// End the call. The session is over.
    Hangup,
}

/// What the session is waiting for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// The menu's prompts are playing.
    Menu,
    /// The prompts ended; the timer runs for a digit.
    Waiting,
    /// The invalid-input prompt is playing.
    Invalid,
    /// Extension digits are being collected; the inter-digit timer runs.
    Dialing,
    /// Transferred or hung up.
    Done,
}

/// One caller in the IVR.
#[derive(Debug, Clone)]
pub struct Session {
    /// The tenant's menus.
    menus: MenuSet,
    /// The tenant's extensions, for extension dialing.
    extensions: BTreeSet<Extension>,
    /// When the call started, unix seconds; schedules are read at this time.
    now_utc: i64,
    /// The current menu.
    menu: IvrName,
    /// What the session waits for.
    phase: Phase,
    /// How many times the current menu has been played.
    plays: u32,
    /// Extension digits collected so far.
    digits: String,
    /// Menus entered by `on_timeout` since the caller last pressed a key.
    idle_hops: usize,
    /// Whether a playback it started is pending.
    playing: bool,
    /// Whether a timer it started is pending.
    timer: bool,
}

impl Session {
    /// A caller enters menu `entry` of `set` at `now_utc` (unix seconds, for schedules);
    /// `extensions` are the tenant's, for extension dialing. A missing `entry` hangs up.
    pub fn start(
        set: &MenuSet,
        entry: &IvrName,
        now_utc: i64,
        extensions: &BTreeSet<Extension>,
    ) -> (Session, Vec<Command>) {
        let mut s = Session {
            menus: set.clone(),
            extensions: extensions.clone(),
            now_utc,
            menu: entry.clone(),
            phase: Phase::Menu,
            plays: 0,
            digits: String::new(),
            idle_hops: 0,
            playing: false,
            timer: false,
        };
        let mut out = Vec::new();
        s.enter(entry, &mut out);
        (s, out)
    }

    /// The caller pressed `digit` (`0`-`9`, `*`, `#`, `A`-`D`).
    pub fn on_digit(&mut self, digit: char) -> Vec<Command> {
        let mut out = Vec::new();
        match self.phase {
            Phase::Done => {}
            Phase::Dialing => {
                self.idle_hops = 0;
                self.dial(digit, &mut out);
            }
            Phase::Menu | Phase::Waiting | Phase::Invalid => {
                self.idle_hops = 0;
                self.quiet(&mut out);
                self.first_digit(digit, &mut out);
            }
        }
        out
    }

    /// The playback last asked for ended by itself.
    pub fn on_playback_done(&mut self) -> Vec<Command> {
        let mut out = Vec::new();
        if !self.playing || self.phase == Phase::Done {
            return out;
        }
        self.playing = false;
        match self.phase {
            Phase::Menu => self.wait(&mut out),
            Phase::Invalid => self.play_again_or_time_out(&mut out),
            Phase::Waiting | Phase::Dialing | Phase::Done => {}
        }
        out
    }

    /// The timer last asked for fired.
    pub fn on_timer(&mut self) -> Vec<Command> {
        let mut out = Vec::new();
        if !self.timer || self.phase == Phase::Done {
            return out;
        }
        self.timer = false;
        match self.phase {
            Phase::Waiting => self.play_again_or_time_out(&mut out),
            Phase::Dialing => self.dial_end(&mut out),
            Phase::Menu | Phase::Invalid | Phase::Done => {}
        }
        out
    }

    /// The menu the caller is in.
    pub fn menu(&self) -> &IvrName {
        &self.menu
    }

    /// Whether the session is over (transferred or hung up).
    pub fn is_done(&self) -> bool {
        self.phase == Phase::Done
    }

    /// The current menu (absent only if the set changed under a bad entry).
    fn current(&self) -> Option<&Menu> {
        self.menus.get(&self.menu)
    }

    /// Enters menu `name` through its schedule and plays it from the first play.
    fn enter(&mut self, name: &IvrName, out: &mut Vec<Command>) {
        let Some(resolved) = self.menus.resolve(name, self.now_utc) else {
            return self.finish(Command::Hangup, out);
        };
        self.menu = resolved.menu;
        self.plays = 0;
        self.play_menu(out);
    }

    /// Plays the current menu once more.
    fn play_menu(&mut self, out: &mut Vec<Command>) {
        let Some(prompts) = self.current().map(|m| m.prompts.clone()) else {
            return self.finish(Command::Hangup, out);
        };
        self.plays += 1;
        self.digits.clear();
        if self.timer {
            self.timer = false;
            out.push(Command::CancelTimer);
        }
        if prompts.is_empty() {
            return self.wait(out);
        }
        out.push(Command::Play(prompts));
        self.playing = true;
        self.phase = Phase::Menu;
    }

    /// Waits `timeout_secs` for a digit.
    fn wait(&mut self, out: &mut Vec<Command>) {
        let secs = self.current().map_or(0, |m| m.timeout_secs);
        self.phase = Phase::Waiting;
        self.timer = true;
        out.push(Command::StartTimer(Duration::from_secs(u64::from(secs))));
    }

    /// After a play with no digit, or invalid input: the menu again while plays are left,
    /// else `on_timeout`.
    fn play_again_or_time_out(&mut self, out: &mut Vec<Command>) {
        let repeats = self
            .current()
            .map_or(1, |m| m.repeats.clamp(1, MAX_REPEATS));
        if self.plays < repeats {
            return self.play_menu(out);
        }
        self.idle_hops += 1;
        match self.current().map(|m| m.on_timeout.clone()) {
            Some(action) if self.idle_hops <= MAX_HOPS => self.run(action, out),
            _ => self.finish(Command::Hangup, out),
        }
    }

    /// Stops any playback and timer the session started.
    fn quiet(&mut self, out: &mut Vec<Command>) {
        if self.playing {
            self.playing = false;
            out.push(Command::StopPlayback);
        }
        if self.timer {
            self.timer = false;
            out.push(Command::CancelTimer);
        }
    }

    /// Ends the session with `last`.
    fn finish(&mut self, last: Command, out: &mut Vec<Command>) {
        self.quiet(out);
        out.push(last);
        self.phase = Phase::Done;
    }

    /// Carries out `action`.
    fn run(&mut self, action: Action, out: &mut Vec<Command>) {
        match action {
            Action::Extension(e) => self.finish(Command::Transfer(Target::Extension(e)), out),
            Action::Voicemail(e) => self.finish(Command::Transfer(Target::Voicemail(e)), out),
            Action::Hangup => self.finish(Command::Hangup, out),
            Action::Repeat => {
                self.plays = 0;
                self.play_menu(out);
            }
            Action::Ivr(name) => self.enter(&name, out),
        }
    }

    /// The first digit of the caller's input in a menu (see the module doc).
    fn first_digit(&mut self, digit: char, out: &mut Vec<Command>) {
        let Some(menu) = self.current() else {
            return self.finish(Command::Hangup, out);
        };
        let dialing = menu.extension_dialing && digit.is_ascii_digit() && {
            let mut buf = [0u8; 4];
            let prefix = digit.encode_utf8(&mut buf);
            self.extensions
                .iter()
                .any(|e| e.as_str().starts_with(&*prefix))
        };
        if dialing {
            self.digits.clear();
            self.digits.push(digit);
            self.phase = Phase::Dialing;
            self.timer = true;
            out.push(Command::StartTimer(INTER_DIGIT));
            return;
        }
        match menu.options.get(&digit).cloned() {
            Some(action) => self.run(action, out),
            None => self.invalid(out),
        }
    }

    /// A further digit while dialing an extension.
    fn dial(&mut self, digit: char, out: &mut Vec<Command>) {
        if digit == DIAL_END {
            self.quiet(out);
            return self.dial_end(out);
        }
        self.digits.push(digit);
        let exact = self.dialed_extension().is_some();
        let longer = self
            .extensions
            .iter()
            .any(|e| e.as_str().len() > self.digits.len() && e.as_str().starts_with(&self.digits));
        if longer {
            self.timer = true;
            out.push(Command::StartTimer(INTER_DIGIT));
        } else if exact {
            self.quiet(out);
            self.dial_end(out);
        } else {
            self.quiet(out);
            self.invalid(out);
        }
    }

    /// The extension the collected digits form, if any.
    fn dialed_extension(&self) -> Option<Extension> {
        self.digits
            .parse::<Extension>()
            .ok()
            .filter(|e| self.extensions.contains(e))
    }

    /// Dialing ended (wait over, `#`, or a complete extension): ring it, or take the
    /// option of a lone digit, or treat the digits as invalid.
    fn dial_end(&mut self, out: &mut Vec<Command>) {
        if let Some(ext) = self.dialed_extension() {
            return self.finish(Command::Transfer(Target::Extension(ext)), out);
        }
        let mut chars = self.digits.chars();
        let lone = match (chars.next(), chars.next()) {
            (Some(d), None) => self.current().and_then(|m| m.options.get(&d).cloned()),
            _ => None,
        };
        match lone {
            Some(action) => self.run(action, out),
            None => self.invalid(out),
        }
    }

    /// Input that is no option and no extension: the invalid prompt (if any), then the
    /// menu again or `on_timeout`.
    fn invalid(&mut self, out: &mut Vec<Command>) {
        self.digits.clear();
        match self.current().and_then(|m| m.invalid_prompt.clone()) {
            Some(prompt) => {
                out.push(Command::Play(vec![prompt]));
                self.playing = true;
                self.phase = Phase::Invalid;
            }
            None => self.play_again_or_time_out(out),
        }
    }
}
