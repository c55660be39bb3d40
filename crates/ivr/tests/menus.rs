//! Menu sets: JSON form, validation naming the field, schedules and holidays in time zones.

mod common;

use common::*;
use vpbx_ivr::{IvrError, Menu, MenuSet, MAX_HOPS};

/// Prompts and extensions every test tenant has.
fn tenant() -> (
    std::collections::BTreeSet<vpbx_model::PromptName>,
    std::collections::BTreeSet<vpbx_model::Extension>,
) {
    (
        prompts(&["greet", "advert", "route", "sorry", "night"]),
        exts(&["1000", "1100", "2222"]),
    )
}

/// The menu and field of a validation error.
fn fails(set: &MenuSet) -> (String, String, String) {
    let (p, e) = tenant();
    match set.validate(&p, &e).unwrap_err() {
        IvrError::Menu {
            menu,
            field,
            reason,
        } => (menu.to_string(), field, reason),
        other => panic!("{other}"),
    }
}

fn valid(set: &MenuSet) {
    let (p, e) = tenant();
    set.validate(&p, &e).unwrap();
}

#[test]
fn json_defaults_and_round_trip() {
    let m: Menu = serde_json::from_str(r#"{"name":"main","prompts":["greet"]}"#).unwrap();
    assert_eq!(m, menu("main", &["greet"]));
    assert_eq!((m.timeout_secs, m.repeats), (10, 3));
    assert_eq!(m.on_timeout, action("hangup"));
    assert_eq!(m.timezone, "UTC");

    let mut full = menu("main", &["greet", "advert", "route"]);
    full.options.insert('1', action("ext:1000"));
    full.options.insert('#', action("ivr:night"));
    full.invalid_prompt = Some(prompt("sorry"));
    full.on_timeout = action("ext:2222");
    full.extension_dialing = true;
    full.timezone = "Europe/Moscow".into();
    full.schedule
        .push(rule("mon-fri", "18:00", "09:00", "night"));
    full.holidays.push(holiday("2026-12-31", "night"));
    let json = serde_json::to_string(&full).unwrap();
    assert!(
        json.contains(r##""options":{"#":"ivr:night","1":"ext:1000"}"##),
        "{json}"
    );
    assert!(json
        .contains(r#""schedule":[{"days":"mon-fri","from":"18:00","to":"09:00","goto":"night"}]"#));
    assert_eq!(serde_json::from_str::<Menu>(&json).unwrap(), full);

    for bad in [
        r#"{"name":"Main","prompts":["greet"]}"#,
        r#"{"name":"main","prompts":["greet"],"options":{"1":"ext:1"}}"#,
        r#"{"name":"main","prompts":["greet"],"options":{"12":"hangup"}}"#,
        r#"{"name":"main","prompts":["greet"],"colour":"red"}"#,
    ] {
        assert!(serde_json::from_str::<Menu>(bad).is_err(), "{bad}");
    }
}

/// A change to a valid menu that makes it invalid.
type Edit = Box<dyn Fn(&mut Menu)>;

#[test]
fn errors_name_the_menu_and_field() {
    let base = || {
        let mut m = menu("main", &["greet", "route"]);
        m.options.insert('1', action("ext:1000"));
        m
    };
    valid(&MenuSet::from_iter([base()]));

    let cases: Vec<(Edit, &str, &str)> = vec![
        (
            Box::new(|m| m.prompts.push(prompt("nope"))),
            "prompts[2]",
            "no prompt nope",
        ),
        (Box::new(|m| m.prompts.clear()), "prompts", "1 to 16"),
        (
            Box::new(|m| m.invalid_prompt = Some(prompt("gone"))),
            "invalid_prompt",
            "no prompt gone",
        ),
        (
            Box::new(|m| {
                m.options.insert('1', action("ext:1005"));
            }),
            "options.1",
            "no extension 1005",
        ),
        (
            Box::new(|m| {
                m.options.insert('2', action("voicemail:1005"));
            }),
            "options.2",
            "no extension 1005",
        ),
        (
            Box::new(|m| {
                m.options.insert('9', action("ivr:sales"));
            }),
            "options.9",
            "no menu sales",
        ),
        (
            Box::new(|m| {
                m.options.insert('x', action("hangup"));
            }),
            "options.x",
            "0-9, * and #",
        ),
        (
            Box::new(|m| m.on_timeout = action("ext:3000")),
            "on_timeout",
            "no extension 3000",
        ),
        (
            Box::new(|m| m.on_timeout = action("repeat")),
            "on_timeout",
            "never end",
        ),
        (
            Box::new(|m| m.on_timeout = action("ivr:main")),
            "on_timeout",
            "loop main -> main",
        ),
        (Box::new(|m| m.timeout_secs = 0), "timeout_secs", "1 to 120"),
        (Box::new(|m| m.repeats = 11), "repeats", "1 to 10"),
        (
            Box::new(|m| m.timezone = "Mars/Olympus".into()),
            "timezone",
            "Mars/Olympus",
        ),
        (
            Box::new(|m| m.schedule.push(rule("mon", "09:00", "10:00", "gone"))),
            "schedule[0].goto",
            "no menu gone",
        ),
        (
            Box::new(|m| m.schedule.push(rule("mon", "09:00", "10:00", "main"))),
            "schedule[0].goto",
            "to itself",
        ),
        (
            Box::new(|m| m.holidays.push(holiday("2026-01-01", "gone"))),
            "holidays[0].goto",
            "no menu gone",
        ),
        (
            Box::new(|m| {
                m.holidays.push(holiday("2026-01-01", "other"));
                m.holidays.push(holiday("2026-01-01", "other"));
            }),
            "holidays[1].date",
            "listed twice",
        ),
    ];
    for (edit, field, reason) in cases {
        let mut m = base();
        edit(&mut m);
        let set = MenuSet::from_iter([m, menu("other", &["night"])]);
        let (menu_name, got_field, got_reason) = fails(&set);
        assert_eq!((menu_name.as_str(), got_field.as_str()), ("main", field));
        assert!(got_reason.contains(reason), "{field}: {got_reason}");
    }
    let (p, e) = tenant();
    let mut m = base();
    m.options.insert('1', action("ext:1005"));
    let shown = MenuSet::from_iter([m])
        .validate(&p, &e)
        .unwrap_err()
        .to_string();
    assert_eq!(shown, "invalid options.1 of menu main: no extension 1005");
}

#[test]
fn timeout_loops_through_menus_are_rejected() {
    let mut a = menu("a", &["greet"]);
    a.on_timeout = action("ivr:b");
    let mut b = menu("b", &["route"]);
    b.on_timeout = action("ivr:a");
    let (m, field, reason) = fails(&MenuSet::from_iter([a.clone(), b]));
    assert_eq!((m.as_str(), field.as_str()), ("a", "on_timeout"));
    assert!(reason.contains("loop a -> b -> a"), "{reason}");
    let mut b = menu("b", &["route"]);
    b.on_timeout = action("ext:2222");
    valid(&MenuSet::from_iter([a, b]));
}

/// The day/night pair of the seed: each sends calls to the other outside its hours.
fn day_night(tz: &str) -> MenuSet {
    let mut day = menu("day", &["greet", "advert", "route"]);
    day.timezone = tz.into();
    day.schedule
        .push(rule("mon-fri", "18:00", "09:00", "night"));
    day.schedule
        .push(rule("sat,sun", "00:00", "00:00", "weekend"));
    day.holidays.push(holiday("2026-12-31", "closed"));
    let mut night = menu("night", &["night"]);
    night.timezone = tz.into();
    night
        .schedule
        .push(rule("mon-fri", "09:00", "18:00", "day"));
    let mut weekend = menu("weekend", &["night"]);
    weekend.timezone = tz.into();
    let mut closed = menu("closed", &["sorry"]);
    closed.timezone = tz.into();
    MenuSet::from_iter([day, night, weekend, closed])
}

fn lands(set: &MenuSet, entry: &str, tz: &str, local: &str) -> String {
    set.resolve(&name(entry), unix(tz, local))
        .unwrap()
        .menu
        .to_string()
}

#[test]
fn schedule_in_the_menus_time_zone() {
    let msk = "Europe/Moscow";
    let set = day_night(msk);
    valid(&set);
    // 2026-03-02 is a Monday.
    for (local, want) in [
        ("2026-03-02 12:00", "day"),
        ("2026-03-02 08:59", "day"), // Monday morning: the night rule started on Sunday
        ("2026-03-02 18:00", "night"),
        ("2026-03-02 23:59", "night"),
        ("2026-03-03 00:00", "night"),
        ("2026-03-03 08:59", "night"),
        ("2026-03-03 09:00", "day"),
        ("2026-03-06 22:00", "night"),   // Friday night
        ("2026-03-07 03:00", "night"),   // Saturday before 09:00: Friday's rule, listed first
        ("2026-03-07 09:00", "weekend"), // then the weekend rule
        ("2026-03-08 23:59", "weekend"),
        ("2026-12-31 12:00", "closed"), // the holiday (a Thursday) comes before the rules
        ("2026-12-31 23:30", "closed"),
        ("2027-01-01 00:30", "night"), // Friday 00:30, started Thursday 18:00
    ] {
        assert_eq!(lands(&set, "day", msk, local), want, "{local}");
    }
    // Entering the night menu during office hours sends the call back to day.
    assert_eq!(lands(&set, "night", msk, "2026-03-02 12:00"), "day");
    assert_eq!(lands(&set, "night", msk, "2026-03-02 20:00"), "night");
    // The same instant is office hours in London but evening in Moscow.
    let instant = unix("UTC", "2026-03-02 16:00");
    assert_eq!(
        set.resolve(&name("day"), instant).unwrap().menu.as_str(),
        "night"
    );
    let london = day_night("Europe/London");
    assert_eq!(
        london.resolve(&name("day"), instant).unwrap().menu.as_str(),
        "day"
    );
    // Summer time: 08:30 UTC is 09:30 in London on a July Tuesday, 08:30 on a January one.
    assert_eq!(lands(&london, "day", "UTC", "2026-07-07 08:30"), "day");
    assert_eq!(lands(&london, "day", "UTC", "2026-01-06 08:30"), "night");
    // Holidays are local dates: 21:30 UTC on Dec 31 is already Jan 1 in Moscow.
    assert_eq!(lands(&set, "day", "UTC", "2026-12-31 21:30"), "night");
    assert_eq!(lands(&london, "day", "UTC", "2026-12-31 21:30"), "closed");
    assert!(set.resolve(&name("nope"), 0).is_none());
}

#[test]
fn hops_are_reported_and_chains_end() {
    let mut a = menu("a", &["greet"]);
    a.schedule.push(rule("mon-sun", "00:00", "00:00", "b"));
    let mut b = menu("b", &["greet"]);
    b.holidays.push(holiday("2026-03-02", "c"));
    let c = menu("c", &["greet"]);
    let set = MenuSet::from_iter([a, b, c]);
    valid(&set);
    let r = set
        .resolve(&name("a"), unix("UTC", "2026-03-02 10:00"))
        .unwrap();
    assert_eq!(r.menu.as_str(), "c");
    assert_eq!(
        r.hops,
        vec![
            (name("a"), "schedule[0].goto".to_owned()),
            (name("b"), "holidays[0].goto".to_owned())
        ]
    );
    assert!(!r.cut);
    assert_eq!(lands(&set, "a", "UTC", "2026-03-03 10:00"), "b");
}

#[test]
fn schedule_loops_in_one_zone_are_rejected() {
    let mut a = menu("a", &["greet"]);
    a.schedule.push(rule("mon-fri", "18:00", "09:00", "b"));
    let mut b = menu("b", &["greet"]);
    b.schedule.push(rule("sat", "08:00", "10:00", "a"));
    let (m, field, reason) = fails(&MenuSet::from_iter([a.clone(), b]));
    assert_eq!((m.as_str(), field.as_str()), ("a", "schedule[0].goto"));
    assert!(
        reason.contains("schedule loop a -> b -> a (Sat 08:00)"),
        "{reason}"
    );

    // The same two menus with hours that never overlap are fine.
    let mut b = menu("b", &["greet"]);
    b.schedule.push(rule("sat", "09:00", "10:00", "a"));
    valid(&MenuSet::from_iter([a.clone(), b]));

    // A loop that only closes on a holiday (2026-12-31 is a Thursday).
    let mut a = menu("a", &["greet"]);
    a.holidays.push(holiday("2026-12-31", "b"));
    let mut b = menu("b", &["greet"]);
    b.schedule.push(rule("thu", "12:00", "13:00", "a"));
    let (m, field, reason) = fails(&MenuSet::from_iter([a, b]));
    assert_eq!((m.as_str(), field.as_str()), ("a", "holidays[0].goto"));
    assert!(reason.contains("a -> b -> a"), "{reason}");
}

#[test]
fn long_chains_are_rejected_and_cut() {
    let n = MAX_HOPS + 2;
    let chain = |tz: &str| -> MenuSet {
        (0..n)
            .map(|i| {
                let mut m = menu(&format!("m{i}"), &["greet"]);
                m.timezone = tz.into();
                if i + 1 < n {
                    m.schedule
                        .push(rule("mon-sun", "00:00", "00:00", &format!("m{}", i + 1)));
                }
                m
            })
            .collect()
    };
    let (m, field, reason) = fails(&chain("UTC"));
    assert_eq!((m.as_str(), field.as_str()), ("m0", "schedule[0].goto"));
    assert!(reason.contains("longer than 8 hops"), "{reason}");
    let r = chain("UTC").resolve(&name("m0"), 0).unwrap();
    assert_eq!(
        (r.menu.as_str(), r.hops.len(), r.cut),
        ("m8", MAX_HOPS, true)
    );
    let r = chain("UTC").resolve(&name("m2"), 0).unwrap();
    assert_eq!((r.menu.as_str(), r.cut), ("m9", false));
}

#[test]
fn loops_across_time_zones_stop_at_run_time() {
    let mut a = menu("a", &["greet"]);
    a.schedule.push(rule("mon-sun", "00:00", "00:00", "b"));
    let mut b = menu("b", &["greet"]);
    b.timezone = "Asia/Tokyo".into();
    b.schedule.push(rule("mon-sun", "00:00", "00:00", "a"));
    let set = MenuSet::from_iter([a, b]);
    valid(&set);
    let r = set.resolve(&name("a"), 0).unwrap();
    assert_eq!((r.menu.as_str(), r.cut), ("b", true));
}

#[test]
fn referrers_name_menu_and_field() {
    let mut a = menu("a", &["greet"]);
    a.options.insert('2', action("ivr:b"));
    a.holidays.push(holiday("2026-01-01", "b"));
    let mut b = menu("b", &["greet"]);
    b.options.insert('1', action("ivr:b"));
    let set = MenuSet::from_iter([a, b]);
    assert_eq!(
        set.referrers(&name("b")),
        vec![
            (name("a"), "options.2".to_owned()),
            (name("a"), "holidays[0].goto".to_owned())
        ]
    );
    assert!(set.referrers(&name("a")).is_empty());
}
