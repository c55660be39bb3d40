//! `vpbx tenant options --disa` and `vpbx user disa` through the real binary (issue 5
//! item 7; seed 000 §4.6 `disa_enabled` for the tenant, then per user): the switch and a
//! user's PIN are set and taken away, only a hash of the PIN is stored, numbers can be
//! routed `--to disa`, and bad input is refused with a one-line reason that names the flag
//! and changes nothing.

mod common;

use common::{fails_with_one_line, vpbx, vpbx_ok};
use std::path::Path;

const D: &str = "acme.example";

/// Every byte of the data directory's files, for "the PIN is not stored in clear".
fn all_bytes(dir: &Path) -> Vec<u8> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(all_bytes(&path));
        } else if let Ok(bytes) = std::fs::read(&path) {
            out.extend(bytes);
        }
    }
    out
}

#[test]
fn disa_switch_and_user_pins() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path();
    vpbx_ok(data, &["tenant", "create", D]);
    vpbx_ok(
        data,
        &["user", "add", D, "1000", "--password", "secret-1000"],
    );

    let shown = vpbx_ok(data, &["tenant", "options", D]);
    assert!(shown.contains("DISA off"), "off by default: {shown}");
    let set = vpbx_ok(data, &["user", "disa", D, "1000", "--pin", "60718293"]);
    assert!(
        set.contains("1000@acme.example may dial out through DISA"),
        "{set}"
    );
    assert!(
        set.contains("--disa on"),
        "a hint while the tenant has DISA off: {set}"
    );
    let shown = vpbx_ok(data, &["tenant", "options", D, "--disa", "on", "--json"]);
    let json: serde_json::Value = serde_json::from_str(&shown).expect("json");
    assert_eq!(json["disa"], true, "{json}");
    vpbx_ok(
        data,
        &[
            "trunk",
            "add",
            D,
            "carrier",
            "--host",
            "127.0.0.1",
            "--insecure",
        ],
    );
    vpbx_ok(
        data,
        &[
            "number",
            "add",
            D,
            "74950000009",
            "--trunk",
            "carrier",
            "--to",
            "disa",
        ],
    );
    let numbers = vpbx_ok(data, &["number", "list", D]);
    assert!(numbers.contains("disa"), "{numbers}");

    let wal_and_db = all_bytes(data);
    assert!(
        !wal_and_db.windows(8).any(|w| w == b"60718293"),
        "the PIN must not be stored in clear"
    );

    let off = vpbx_ok(data, &["user", "disa", D, "1000", "--off"]);
    assert!(off.contains("may no longer"), "{off}");
    let shown = vpbx_ok(data, &["tenant", "options", D, "--disa", "off"]);
    assert!(shown.contains("DISA off"), "{shown}");
}

#[test]
fn bad_disa_input_is_refused_naming_the_flag() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path();
    vpbx_ok(data, &["tenant", "create", D]);
    vpbx_ok(
        data,
        &["user", "add", D, "1000", "--password", "secret-1000"],
    );

    for pin in ["123", "1234567890123", "12a4", ""] {
        let err = fails_with_one_line(data, &["user", "disa", D, "1000", "--pin", pin]);
        assert!(
            err.contains("--pin") && err.contains("4 to 12 digits"),
            "{err}"
        );
    }
    let err = fails_with_one_line(data, &["user", "disa", D, "4444", "--pin", "4821"]);
    assert!(err.contains("extension 4444"), "{err}");
    let err = fails_with_one_line(data, &["user", "disa", "nosuch.example", "1000", "--off"]);
    assert!(err.contains("nosuch.example"), "{err}");
    assert!(!vpbx(data, &["user", "disa", D, "1000"]).status.success());
    assert!(
        !vpbx(data, &["user", "disa", D, "1000", "--pin", "4821", "--off"])
            .status
            .success()
    );
    let out = vpbx(data, &["tenant", "options", D, "--disa", "maybe"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("--disa"), "{err}");
    let shown = vpbx_ok(data, &["tenant", "options", D]);
    assert!(shown.contains("DISA off"), "nothing changed: {shown}");
}
