//! Failed-login throttling per source address (issue 6, seed 000 FAQ) and the arithmetic
//! CAPTCHA that stands in for a real one.
//!
//! Invariants: only failures within the last [`WINDOW`] count; from [`CAPTCHA_AFTER`]
//! failures on, a login must carry a solved CAPTCHA; the [`BLOCK_AFTER`]th failure blocks
//! the address for [`BLOCK_FOR`], logs a warning, and lists it for the platform admin; a
//! successful login clears the address; a CAPTCHA is single-use and expires after
//! [`CAPTCHA_TTL`]; both tables are bounded ([`MAX_ENTRIES`]) so a flood of addresses
//! cannot exhaust memory.
//!
//! The CAPTCHA is a stand-in: "what is a + b?" stops naive scripts, not a determined bot.
//! A real CAPTCHA provider can replace [`LoginGuard::new_captcha`] and
//! [`LoginGuard::solve_captcha`] without touching the login handler.

use crate::credentials::random_secret;
use rand::Rng;
use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Failures counted within this window.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Failures after which a CAPTCHA is required.
pub const CAPTCHA_AFTER: usize = 3;
/// Failures after which the address is blocked.
pub const BLOCK_AFTER: usize = 10;
/// How long a block lasts.
pub const BLOCK_FOR: Duration = Duration::from_secs(15 * 60);
/// How long a CAPTCHA can be answered.
pub const CAPTCHA_TTL: Duration = Duration::from_secs(5 * 60);
/// Most addresses (and most open CAPTCHAs) tracked at once.
const MAX_ENTRIES: usize = 100_000;

/// What a login attempt from an address must do first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gate {
    /// Go ahead with the password check.
    Open,
    /// Go ahead only with a solved CAPTCHA.
    Captcha,
    /// Refused until the block ends, this many seconds from now.
    Blocked(u64),
}

/// A blocked address as the platform admin sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockedAddress {
    /// The source address.
    pub address: IpAddr,
    /// When the block started, unix seconds.
    pub since: i64,
    /// When it ends, unix seconds.
    pub until: i64,
}

/// Failures and block of one address.
#[derive(Default)]
struct Entry {
    failures: VecDeque<Instant>,
    blocked: Option<(Instant, i64)>,
}

/// One open CAPTCHA: its answer and when it expires.
struct Challenge {
    answer: u32,
    expires: Instant,
}

/// Login failures per address and open CAPTCHAs.
#[derive(Default)]
pub struct LoginGuard {
    entries: Mutex<HashMap<IpAddr, Entry>>,
    captchas: Mutex<HashMap<String, Challenge>>,
}

/// Locks `m`, recovering the data if a panicking thread poisoned it (the tables stay
/// consistent: every update is a single insert or remove).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl LoginGuard {
    /// What a login from `ip` must do now.
    pub fn gate(&self, ip: IpAddr, now: Instant) -> Gate {
        let mut entries = lock(&self.entries);
        let Some(entry) = entries.get_mut(&ip) else {
            return Gate::Open;
        };
        if let Some((until, _)) = entry.blocked {
            if until > now {
                return Gate::Blocked(until.duration_since(now).as_secs().max(1));
            }
            entry.blocked = None;
            entry.failures.clear();
        }
        prune(&mut entry.failures, now);
        if entry.failures.len() >= CAPTCHA_AFTER {
            Gate::Captcha
        } else {
            Gate::Open
        }
    }

    /// Records a failed login from `ip` and says what the address must do next (the
    /// answer to send: `Open` means a plain "wrong credentials").
    pub fn fail(&self, ip: IpAddr, now: Instant, now_unix: i64) -> Gate {
        let mut entries = lock(&self.entries);
        if entries.len() >= MAX_ENTRIES && !entries.contains_key(&ip) {
            entries.retain(|_, e| {
                prune(&mut e.failures, now);
                e.blocked.is_some_and(|(until, _)| until > now) || !e.failures.is_empty()
            });
        }
        let entry = entries.entry(ip).or_default();
        prune(&mut entry.failures, now);
        entry.failures.push_back(now);
        let count = entry.failures.len();
        if count >= BLOCK_AFTER {
            entry.blocked = Some((now + BLOCK_FOR, now_unix));
            tracing::warn!(
                address = %ip,
                failures = count,
                minutes = BLOCK_FOR.as_secs() / 60,
                "login blocked after repeated failures"
            );
            Gate::Blocked(BLOCK_FOR.as_secs())
        } else if count >= CAPTCHA_AFTER {
            Gate::Captcha
        } else {
            Gate::Open
        }
    }

    /// Forgets the failures of `ip` after a successful login.
    pub fn succeed(&self, ip: IpAddr) {
        lock(&self.entries).remove(&ip);
    }

    /// Addresses blocked now, ordered by address.
    pub fn blocked(&self, now: Instant, now_unix: i64) -> Vec<BlockedAddress> {
        let entries = lock(&self.entries);
        let mut list: Vec<BlockedAddress> = entries
            .iter()
            .filter_map(|(ip, e)| {
                let (until, since) = e.blocked?;
                let left = until.checked_duration_since(now)?;
                Some(BlockedAddress {
                    address: *ip,
                    since,
                    until: now_unix.saturating_add_unsigned(left.as_secs()),
                })
            })
            .collect();
        list.sort_by_key(|b| b.address);
        list
    }

    /// A new challenge: its id and question.
    pub fn new_captcha(&self, now: Instant) -> (String, String) {
        let mut rng = rand::thread_rng();
        let (a, b): (u32, u32) = (rng.gen_range(1..=20), rng.gen_range(1..=20));
        let id = random_secret();
        let mut captchas = lock(&self.captchas);
        captchas.retain(|_, c| c.expires > now);
        if captchas.len() >= MAX_ENTRIES {
            captchas.clear();
        }
        captchas.insert(
            id.clone(),
            Challenge {
                answer: a + b,
                expires: now + CAPTCHA_TTL,
            },
        );
        (id, format!("What is {a} + {b}?"))
    }

    /// Whether `answer` solves the open challenge `id`; the challenge is used up either way.
    pub fn solve_captcha(&self, id: &str, answer: u32, now: Instant) -> bool {
        lock(&self.captchas)
            .remove(id)
            .is_some_and(|c| c.expires > now && c.answer == answer)
    }
}

/// Drops failures older than [`WINDOW`].
fn prune(failures: &mut VecDeque<Instant>, now: Instant) {
    while failures
        .front()
        .is_some_and(|t| now.duration_since(*t) >= WINDOW)
    {
        failures.pop_front();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captcha_then_block_then_expiry() {
        let guard = LoginGuard::default();
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        let t0 = Instant::now();
        assert_eq!(guard.fail(ip, t0, 100), Gate::Open);
        assert_eq!(guard.fail(ip, t0, 100), Gate::Open);
        assert_eq!(guard.fail(ip, t0, 100), Gate::Captcha);
        assert_eq!(guard.gate(ip, t0), Gate::Captcha);
        for _ in 3..9 {
            assert_eq!(guard.fail(ip, t0, 100), Gate::Captcha);
        }
        assert_eq!(guard.fail(ip, t0, 100), Gate::Blocked(900));
        assert!(matches!(guard.gate(ip, t0), Gate::Blocked(_)));
        assert_eq!(guard.blocked(t0, 100).len(), 1);
        let later = t0 + BLOCK_FOR;
        assert_eq!(guard.gate(ip, later), Gate::Open);
        assert!(guard.blocked(later, 1000).is_empty());
    }

    #[test]
    fn old_failures_fall_out_of_the_window() {
        let guard = LoginGuard::default();
        let ip: IpAddr = "192.0.2.2".parse().unwrap();
        let t0 = Instant::now();
        for _ in 0..3 {
            guard.fail(ip, t0, 0);
        }
        assert_eq!(guard.gate(ip, t0 + WINDOW), Gate::Open);
        guard.fail(ip, t0, 0);
        guard.succeed(ip);
        assert_eq!(guard.gate(ip, t0), Gate::Open);
    }

    #[test]
    fn captchas_are_single_use() {
        let guard = LoginGuard::default();
        let now = Instant::now();
        let (id, question) = guard.new_captcha(now);
        let numbers: Vec<u32> = question
            .trim_start_matches("What is ")
            .trim_end_matches('?')
            .split(" + ")
            .map(|n| n.parse().unwrap())
            .collect();
        let answer = numbers.iter().sum();
        assert!(!guard.solve_captcha("other", answer, now));
        assert!(guard.solve_captcha(&id, answer, now));
        assert!(!guard.solve_captcha(&id, answer, now));
        let (id, _) = guard.new_captcha(now);
        assert!(!guard.solve_captcha(&id, answer, now + CAPTCHA_TTL));
    }
}
