//! DISA (direct inward system access; issue 5 item 7, seed 000 §4.6 "disa_enabled"), sans-IO:
//! a caller who reaches a DISA number identifies as one of the tenant's users and then
//! dials out as that user, with that user's routing permissions.
//!
//! The flow, in the manner of Asterisk's `DISA()`: dial tone; the caller keys the
//! extension and `#`; a beep; the PIN and `#`; dial tone again; the number and `#` (or a
//! pause of [`INTER_DIGIT`]). A wrong extension or PIN is not told apart (one refusal for
//! both, so the extensions cannot be probed), and after [`MAX_FAILURES`] refusals the call
//! is hung up. A number that cannot be dialled (refused by routing, busy, no answer) gives
//! the dial tone back, up to [`MAX_DIALS`] numbers per call.
//!
//! PINs are kept hashed ([`DisaPin::hash`]): SHA-256 over a fixed label, the extension and
//! the PIN, so the same PIN of two users hashes differently; checks compare in constant
//! time. The hash alone is not the protection (a short PIN is quickly guessed offline);
//! the limit of tries per call and the call's CDR and log line are.
//!
//! Invariants: no method panics on any input; after [`DisaCommand::Hangup`] the session
//! emits nothing more; until then a timer it started is pending, so a silent caller is hung
//! up within two timer events.

use sha2::{Digest, Sha256};
use std::fmt;
use std::str::FromStr;
use std::time::Duration;
use vpbx_model::Extension;

/// How long the caller has for the first key of each step.
pub const FIRST_DIGIT: Duration = Duration::from_secs(10);
/// How long a step waits for the next key before it takes what was keyed.
pub const INTER_DIGIT: Duration = Duration::from_secs(5);
/// Pause after a refused extension and PIN before the dial tone comes back.
pub const RETRY_PAUSE: Duration = Duration::from_secs(1);
/// Refused extension/PIN pairs after which the call is hung up.
pub const MAX_FAILURES: u32 = 3;
/// Numbers a caller may try in one call.
pub const MAX_DIALS: u32 = 3;
/// Shortest and longest PIN, in digits.
pub const PIN_DIGITS: std::ops::RangeInclusive<usize> = 4..=12;
/// Most keys taken for one step (longer input is refused as it comes).
const MAX_KEYS: usize = 32;
/// The key that ends a step at once.
const END: char = '#';

/// A DISA PIN: 4 to 12 decimal digits.
#[derive(Clone, PartialEq, Eq)]
pub struct DisaPin(String);

/// A PIN that is not 4 to 12 digits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a DISA PIN is {min} to {max} digits (0-9)", min = PIN_DIGITS.start(), max = PIN_DIGITS.end())]
pub struct PinError;

impl FromStr for DisaPin {
    type Err = PinError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let ok = PIN_DIGITS.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
        ok.then(|| DisaPin(s.to_owned())).ok_or(PinError)
    }
}

impl fmt::Debug for DisaPin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DisaPin(****)")
    }
}

impl DisaPin {
    /// The stored form of this PIN for `extension`: hex SHA-256 of
    /// `"vpbx-disa\0" EXT "\0" PIN`.
    pub fn hash(&self, extension: &Extension) -> String {
        hash_keys(extension.as_str(), &self.0)
    }
}

fn hash_keys(extension: &str, pin: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"vpbx-disa\0");
    h.update(extension.as_bytes());
    h.update(b"\0");
    h.update(pin.as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether `pin` keyed for `extension` matches `stored` (a [`DisaPin::hash`]), compared in
/// constant time.
pub fn pin_matches(stored: &str, extension: &str, pin: &str) -> bool {
    let keyed = hash_keys(extension, pin);
    keyed.len() == stored.len()
        && keyed
            .bytes()
            .zip(stored.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// What the caller hears.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cue {
    /// Dial tone until the first key: key the extension (or, once identified, the number).
    DialTone,
    /// A short beep: key the PIN.
    Beep,
    /// Congestion tone: the last entry was refused.
    Refused,
    /// Nothing (a key was pressed).
    Silence,
}

/// Why the session ended the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DisaEnd {
    /// Nothing keyed in time.
    Timeout,
    /// [`MAX_FAILURES`] wrong extension/PIN pairs.
    AuthFailed,
    /// [`MAX_DIALS`] numbers tried without a call.
    TooManyDials,
}

impl DisaEnd {
    /// Short reason for logs and the CDR's hang-up cause.
    pub fn as_str(self) -> &'static str {
        match self {
            DisaEnd::Timeout => "disa-timeout",
            DisaEnd::AuthFailed => "disa-auth-failed",
            DisaEnd::TooManyDials => "disa-too-many-dials",
        }
    }
}

/// What the media and call side must do.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DisaCommand {
    /// Play this cue, replacing anything playing.
    Play(Cue),
    /// Call [`DisaSession::on_timer`] after this long, replacing any pending timer.
    StartTimer(Duration),
    /// Call `number` as `user` (with that user's permissions); report a failure with
    /// [`DisaSession::on_dial_failed`].
    Dial {
        /// The user the caller identified as.
        user: Extension,
        /// The number keyed.
        number: String,
    },
    /// End the call. The session is over.
    Hangup(DisaEnd),
}

/// The step the caller is at.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Extension,
    Pin {
        extension: String,
    },
    /// Refused: waiting [`RETRY_PAUSE`] before the dial tone.
    Refused,
    /// The number could not be called: waiting [`RETRY_PAUSE`] before the dial tone.
    NumberRefused {
        user: Extension,
    },
    Number {
        user: Extension,
    },
    /// A number is being called.
    Dialing {
        user: Extension,
    },
    Over,
}

/// One caller in DISA.
#[derive(Debug)]
pub struct DisaSession {
    step: Step,
    keys: String,
    failures: u32,
    dials: u32,
}

impl DisaSession {
    /// Starts at the extension step: dial tone, and [`FIRST_DIGIT`] for the first key.
    pub fn start() -> (Self, Vec<DisaCommand>) {
        let session = DisaSession {
            step: Step::Extension,
            keys: String::new(),
            failures: 0,
            dials: 0,
        };
        let commands = vec![
            DisaCommand::Play(Cue::DialTone),
            DisaCommand::StartTimer(FIRST_DIGIT),
        ];
        (session, commands)
    }

    /// The user the caller identified as, once the PIN was accepted.
    pub fn user(&self) -> Option<&Extension> {
        match &self.step {
            Step::Number { user } | Step::Dialing { user } | Step::NumberRefused { user } => {
                Some(user)
            }
            _ => None,
        }
    }

    /// A key from the caller (RFC 4733, SIP INFO or in-band). `pin_hash` gives the stored
    /// PIN hash of an extension allowed to use DISA, `None` for any other.
    pub fn on_digit(
        &mut self,
        digit: char,
        pin_hash: impl Fn(&str) -> Option<String>,
    ) -> Vec<DisaCommand> {
        let collecting = matches!(
            self.step,
            Step::Extension | Step::Pin { .. } | Step::Number { .. }
        );
        if !collecting {
            return Vec::new();
        }
        if digit == END {
            return self.submit(pin_hash);
        }
        let accepted = digit.is_ascii_digit() || (digit == '*' && self.is_number_step());
        if !accepted || self.keys.len() >= MAX_KEYS {
            return Vec::new();
        }
        let first = self.keys.is_empty();
        self.keys.push(digit);
        let mut commands = Vec::with_capacity(2);
        if first {
            commands.push(DisaCommand::Play(Cue::Silence));
        }
        commands.push(DisaCommand::StartTimer(INTER_DIGIT));
        commands
    }

    /// The last timer fired: a step with keys takes them as if `#` was pressed; a step
    /// without keys ends the call; after a refusal the dial tone comes back.
    pub fn on_timer(&mut self, pin_hash: impl Fn(&str) -> Option<String>) -> Vec<DisaCommand> {
        match self.step {
            Step::Refused => {
                self.step = Step::Extension;
                vec![
                    DisaCommand::Play(Cue::DialTone),
                    DisaCommand::StartTimer(FIRST_DIGIT),
                ]
            }
            Step::NumberRefused { ref user } => {
                self.step = Step::Number { user: user.clone() };
                vec![
                    DisaCommand::Play(Cue::DialTone),
                    DisaCommand::StartTimer(FIRST_DIGIT),
                ]
            }
            Step::Extension | Step::Pin { .. } | Step::Number { .. } if !self.keys.is_empty() => {
                self.submit(pin_hash)
            }
            Step::Extension | Step::Pin { .. } | Step::Number { .. } => {
                self.hang_up(DisaEnd::Timeout)
            }
            Step::Dialing { .. } | Step::Over => Vec::new(),
        }
    }

    /// The number could not be called (refused, busy, unanswered): congestion for
    /// [`RETRY_PAUSE`], then dial tone for another number; the end after [`MAX_DIALS`].
    pub fn on_dial_failed(&mut self) -> Vec<DisaCommand> {
        let Step::Dialing { user } = &self.step else {
            return Vec::new();
        };
        if self.dials >= MAX_DIALS {
            return self.hang_up(DisaEnd::TooManyDials);
        }
        self.step = Step::NumberRefused { user: user.clone() };
        vec![
            DisaCommand::Play(Cue::Refused),
            DisaCommand::StartTimer(RETRY_PAUSE),
        ]
    }

    fn is_number_step(&self) -> bool {
        matches!(self.step, Step::Number { .. })
    }

    /// Ends the current step with the keys so far.
    fn submit(&mut self, pin_hash: impl Fn(&str) -> Option<String>) -> Vec<DisaCommand> {
        let keys = std::mem::take(&mut self.keys);
        match std::mem::replace(&mut self.step, Step::Over) {
            Step::Extension => {
                self.step = Step::Pin { extension: keys };
                vec![
                    DisaCommand::Play(Cue::Beep),
                    DisaCommand::StartTimer(FIRST_DIGIT),
                ]
            }
            Step::Pin { extension } => {
                let user = pin_hash(&extension)
                    .filter(|stored| pin_matches(stored, &extension, &keys))
                    .and_then(|_| extension.parse::<Extension>().ok());
                match user {
                    Some(user) => {
                        self.step = Step::Number { user };
                        vec![
                            DisaCommand::Play(Cue::DialTone),
                            DisaCommand::StartTimer(FIRST_DIGIT),
                        ]
                    }
                    None => self.refuse(),
                }
            }
            Step::Number { user } if keys.is_empty() => {
                self.step = Step::Number { user };
                Vec::new()
            }
            Step::Number { user } => {
                self.dials += 1;
                self.step = Step::Dialing { user: user.clone() };
                vec![DisaCommand::Dial { user, number: keys }]
            }
            other => {
                self.step = other;
                Vec::new()
            }
        }
    }

    /// A wrong extension or PIN.
    fn refuse(&mut self) -> Vec<DisaCommand> {
        self.failures += 1;
        if self.failures >= MAX_FAILURES {
            return self.hang_up(DisaEnd::AuthFailed);
        }
        self.step = Step::Refused;
        vec![
            DisaCommand::Play(Cue::Refused),
            DisaCommand::StartTimer(RETRY_PAUSE),
        ]
    }

    fn hang_up(&mut self, why: DisaEnd) -> Vec<DisaCommand> {
        self.step = Step::Over;
        vec![DisaCommand::Hangup(why)]
    }

    /// How many extension/PIN pairs were refused so far.
    pub fn failures(&self) -> u32 {
        self.failures
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ext(s: &str) -> Extension {
        s.parse().unwrap()
    }

    /// 1001 may use DISA with PIN 4821; no one else.
    fn lookup(e: &str) -> Option<String> {
        (e == "1001").then(|| "4821".parse::<DisaPin>().unwrap().hash(&ext("1001")))
    }

    fn keys(s: &mut DisaSession, input: &str) -> Vec<DisaCommand> {
        input.chars().flat_map(|d| s.on_digit(d, lookup)).collect()
    }

    #[test]
    fn pin_format_is_checked() {
        assert!("4821".parse::<DisaPin>().is_ok());
        assert!("123456789012".parse::<DisaPin>().is_ok());
        for bad in ["", "123", "1234567890123", "12a4", "12 34", "１２３４"] {
            assert_eq!(bad.parse::<DisaPin>(), Err(PinError), "{bad:?}");
        }
        assert_eq!(
            format!("{:?}", "4821".parse::<DisaPin>().unwrap()),
            "DisaPin(****)"
        );
    }

    #[test]
    fn hashes_differ_per_extension_and_match_only_the_pin() {
        let pin: DisaPin = "4821".parse().unwrap();
        let a = pin.hash(&ext("1001"));
        assert_ne!(a, pin.hash(&ext("1002")));
        assert_eq!(a.len(), 64);
        assert!(pin_matches(&a, "1001", "4821"));
        assert!(!pin_matches(&a, "1001", "4822"));
        assert!(!pin_matches(&a, "1002", "4821"));
        assert!(!pin_matches("", "1001", "4821"));
    }

    #[test]
    fn extension_pin_number_then_dial() {
        let (mut s, start) = DisaSession::start();
        assert_eq!(
            start,
            [
                DisaCommand::Play(Cue::DialTone),
                DisaCommand::StartTimer(FIRST_DIGIT)
            ]
        );
        let out = keys(&mut s, "1001#");
        assert_eq!(out[0], DisaCommand::Play(Cue::Silence));
        assert_eq!(out.last(), Some(&DisaCommand::StartTimer(FIRST_DIGIT)));
        assert!(out.contains(&DisaCommand::Play(Cue::Beep)));
        let out = keys(&mut s, "4821#");
        assert!(out.contains(&DisaCommand::Play(Cue::DialTone)));
        assert_eq!(s.user(), Some(&ext("1001")));
        let out = keys(&mut s, "+74951234567".trim_start_matches('+'));
        assert!(!out.iter().any(|c| matches!(c, DisaCommand::Dial { .. })));
        assert_eq!(
            s.on_timer(lookup),
            [DisaCommand::Dial {
                user: ext("1001"),
                number: "74951234567".into()
            }]
        );
        assert!(
            keys(&mut s, "5#").is_empty(),
            "keys while dialing are ignored"
        );
    }

    #[test]
    fn wrong_pin_and_unknown_extension_look_the_same_and_end_after_three() {
        let (mut s, _) = DisaSession::start();
        let wrong_pin = keys(&mut s, "1001#0000#");
        let (mut t, _) = DisaSession::start();
        let unknown = keys(&mut t, "1002#4821#");
        assert_eq!(wrong_pin, unknown);
        assert!(wrong_pin.contains(&DisaCommand::Play(Cue::Refused)));
        assert_eq!(
            s.on_timer(lookup),
            [
                DisaCommand::Play(Cue::DialTone),
                DisaCommand::StartTimer(FIRST_DIGIT)
            ]
        );
        keys(&mut s, "1001#1111#");
        s.on_timer(lookup);
        let last = keys(&mut s, "1001#2222#");
        assert_eq!(last.last(), Some(&DisaCommand::Hangup(DisaEnd::AuthFailed)));
        assert_eq!(s.failures(), 3);
        assert!(keys(&mut s, "1001#4821#").is_empty());
        assert!(s.on_timer(lookup).is_empty());
    }

    #[test]
    fn silence_hangs_up_and_a_pause_submits() {
        let (mut s, _) = DisaSession::start();
        assert_eq!(s.on_timer(lookup), [DisaCommand::Hangup(DisaEnd::Timeout)]);
        let (mut s, _) = DisaSession::start();
        keys(&mut s, "1001");
        assert!(s.on_timer(lookup).contains(&DisaCommand::Play(Cue::Beep)));
        keys(&mut s, "4821");
        assert!(s
            .on_timer(lookup)
            .contains(&DisaCommand::Play(Cue::DialTone)));
        assert_eq!(s.on_timer(lookup), [DisaCommand::Hangup(DisaEnd::Timeout)]);
    }

    #[test]
    fn a_failed_number_gives_the_dial_tone_back_up_to_the_limit() {
        let (mut s, _) = DisaSession::start();
        keys(&mut s, "1001#4821#");
        for n in 1..=MAX_DIALS {
            let out = keys(&mut s, "200#");
            assert!(
                matches!(out.last(), Some(DisaCommand::Dial { .. })),
                "{out:?}"
            );
            let back = s.on_dial_failed();
            if n < MAX_DIALS {
                assert_eq!(back[0], DisaCommand::Play(Cue::Refused));
                assert!(
                    keys(&mut s, "5").is_empty(),
                    "keys during the refusal are ignored"
                );
                assert_eq!(s.on_timer(lookup)[0], DisaCommand::Play(Cue::DialTone));
            } else {
                assert_eq!(back, [DisaCommand::Hangup(DisaEnd::TooManyDials)]);
            }
        }
        assert!(s.on_dial_failed().is_empty());
    }

    #[test]
    fn star_only_in_numbers_and_input_is_bounded() {
        let (mut s, _) = DisaSession::start();
        assert!(s.on_digit('*', lookup).is_empty());
        assert!(s.on_digit('A', lookup).is_empty());
        keys(&mut s, "1001#4821#");
        assert!(!s.on_digit('*', lookup).is_empty());
        for _ in 0..100 {
            s.on_digit('9', lookup);
        }
        let Some(DisaCommand::Dial { number, .. }) = s.on_digit('#', lookup).pop() else {
            panic!("no dial");
        };
        assert_eq!(number.len(), MAX_KEYS);
        assert!(number.starts_with('*'));
    }

    #[test]
    fn an_empty_hash_in_the_number_step_waits() {
        let (mut s, _) = DisaSession::start();
        keys(&mut s, "1001#4821#");
        assert!(s.on_digit('#', lookup).is_empty());
        assert_eq!(s.user(), Some(&ext("1001")));
    }

    proptest! {
        /// Any sequence of events ends in a hang-up or a dial within bounded timers, and
        /// never panics.
        #[test]
        fn any_input_is_safe(events in proptest::collection::vec(
            prop_oneof![
                proptest::char::range('0', '9'),
                Just('#'), Just('*'), Just('A'), Just('T'), Just('F')
            ], 0..80))
        {
            let (mut s, _) = DisaSession::start();
            for e in events {
                match e {
                    'T' => { s.on_timer(lookup); }
                    'F' => { s.on_dial_failed(); }
                    d => { s.on_digit(d, lookup); }
                }
            }
            let mut ended = false;
            for _ in 0..(2 * (MAX_FAILURES + MAX_DIALS) + 4) {
                let out = s.on_timer(lookup);
                let out2 = if s.user().is_some() && out.is_empty() { s.on_dial_failed() } else { Vec::new() };
                if out.iter().chain(&out2).any(|c| matches!(c, DisaCommand::Hangup(_) | DisaCommand::Dial { .. })) {
                    ended = true;
                    break;
                }
            }
            let settled = matches!(s.step, Step::Over | Step::Dialing { .. });
            prop_assert!(ended || settled);
        }
    }
}
