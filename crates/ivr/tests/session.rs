//! The caller's state machine: the seed's call flow, barge-in, invalid input, menus and
//! schedules, extension dialing, stale events, and (proptest) that any event sequence ends
//! in a transfer or a hang-up.

mod common;

use common::*;
use proptest::prelude::*;
use std::collections::BTreeSet;
use std::time::Duration;
use vpbx_ivr::{Command, Menu, MenuSet, Session, Target, INTER_DIGIT, MAX_HOPS, MAX_REPEATS};
use vpbx_model::Extension;

use Command::{CancelTimer, Hangup, StopPlayback};

fn play(list: &[&str]) -> Command {
    Command::Play(list.iter().map(|p| prompt(p)).collect())
}

fn timer(secs: u64) -> Command {
    Command::StartTimer(Duration::from_secs(secs))
}

fn to_ext(e: &str) -> Command {
    Command::Transfer(Target::Extension(ext(e)))
}

const MENU: [&str; 3] = ["it-greet", "advert", "it-route"];

/// Seed 001's `s-sipcity`: greeting, advert, menu; 1-6 ring the department groups, 9 the
/// Italian menu again, 0 the English one; 10 s for a digit, the menu twice, then the
/// secretary (2222). The tenant's extensions: 1101, 1102, 1701, 2001, 3001, 2222.
fn seed() -> (MenuSet, BTreeSet<Extension>) {
    let mut it = menu("sipcity", &MENU);
    it.repeats = 2;
    for (d, group) in [
        ('1', "1100"),
        ('2', "1200"),
        ('3', "1300"),
        ('4', "1400"),
        ('5', "1500"),
    ] {
        it.options.insert(d, action(&format!("ext:{group}")));
    }
    it.options.insert('9', action("ivr:sipcity"));
    it.options.insert('0', action("ivr:eng"));
    it.options.insert('*', action("repeat"));
    it.options.insert('#', action("hangup"));
    it.options.insert('7', action("voicemail:2001"));
    it.on_timeout = action("ext:2222");
    it.invalid_prompt = Some(prompt("sorry"));
    let mut eng = menu("eng", &["en-greet", "advert", "en-route"]);
    eng.on_timeout = action("ext:2222");
    eng.timeout_secs = 5;
    eng.repeats = 1;
    let exts = exts(&[
        "1100", "1200", "1300", "1400", "1500", "1101", "1102", "1701", "2001", "3001", "2222",
    ]);
    let set = MenuSet::from_iter([it, eng]);
    let p = prompts(&[
        "it-greet", "advert", "it-route", "en-greet", "en-route", "sorry",
    ]);
    set.validate(&p, &exts).unwrap();
    (set, exts)
}

fn start(set: &MenuSet, exts: &BTreeSet<Extension>) -> Session {
    let (s, out) = Session::start(set, &name("sipcity"), 0, exts);
    assert_eq!(out, vec![play(&MENU)]);
    s
}

#[test]
fn seed_flow_without_input_goes_to_the_secretary() {
    let (set, exts) = seed();
    let mut s = start(&set, &exts);
    assert_eq!(s.on_playback_done(), vec![timer(10)]);
    assert_eq!(s.on_timer(), vec![play(&MENU)]);
    assert_eq!(s.on_playback_done(), vec![timer(10)]);
    assert_eq!(s.on_timer(), vec![to_ext("2222")]);
    assert!(s.is_done());
    assert!(s.on_timer().is_empty());
    assert!(s.on_digit('1').is_empty());
    assert!(s.on_playback_done().is_empty());
}

#[test]
fn a_digit_stops_the_prompt_or_the_wait() {
    let (set, exts) = seed();
    let mut s = start(&set, &exts);
    assert_eq!(s.on_digit('2'), vec![StopPlayback, to_ext("1200")]);
    let mut s = start(&set, &exts);
    s.on_playback_done();
    assert_eq!(s.on_digit('3'), vec![CancelTimer, to_ext("1300")]);
    let mut s = start(&set, &exts);
    assert_eq!(
        s.on_digit('7'),
        vec![
            StopPlayback,
            Command::Transfer(Target::Voicemail(ext("2001")))
        ]
    );
    let mut s = start(&set, &exts);
    assert_eq!(s.on_digit('#'), vec![StopPlayback, Hangup]);
}

#[test]
fn invalid_input_plays_the_invalid_prompt_and_counts_as_a_play() {
    let (set, exts) = seed();
    let mut s = start(&set, &exts);
    assert_eq!(s.on_digit('8'), vec![StopPlayback, play(&["sorry"])]);
    assert_eq!(s.on_playback_done(), vec![play(&MENU)]);
    assert_eq!(s.on_playback_done(), vec![timer(10)]);
    // That was the second and last play.
    assert_eq!(s.on_timer(), vec![to_ext("2222")]);

    // Invalid input on the last play: the invalid prompt, then on_timeout.
    let mut s = start(&set, &exts);
    s.on_playback_done();
    s.on_timer();
    assert_eq!(s.on_digit('8'), vec![StopPlayback, play(&["sorry"])]);
    assert_eq!(s.on_playback_done(), vec![to_ext("2222")]);

    // A digit during the invalid prompt is taken as input.
    let mut s = start(&set, &exts);
    s.on_digit('8');
    assert_eq!(s.on_digit('4'), vec![StopPlayback, to_ext("1400")]);

    // Without an invalid prompt the menu plays again at once.
    let (mut set, exts) = seed();
    let mut it = set.get(&name("sipcity")).unwrap().clone();
    it.invalid_prompt = None;
    set.insert(it);
    let mut s = start(&set, &exts);
    assert_eq!(s.on_digit('8'), vec![StopPlayback, play(&MENU)]);
    assert_eq!(s.on_digit('8'), vec![StopPlayback, to_ext("2222")]);
}

#[test]
fn menus_switch_and_repeat() {
    let (set, exts) = seed();
    let mut s = start(&set, &exts);
    let eng = play(&["en-greet", "advert", "en-route"]);
    assert_eq!(s.on_digit('0'), vec![StopPlayback, eng.clone()]);
    assert_eq!(s.menu().as_str(), "eng");
    assert_eq!(s.on_playback_done(), vec![timer(5)]);
    assert_eq!(s.on_timer(), vec![to_ext("2222")]);

    // `ivr:` to the same menu, and `repeat`, start its plays over.
    let mut s = start(&set, &exts);
    s.on_playback_done();
    s.on_timer(); // second play
    assert_eq!(s.on_digit('9'), vec![StopPlayback, play(&MENU)]);
    s.on_playback_done();
    assert_eq!(s.on_timer(), vec![play(&MENU)]);
    s.on_playback_done();
    assert_eq!(s.on_digit('*'), vec![CancelTimer, play(&MENU)]);
    s.on_playback_done();
    assert_eq!(s.on_timer(), vec![play(&MENU)]);
    s.on_playback_done();
    assert_eq!(s.on_timer(), vec![to_ext("2222")]);
}

#[test]
fn schedules_apply_when_entering_and_switching() {
    let msk = "Europe/Moscow";
    let mut day = menu("day", &["greet"]);
    day.timezone = msk.into();
    day.schedule
        .push(rule("mon-fri", "18:00", "09:00", "night"));
    day.holidays.push(holiday("2026-12-31", "closed"));
    day.on_timeout = action("hangup");
    let mut night = menu("night", &["night"]);
    night.options.insert('1', action("ivr:day"));
    let closed = menu("closed", &["sorry"]);
    let mut entry = menu("entry", &["greet"]);
    entry.options.insert('1', action("ivr:day"));
    let set = MenuSet::from_iter([day, night, closed, entry]);
    let none = BTreeSet::new();
    let go = |local: &str, first: &str| {
        let (s, out) = Session::start(&set, &name(first), unix(msk, local), &none);
        (s, out)
    };
    let (s, out) = go("2026-03-02 12:00", "day");
    assert_eq!((s.menu().as_str(), out), ("day", vec![play(&["greet"])]));
    let (s, out) = go("2026-03-02 23:00", "day");
    assert_eq!((s.menu().as_str(), out), ("night", vec![play(&["night"])]));
    let (s, _) = go("2026-03-03 08:00", "day");
    assert_eq!(s.menu().as_str(), "night");
    let (s, _) = go("2026-12-31 12:00", "day");
    assert_eq!(s.menu().as_str(), "closed");
    // Switching by a digit applies the target's schedule; night's option leads back to
    // day, whose schedule sends the call to night again.
    let (mut s, _) = go("2026-03-02 23:00", "entry");
    assert_eq!(s.menu().as_str(), "entry");
    assert_eq!(s.on_digit('1'), vec![StopPlayback, play(&["night"])]);
    assert_eq!(s.menu().as_str(), "night");
    assert_eq!(s.on_digit('1'), vec![StopPlayback, play(&["night"])]);
    let (mut s, _) = go("2026-03-02 11:00", "entry");
    assert_eq!(s.on_digit('1'), vec![StopPlayback, play(&["greet"])]);
    assert_eq!(s.menu().as_str(), "day");
}

/// A menu with options 1 (sales), 5 (support) and 0, and extension dialing over 100,
/// 1000, 1001, 1100 and 2000.
fn dialing() -> (MenuSet, BTreeSet<Extension>) {
    let mut m = menu("main", &["route"]);
    m.extension_dialing = true;
    m.options.insert('1', action("ext:1100"));
    m.options.insert('5', action("ext:2000"));
    m.options.insert('0', action("hangup"));
    m.invalid_prompt = Some(prompt("sorry"));
    (
        MenuSet::from_iter([m]),
        exts(&["100", "1000", "1001", "1100", "2000"]),
    )
}

fn start_dialing() -> Session {
    let (set, exts) = dialing();
    Session::start(&set, &name("main"), 0, &exts).0
}

#[test]
fn extension_dialing_rings_a_complete_extension_at_once() {
    let mut s = start_dialing();
    assert_eq!(
        s.on_digit('2'),
        vec![StopPlayback, Command::StartTimer(INTER_DIGIT)]
    );
    assert_eq!(s.on_digit('0'), vec![Command::StartTimer(INTER_DIGIT)]);
    assert_eq!(s.on_digit('0'), vec![Command::StartTimer(INTER_DIGIT)]);
    assert_eq!(s.on_digit('0'), vec![CancelTimer, to_ext("2000")]);

    let mut s = start_dialing();
    s.on_playback_done();
    assert_eq!(
        s.on_digit('1'),
        vec![CancelTimer, Command::StartTimer(INTER_DIGIT)]
    );
    for d in ['0', '0'] {
        s.on_digit(d);
    }
    // "100" is an extension but 1000 and 1001 start with it: wait for more.
    assert_eq!(s.on_digit('1'), vec![CancelTimer, to_ext("1001")]);
}

#[test]
fn extension_dialing_ends_on_the_wait_or_hash() {
    let mut s = start_dialing();
    for d in ['1', '0', '0'] {
        s.on_digit(d);
    }
    assert_eq!(s.on_timer(), vec![to_ext("100")]);
    let mut s = start_dialing();
    for d in ['1', '0', '0'] {
        s.on_digit(d);
    }
    assert_eq!(s.on_digit('#'), vec![CancelTimer, to_ext("100")]);
    // An incomplete extension is invalid input.
    let mut s = start_dialing();
    for d in ['1', '0'] {
        s.on_digit(d);
    }
    assert_eq!(s.on_timer(), vec![play(&["sorry"])]);
    assert_eq!(s.on_playback_done(), vec![play(&["route"])]);
    // Digits no extension starts with are invalid at once.
    let mut s = start_dialing();
    s.on_digit('1');
    assert_eq!(s.on_digit('9'), vec![CancelTimer, play(&["sorry"])]);
}

#[test]
fn an_option_digit_that_starts_an_extension_waits_first() {
    // 1 starts 1000: dialing begins; alone and followed by the wait, it is option 1.
    let mut s = start_dialing();
    assert_eq!(
        s.on_digit('1'),
        vec![StopPlayback, Command::StartTimer(INTER_DIGIT)]
    );
    assert_eq!(s.on_timer(), vec![to_ext("1100")]);
    let mut s = start_dialing();
    s.on_digit('1');
    assert_eq!(s.on_digit('#'), vec![CancelTimer, to_ext("1100")]);
    // 0 starts no extension: the option wins at once.
    let mut s = start_dialing();
    assert_eq!(s.on_digit('0'), vec![StopPlayback, Hangup]);
    // 3 is neither.
    let mut s = start_dialing();
    assert_eq!(s.on_digit('3'), vec![StopPlayback, play(&["sorry"])]);
    // Without extension dialing, 1 is the option at once.
    let (mut set, exts) = dialing();
    let mut m = set.get(&name("main")).unwrap().clone();
    m.extension_dialing = false;
    set.insert(m);
    let mut s = Session::start(&set, &name("main"), 0, &exts).0;
    assert_eq!(s.on_digit('1'), vec![StopPlayback, to_ext("1100")]);
    let mut s = Session::start(&set, &name("main"), 0, &exts).0;
    assert_eq!(s.on_digit('2'), vec![StopPlayback, play(&["sorry"])]);
}

#[test]
fn stale_events_are_ignored() {
    let (set, exts) = seed();
    let mut s = start(&set, &exts);
    assert!(s.on_timer().is_empty()); // no timer pending while the prompt plays
    assert_eq!(s.on_playback_done(), vec![timer(10)]);
    assert!(s.on_playback_done().is_empty());
    assert_eq!(s.on_digit('8'), vec![CancelTimer, play(&["sorry"])]);
    assert!(s.on_timer().is_empty());
}

#[test]
fn a_missing_menu_hangs_up() {
    let (set, exts) = seed();
    let (s, out) = Session::start(&set, &name("nope"), 0, &exts);
    assert_eq!(out, vec![Hangup]);
    assert!(s.is_done());
}

#[test]
fn timeout_loops_of_an_unchecked_set_hang_up() {
    let mut a = menu("a", &["greet"]);
    a.on_timeout = action("ivr:b");
    a.repeats = 1;
    let mut b = menu("b", &["route"]);
    b.on_timeout = action("ivr:a");
    b.repeats = 1;
    let set = MenuSet::from_iter([a, b]);
    let (mut s, _) = Session::start(&set, &name("a"), 0, &BTreeSet::new());
    let mut timers = 0;
    let mut last = Vec::new();
    while !s.is_done() {
        s.on_playback_done();
        last = s.on_timer();
        timers += 1;
    }
    assert_eq!(last, vec![Hangup]);
    assert_eq!(timers, MAX_HOPS + 1);
}

/// The media side as the session sees it: what is playing, whether a timer runs.
#[derive(Default)]
struct Media {
    playing: bool,
    timer: bool,
    ended: bool,
}

impl Media {
    fn apply(&mut self, out: Vec<Command>) {
        for c in out {
            assert!(!self.ended, "command after the end: {c:?}");
            match c {
                Command::Play(_) => self.playing = true,
                Command::StopPlayback => self.playing = false,
                Command::StartTimer(_) => self.timer = true,
                Command::CancelTimer => self.timer = false,
                Command::Transfer(_) | Command::Hangup => self.ended = true,
            }
        }
    }
}

#[derive(Debug, Clone)]
enum Event {
    Digit(char),
    Done,
    Timer,
}

fn event() -> impl Strategy<Value = Event> {
    prop_oneof![
        proptest::sample::select(vec![
            '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#', 'A', 'x'
        ])
        .prop_map(Event::Digit),
        Just(Event::Done),
        Just(Event::Timer),
    ]
}

/// A set of menus with arbitrary knobs: options on some digits, timeouts to other menus,
/// invalid prompts, extension dialing.
fn arbitrary_set() -> impl Strategy<Value = (MenuSet, BTreeSet<Extension>)> {
    (
        proptest::collection::vec(
            (
                1u32..=4,
                proptest::option::of(0usize..3),
                any::<bool>(),
                0usize..5,
            ),
            3,
        ),
        any::<bool>(),
    )
        .prop_map(|(knobs, extension_dialing)| {
            let names = ["a", "b", "c"];
            let menus: Vec<Menu> = knobs
                .iter()
                .enumerate()
                .map(|(i, (repeats, next, invalid, actions))| {
                    let mut m = menu(names[i], &["greet", "route"]);
                    m.repeats = *repeats;
                    m.extension_dialing = extension_dialing;
                    if *invalid {
                        m.invalid_prompt = Some(prompt("sorry"));
                    }
                    if let Some(n) = next {
                        m.on_timeout = action(&format!("ivr:{}", names[*n]));
                    }
                    let all = ["ext:1000", "voicemail:1001", "hangup", "repeat", "ivr:a"];
                    for (k, d) in ['1', '2', '3', '*'].into_iter().enumerate() {
                        m.options.insert(d, action(all[(actions + k) % all.len()]));
                    }
                    m.options
                        .insert('9', action(&format!("ivr:{}", names[(i + 1) % 3])));
                    m
                })
                .collect();
            (
                MenuSet::from_iter(menus),
                exts(&["100", "1000", "1001", "200"]),
            )
        })
}

proptest! {
    #[test]
    fn any_events_end_in_transfer_or_hangup(
        (set, exts) in arbitrary_set(),
        events in proptest::collection::vec(event(), 0..60),
    ) {
        let (mut s, out) = Session::start(&set, &name("a"), 0, &exts);
        let mut media = Media::default();
        media.apply(out);
        for e in events {
            let out = match e {
                Event::Digit(d) => s.on_digit(d),
                Event::Done => {
                    media.playing = false;
                    s.on_playback_done()
                }
                Event::Timer => {
                    media.timer = false;
                    s.on_timer()
                }
            };
            media.apply(out);
            prop_assert_eq!(media.ended, s.is_done());
        }
        // Now the caller presses nothing: only the media side's own events follow.
        let bound = (MAX_HOPS + 1) * (MAX_REPEATS as usize + 1);
        let mut timers = 0;
        while !media.ended {
            prop_assert!(media.playing || media.timer, "stuck with nothing pending");
            let out = if media.playing {
                media.playing = false;
                s.on_playback_done()
            } else {
                media.timer = false;
                timers += 1;
                s.on_timer()
            };
            media.apply(out);
            prop_assert!(timers <= bound, "more than {} timer events", bound);
        }
        prop_assert!(s.is_done());
    }
}
