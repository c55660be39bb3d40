//! `vpbx number`, `vpbx direction`, `vpbx tenant allow` and `vpbx route trace` through the
//! real binary: configuration, traces for a local extension, a regional call with strip
//! and prefix (seed 000 §4.5.2), the seed's `other` example (§4.5.3), a refused then
//! allowed international call, emergency calls, and one-line errors naming the field.

mod common;

use common::{vpbx, vpbx_ok};
use std::path::Path;

const D: &str = "acme.example";

/// A tenant with extensions 1000 and 1001 and trunks `city` and `backup`.
fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    vpbx_ok(data, &["tenant", "create", D]);
    for ext in ["1000", "1001"] {
        vpbx_ok(data, &["user", "add", D, ext, "--password", "secret123"]);
    }
    for trunk in ["city", "backup"] {
        vpbx_ok(
            data,
            &["trunk", "add", D, trunk, "--host", "sip.carrier.example"],
        );
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

fn trace(data: &Path, to: &str) -> String {
    vpbx_ok(data, &["route", "trace", D, "--from", "1000", "--to", to])
}

#[test]
fn numbers_add_list_remove() {
    let dir = setup();
    let data = dir.path();
    let out = vpbx_ok(
        data,
        &[
            "number",
            "add",
            D,
            "8 (495) 221-60-05",
            "--trunk",
            "city",
            "--to",
            "ext:1000",
        ],
    );
    assert!(out.contains("+7(495)2216005"), "{out}");
    let list = vpbx_ok(data, &["number", "list", D]);
    assert!(
        list.contains("+7(495)2216005") && list.contains("74952216005"),
        "{list}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&vpbx_ok(data, &["number", "list", D, "--json"])).unwrap();
    assert_eq!(json[0]["number"], "74952216005");
    assert_eq!(json[0]["target"], "ext:1000");
    // A DID belongs to one tenant.
    vpbx_ok(data, &["tenant", "create", "other.example"]);
    vpbx_ok(
        data,
        &[
            "user",
            "add",
            "other.example",
            "1000",
            "--password",
            "secret123",
        ],
    );
    vpbx_ok(
        data,
        &[
            "trunk",
            "add",
            "other.example",
            "city",
            "--host",
            "sip.carrier.example",
        ],
    );
    let err = fails(
        data,
        &[
            "number",
            "add",
            "other.example",
            "74952216005",
            "--trunk",
            "city",
            "--to",
            "ext:1000",
        ],
    );
    assert!(err.contains("already exists"), "{err}");
    vpbx_ok(data, &["number", "remove", D, "+7 495 221 60 05"]);
    assert!(!vpbx_ok(data, &["number", "list", D]).contains("74952216005"));
}

#[test]
fn trace_local_extension() {
    let dir = setup();
    let out = trace(dir.path(), "1001");
    assert!(
        out.contains("Routing result: local extension 1001"),
        "{out}"
    );
    assert!(out.contains("[matched] extensions"), "{out}");
}

#[test]
fn trace_regional_with_strip_and_prefix() {
    let dir = setup();
    let data = dir.path();
    // Seed 000 §4.5.2: dialplan_rg_substruct 1, dial_rg_prefix 8; failover to backup.
    let out = vpbx_ok(
        data,
        &[
            "direction",
            "add",
            D,
            "regional",
            "--strip",
            "1",
            "--prefix",
            "8",
            "--trunk",
            "city",
            "--trunk",
            "backup",
        ],
    );
    assert!(out.contains("added direction 1"), "{out}");
    // Seed 000 §4.5.3: 082 55123 -> 55123.
    vpbx_ok(
        data,
        &[
            "direction",
            "add",
            D,
            "other",
            "--pattern",
            "_082XXXXX",
            "--strip",
            "3",
            "--trunk",
            "city",
        ],
    );
    let list = vpbx_ok(data, &["direction", "list", D]);
    assert!(
        list.contains("_082XXXXX") && list.contains("city,backup"),
        "{list}"
    );

    let out = trace(data, "+79257410726");
    assert!(out.contains("[matched] direction 1 regional"), "{out}");
    assert!(
        out.contains("[no match] direction 2 other _082XXXXX"),
        "{out}"
    );
    assert!(
        out.contains("strip 1 -> 9257410726; prefix 8 -> 89257410726"),
        "{out}"
    );
    assert!(out.contains("1. trunk city B: 89257410726"), "{out}");
    assert!(out.contains("2. trunk backup B: 89257410726"), "{out}");

    let out = trace(data, "082 55123");
    assert!(out.contains("1. trunk city B: 55123"), "{out}");

    let json: serde_json::Value = serde_json::from_str(&vpbx_ok(
        data,
        &[
            "route",
            "trace",
            D,
            "--from",
            "1000",
            "--to",
            "89001758964",
            "--json",
        ],
    ))
    .unwrap();
    assert_eq!(json["target"]["attempts"][0]["number"], "89001758964");

    vpbx_ok(data, &["direction", "remove", D, "2"]);
    assert!(!vpbx_ok(data, &["direction", "list", D]).contains("_082XXXXX"));
}

#[test]
fn international_refused_until_allowed() {
    let dir = setup();
    let data = dir.path();
    vpbx_ok(
        data,
        &[
            "direction",
            "add",
            D,
            "international",
            "--prefix",
            "810",
            "--trunk",
            "city",
        ],
    );
    let out = trace(data, "+390612345678");
    assert!(
        out.contains("Routing result: refused: international calls are not allowed"),
        "{out}"
    );
    let out = vpbx_ok(
        data,
        &[
            "tenant",
            "allow",
            D,
            "--international",
            "on",
            "--prefix",
            "375",
        ],
    );
    assert!(out.contains("allowed to prefixes 375"), "{out}");
    assert!(trace(data, "+390612345678").contains("refused"));
    vpbx_ok(data, &["tenant", "allow", D, "--any-country"]);
    let out = trace(data, "00390612345678");
    assert!(out.contains("1. trunk city B: 810390612345678"), "{out}");
    let out = vpbx_ok(data, &["tenant", "allow", D]);
    assert!(out.contains("allowed to every country"), "{out}");
}

#[test]
fn emergency_always_allowed() {
    let dir = setup();
    let data = dir.path();
    vpbx_ok(
        data,
        &["direction", "add", D, "emergency", "--trunk", "city"],
    );
    let out = trace(data, "112");
    assert!(out.contains("emergency calls are always allowed"), "{out}");
    assert!(out.contains("1. trunk city B: 112"), "{out}");
}

#[test]
fn errors_name_the_field() {
    let dir = setup();
    let data = dir.path();
    let err = fails(
        data,
        &[
            "direction",
            "add",
            D,
            "other",
            "--pattern",
            "_08[2",
            "--trunk",
            "city",
        ],
    );
    assert!(
        err.contains("invalid pattern") && err.contains("position 4"),
        "{err}"
    );
    let err = fails(data, &["direction", "add", D, "other", "--trunk", "city"]);
    assert!(err.contains("invalid pattern: required"), "{err}");
    let err = fails(data, &["direction", "add", D, "spb", "--trunk", "city"]);
    assert!(err.contains("invalid kind"), "{err}");
    let err = fails(
        data,
        &["direction", "add", D, "regional", "--trunk", "nosuch"],
    );
    assert!(err.contains("trunk nosuch not found"), "{err}");
    let err = fails(
        data,
        &[
            "direction",
            "add",
            D,
            "regional",
            "--prefix",
            "8a",
            "--trunk",
            "city",
        ],
    );
    assert!(err.contains("invalid prefix"), "{err}");
    let err = fails(
        data,
        &[
            "number",
            "add",
            D,
            "+7 495 22I",
            "--trunk",
            "city",
            "--to",
            "ext:1000",
        ],
    );
    assert!(err.contains("invalid number"), "{err}");
    let err = fails(
        data,
        &[
            "number",
            "add",
            D,
            "74952216005",
            "--trunk",
            "city",
            "--to",
            "1000",
        ],
    );
    assert!(err.contains("invalid target"), "{err}");
    let err = fails(
        data,
        &[
            "number",
            "add",
            D,
            "74952216005",
            "--trunk",
            "City!",
            "--to",
            "ext:1000",
        ],
    );
    assert!(err.contains("invalid trunk"), "{err}");
    let err = fails(
        data,
        &[
            "number",
            "add",
            D,
            "74952216005",
            "--trunk",
            "city",
            "--to",
            "ext:1999",
        ],
    );
    assert!(err.contains("extension 1999 not found"), "{err}");
    let err = fails(data, &["route", "trace", D, "--from", "x", "--to", "1001"]);
    assert!(err.contains("invalid extension"), "{err}");
    let err = fails(data, &["tenant", "allow", D, "--prefix", "+3a"]);
    assert!(err.contains("invalid prefix"), "{err}");
    let err = fails(data, &["direction", "remove", D, "99"]);
    assert!(err.contains("direction 99 not found"), "{err}");
    // A bad dialed number is a refusal in the trace, not an error.
    let out = trace(data, "12ab");
    assert!(out.contains("Routing result: refused: invalid to"), "{out}");
}
