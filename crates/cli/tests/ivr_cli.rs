//! `vpbx ivr ...` through the real binary (issue 5 item 3): menus are added with their
//! prompts, options, schedule and holidays, shown and listed (text and JSON), checked
//! against the tenant's prompts, extensions and menus, routed to from a number, and
//! refused removal while in use; bad input fails with one line naming the field.

mod common;

use common::{vpbx, vpbx_ok};
use serde_json::Value;
use std::path::Path;

const D: &str = "acme.example";

/// A tenant with extensions 1000 and 2222, trunk `city`, and spoken prompts greet, route
/// and sorry.
fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    vpbx_ok(data, &["tenant", "create", D]);
    for ext in ["1000", "2222"] {
        vpbx_ok(data, &["user", "add", D, ext, "--password", "secret123"]);
    }
    vpbx_ok(
        data,
        &["trunk", "add", D, "city", "--host", "sip.carrier.example"],
    );
    for (name, text) in [
        ("greet", "Hello"),
        ("route", "Press one"),
        ("sorry", "Sorry"),
    ] {
        vpbx_ok(data, &["prompt", "add", D, name, "--say", text]);
    }
    dir
}

/// Runs a command that must fail; returns its stderr, checking it is one line.
fn fails(data: &Path, args: &[&str]) -> String {
    let out = vpbx(data, args);
    assert!(!out.status.success(), "vpbx {args:?} succeeded");
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(err.trim_end().lines().count(), 1, "not one line: {err}");
    err
}

fn show_json(data: &Path, name: &str) -> Value {
    serde_json::from_str(&vpbx_ok(data, &["ivr", "show", D, name, "--json"])).unwrap()
}

#[test]
fn menus_options_schedule_and_holidays() {
    let dir = setup();
    let data = dir.path();
    let out = vpbx_ok(
        data,
        &[
            "ivr",
            "add",
            D,
            "main",
            "--prompt",
            "greet",
            "--prompt",
            "route",
            "--on-timeout",
            "ext:2222",
            "--repeats",
            "2",
            "--invalid-prompt",
            "sorry",
            "--extension-dialing",
            "--timezone",
            "Europe/Moscow",
        ],
    );
    assert!(out.contains("added ivr menu main"), "{out}");
    vpbx_ok(data, &["ivr", "add", D, "night", "--prompt", "sorry"]);
    vpbx_ok(data, &["ivr", "option", D, "main", "1", "ext:1000"]);
    vpbx_ok(data, &["ivr", "option", D, "main", "#", "hangup"]);
    vpbx_ok(data, &["ivr", "option", D, "main", "9", "ivr:night"]);
    vpbx_ok(data, &["ivr", "option", D, "main", "7", "voicemail:1000"]);
    vpbx_ok(data, &["ivr", "option", D, "main", "7", "--remove"]);
    let out = vpbx_ok(
        data,
        &[
            "ivr", "schedule", D, "main", "--days", "mon-fri", "--from", "18:00", "--to", "09:00",
            "--goto", "night",
        ],
    );
    assert!(
        out.contains("schedule[0] mon-fri 18:00-09:00 -> ivr:night"),
        "{out}"
    );
    vpbx_ok(
        data,
        &["ivr", "holiday", D, "main", "2026-12-31", "--goto", "night"],
    );

    let m = show_json(data, "main");
    assert_eq!(m["prompts"], serde_json::json!(["greet", "route"]));
    assert_eq!(
        m["options"],
        serde_json::json!({"#": "hangup", "1": "ext:1000", "9": "ivr:night"})
    );
    assert_eq!(
        (m["repeats"].as_u64(), m["timeout_secs"].as_u64()),
        (Some(2), Some(10))
    );
    assert_eq!(m["on_timeout"], "ext:2222");
    assert_eq!(m["invalid_prompt"], "sorry");
    assert_eq!(m["extension_dialing"], true);
    assert_eq!(m["timezone"], "Europe/Moscow");
    assert_eq!(
        m["schedule"],
        serde_json::json!([{"days": "mon-fri", "from": "18:00", "to": "09:00", "goto": "night"}])
    );
    assert_eq!(
        m["holidays"],
        serde_json::json!([{"date": "2026-12-31", "goto": "night"}])
    );

    let text = vpbx_ok(data, &["ivr", "show", D, "main"]);
    for line in [
        "prompts: greet, route",
        "1 -> ext:1000",
        "9 -> ivr:night",
        "schedule (Europe/Moscow):",
        "holidays[0] 2026-12-31 -> ivr:night",
        "schedule[0] mon-fri 18:00-09:00 -> ivr:night",
    ] {
        assert!(text.contains(line), "{line} not in {text}");
    }
    let list = vpbx_ok(data, &["ivr", "list", D]);
    assert!(
        list.lines()
            .any(|l| l.starts_with("main") && l.contains("1=ext:1000")),
        "{list}"
    );
    let all: Value = serde_json::from_str(&vpbx_ok(data, &["ivr", "list", D, "--json"])).unwrap();
    assert_eq!(all.as_array().map(Vec::len), Some(2));

    // --replace changes the settings and keeps options, schedule and holidays.
    vpbx_ok(
        data,
        &[
            "ivr",
            "add",
            D,
            "main",
            "--prompt",
            "route",
            "--timeout",
            "5",
            "--replace",
        ],
    );
    let m = show_json(data, "main");
    assert_eq!(
        (m["timeout_secs"].as_u64(), m["on_timeout"].as_str()),
        (Some(5), Some("hangup"))
    );
    assert_eq!(m["options"]["1"], "ext:1000");
    assert_eq!(m["schedule"].as_array().map(Vec::len), Some(1));

    vpbx_ok(data, &["ivr", "schedule", D, "main", "--clear"]);
    vpbx_ok(
        data,
        &["ivr", "holiday", D, "main", "--remove", "2026-12-31"],
    );
    let m = show_json(data, "main");
    assert!(
        m.get("schedule").is_none() && m.get("holidays").is_none(),
        "{m}"
    );
}

#[test]
fn numbers_route_to_menus_and_removal_waits_for_them() {
    let dir = setup();
    let data = dir.path();
    let err = fails(
        data,
        &[
            "number",
            "add",
            D,
            "+74952216005",
            "--trunk",
            "city",
            "--to",
            "ivr:main",
        ],
    );
    assert!(err.contains("ivr menu main not found"), "{err}");
    vpbx_ok(data, &["ivr", "add", D, "main", "--prompt", "greet"]);
    vpbx_ok(data, &["ivr", "add", D, "night", "--prompt", "sorry"]);
    vpbx_ok(data, &["ivr", "option", D, "main", "0", "ivr:night"]);
    vpbx_ok(
        data,
        &[
            "number",
            "add",
            D,
            "+74952216005",
            "--trunk",
            "city",
            "--to",
            "ivr:main",
        ],
    );
    assert!(vpbx_ok(data, &["number", "list", D]).contains("ivr:main"));

    let err = fails(data, &["ivr", "remove", D, "main"]);
    assert!(
        err.contains("ivr menu main is used by number +7(495)2216005"),
        "{err}"
    );
    let err = fails(data, &["ivr", "remove", D, "night"]);
    assert!(
        err.contains("ivr menu night is used by menu main (options.0)"),
        "{err}"
    );
    vpbx_ok(data, &["number", "remove", D, "+74952216005"]);
    assert!(vpbx_ok(data, &["ivr", "remove", D, "main"]).contains("removed ivr menu main"));
    vpbx_ok(data, &["ivr", "remove", D, "night"]);
    assert_eq!(vpbx_ok(data, &["ivr", "list", D, "--json"]).trim(), "[]");
}

#[test]
fn bad_input_names_the_field() {
    let dir = setup();
    let data = dir.path();
    vpbx_ok(data, &["ivr", "add", D, "main", "--prompt", "greet"]);
    for (args, want) in [
        (
            vec!["ivr", "add", D, "Main", "--prompt", "greet"],
            "invalid name",
        ),
        (
            vec!["ivr", "add", D, "x", "--prompt", "Greet"],
            "invalid prompt",
        ),
        (
            vec!["ivr", "add", D, "x", "--prompt", "nope"],
            "invalid prompts[0] of menu x: no prompt nope",
        ),
        (
            vec![
                "ivr",
                "add",
                D,
                "x",
                "--prompt",
                "greet",
                "--invalid-prompt",
                "gone",
            ],
            "invalid invalid_prompt of menu x",
        ),
        (
            vec![
                "ivr",
                "add",
                D,
                "x",
                "--prompt",
                "greet",
                "--on-timeout",
                "ext:9999",
            ],
            "invalid on_timeout of menu x: no extension 9999",
        ),
        (
            vec![
                "ivr",
                "add",
                D,
                "x",
                "--prompt",
                "greet",
                "--on-timeout",
                "dial:1",
            ],
            "invalid on-timeout",
        ),
        (
            vec![
                "ivr",
                "add",
                D,
                "x",
                "--prompt",
                "greet",
                "--timezone",
                "Mars/Base",
            ],
            "invalid timezone of menu x",
        ),
        (
            vec!["ivr", "add", D, "x", "--prompt", "greet", "--timeout", "0"],
            "invalid timeout_secs of menu x",
        ),
        (
            vec!["ivr", "add", D, "x", "--prompt", "greet", "--repeats", "99"],
            "invalid repeats of menu x",
        ),
        (
            vec!["ivr", "add", D, "main", "--prompt", "greet"],
            "ivr menu main already exists",
        ),
        (
            vec!["ivr", "option", D, "main", "12", "hangup"],
            "invalid digit",
        ),
        (
            vec!["ivr", "option", D, "main", "1", "ring:1000"],
            "invalid action",
        ),
        (
            vec!["ivr", "option", D, "main", "1", "ext:1005"],
            "invalid options.1 of menu main: no extension 1005",
        ),
        (
            vec!["ivr", "option", D, "main", "2", "ivr:gone"],
            "invalid options.2 of menu main: no menu gone",
        ),
        (
            vec!["ivr", "option", D, "main", "3", "--remove"],
            "option 3 of ivr menu main not found",
        ),
        (
            vec!["ivr", "option", D, "gone", "1", "hangup"],
            "ivr menu gone not found",
        ),
        (
            vec![
                "ivr", "schedule", D, "main", "--days", "weekdays", "--from", "09:00", "--to",
                "18:00", "--goto", "main",
            ],
            "invalid days",
        ),
        (
            vec![
                "ivr", "schedule", D, "main", "--days", "mon", "--from", "25:00", "--to", "18:00",
                "--goto", "main",
            ],
            "invalid from",
        ),
        (
            vec![
                "ivr", "schedule", D, "main", "--days", "mon", "--from", "09:00", "--to", "9",
                "--goto", "main",
            ],
            "invalid to",
        ),
        (
            vec![
                "ivr", "schedule", D, "main", "--days", "mon", "--from", "09:00", "--to", "18:00",
                "--goto", "main",
            ],
            "invalid schedule[0].goto of menu main",
        ),
        (
            vec!["ivr", "holiday", D, "main", "31.12.2026", "--goto", "main"],
            "invalid date",
        ),
        (
            vec!["ivr", "holiday", D, "main", "2026-12-31", "--goto", "gone"],
            "invalid holidays[0].goto of menu main: no menu gone",
        ),
        (
            vec!["ivr", "holiday", D, "main", "--remove", "2026-01-01"],
            "holiday 2026-01-01 of ivr menu main not found",
        ),
        (vec!["ivr", "show", D, "gone"], "no ivr menu gone"),
        (vec!["ivr", "remove", D, "gone"], "ivr menu gone not found"),
        (
            vec!["ivr", "list", "nobody.example"],
            "no tenant nobody.example",
        ),
    ] {
        let err = fails(data, &args);
        assert!(err.contains(want), "{args:?}: {err}");
    }
    assert_eq!(show_json(data, "main")["options"], serde_json::json!({}));
}
