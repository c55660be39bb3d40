//! `vpbx trunk add|list|show|remove` through the real binary: the flag contract of issue 4,
//! secrets stored encrypted and never printed, one-line errors naming the field.

mod common;

use common::{vpbx, vpbx_ok};
use std::path::Path;

/// The seed's example carrier (000 §4.5.2): login, password and server.
const SECRET: &str = "sdfsddf^$#$";

/// Runs `vpbx args` expecting failure; returns stderr, which must be exactly one line.
fn fails_with_one_line(data: &Path, args: &[&str]) -> String {
    let out = vpbx(data, args);
    assert!(!out.status.success(), "vpbx {args:?} succeeded");
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(err.trim_end().lines().count(), 1, "vpbx {args:?}: {err}");
    err
}

/// A data directory with tenant acme.example and the seed's registering trunk.
fn with_trunk() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    vpbx_ok(dir.path(), &["tenant", "create", "acme.example"]);
    let out = vpbx_ok(
        dir.path(),
        &[
            "trunk",
            "add",
            "acme.example",
            "sip-74952345678",
            "--host",
            "sip.newoperator.ru",
            "--port",
            "5070",
            "--transport",
            "tcp",
            "--username",
            "74952345678",
            "--secret",
            SECRET,
            "--register",
            "--from-user",
            "74952216005",
            "--from-domain",
            "newoperator.ru",
            "--call-limit",
            "1000",
            "--codecs",
            "alaw,ulaw",
        ],
    );
    assert!(out.contains("added trunk sip-74952345678"), "{out}");
    dir
}

#[test]
fn add_list_show_remove() {
    let dir = with_trunk();
    let data = dir.path();
    vpbx_ok(
        data,
        &[
            "trunk",
            "add",
            "acme.example",
            "ip-carrier",
            "--host",
            "192.0.2.10",
            "--insecure",
        ],
    );

    let table = vpbx_ok(data, &["trunk", "list", "acme.example"]);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 3, "{table}");
    assert!(lines[0].starts_with("NAME"));
    let ip: Vec<&str> = lines[1].split_whitespace().collect();
    assert_eq!(
        ip,
        [
            "ip-carrier",
            "192.0.2.10",
            "5060",
            "udp",
            "none",
            "no",
            "none",
            "PCMA,PCMU",
            "yes",
            "yes",
            "yes",
            "-"
        ],
        "STATUS is `-` while no server runs"
    );
    let seed: Vec<&str> = lines[2].split_whitespace().collect();
    assert_eq!(
        seed,
        [
            "sip-74952345678",
            "sip.newoperator.ru",
            "5070",
            "tcp",
            "74952345678",
            "set",
            "yes",
            "1000",
            "PCMA,PCMU",
            "no",
            "yes",
            "yes",
            "-"
        ]
    );

    let json = vpbx_ok(data, &["trunk", "list", "acme.example", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(v[1]["secret"], "set");
    assert_eq!(v[1]["transport"], "tcp");
    assert_eq!(v[0]["secret"], "none");
    assert_eq!(v[0]["insecure_invite"], true);
    assert_eq!(
        v[0]["status"],
        serde_json::Value::Null,
        "no server reports a state"
    );

    let shown = vpbx_ok(data, &["trunk", "show", "acme.example", "sip-74952345678"]);
    assert!(shown.contains("from-user: 74952216005"), "{shown}");
    assert!(shown.contains("from-domain: newoperator.ru"), "{shown}");
    assert!(shown.contains("secret: set"), "{shown}");
    let shown = vpbx_ok(
        data,
        &["trunk", "show", "acme.example", "sip-74952345678", "--json"],
    );
    let v: serde_json::Value = serde_json::from_str(&shown).expect("json");
    assert_eq!(v["call_limit"], 1000);
    assert_eq!(v["register"], true);

    // The clear secret is in no output and not in the database file.
    for out in [&table, &json, &shown] {
        assert!(!out.contains(SECRET), "{out}");
    }
    let db = std::fs::read(data.join("vpbx.db")).expect("db");
    assert!(!String::from_utf8_lossy(&db).contains(SECRET));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(data.join("trunk.key"))
            .expect("key file")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    vpbx_ok(data, &["trunk", "remove", "acme.example", "ip-carrier"]);
    let table = vpbx_ok(data, &["trunk", "list", "acme.example"]);
    assert_eq!(table.lines().count(), 2, "{table}");
    let err = fails_with_one_line(data, &["trunk", "remove", "acme.example", "ip-carrier"]);
    assert!(err.contains("trunk ip-carrier not found"), "{err}");
    let err = fails_with_one_line(data, &["trunk", "show", "acme.example", "ip-carrier"]);
    assert!(err.contains("no trunk ip-carrier"), "{err}");
}

#[test]
fn invalid_values_name_their_field() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path();
    vpbx_ok(data, &["tenant", "create", "acme.example"]);
    let add = |extra: &[&str]| {
        let mut args = vec!["trunk", "add", "acme.example"];
        args.extend_from_slice(extra);
        fails_with_one_line(data, &args)
    };
    for (args, field) in [
        (&["Bad Name", "--host", "h.example"][..], "invalid name"),
        (&["t1", "--host", "bad host"][..], "invalid host"),
        (
            &["t1", "--host", "h.example", "--port", "0"][..],
            "invalid port",
        ),
        (
            &["t1", "--host", "h.example", "--port", "70000"][..],
            "invalid port",
        ),
        (
            &["t1", "--host", "h.example", "--transport", "sctp"][..],
            "invalid transport",
        ),
        (
            &[
                "t1",
                "--host",
                "h.example",
                "--username",
                "a@b",
                "--secret",
                "x",
            ][..],
            "invalid username",
        ),
        (
            &[
                "t1",
                "--host",
                "h.example",
                "--username",
                "u",
                "--secret",
                "",
            ][..],
            "invalid secret",
        ),
        (
            &["t1", "--host", "h.example", "--from-user", "a b"][..],
            "invalid from-user",
        ),
        (
            &["t1", "--host", "h.example", "--from-domain", "a b"][..],
            "invalid from-domain",
        ),
        (
            &["t1", "--host", "h.example", "--call-limit", "0"][..],
            "invalid call-limit",
        ),
        (
            &["t1", "--host", "h.example", "--codecs", "G729"][..],
            "invalid codecs",
        ),
    ] {
        let err = add(args);
        assert!(err.contains(field), "{args:?}: {err}");
    }
    let err = fails_with_one_line(
        data,
        &[
            "trunk",
            "add",
            "nobody.example",
            "t1",
            "--host",
            "h.example",
        ],
    );
    assert!(err.contains("no tenant nobody.example"), "{err}");
    // Registration needs credentials: clap refuses before anything is written.
    let out = vpbx(
        data,
        &[
            "trunk",
            "add",
            "acme.example",
            "t1",
            "--host",
            "h.example",
            "--register",
        ],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--username"));
    // Nothing was added by any failed command.
    let table = vpbx_ok(data, &["trunk", "list", "acme.example"]);
    assert_eq!(table.lines().count(), 1, "{table}");
}

#[test]
fn names_are_unique_per_tenant_only() {
    let dir = with_trunk();
    let data = dir.path();
    let err = fails_with_one_line(
        data,
        &[
            "trunk",
            "add",
            "acme.example",
            "sip-74952345678",
            "--host",
            "h.example",
        ],
    );
    assert!(
        err.contains("trunk sip-74952345678 already exists"),
        "{err}"
    );
    vpbx_ok(data, &["tenant", "create", "other.example"]);
    vpbx_ok(
        data,
        &[
            "trunk",
            "add",
            "other.example",
            "sip-74952345678",
            "--host",
            "h.example",
        ],
    );
    let other = vpbx_ok(data, &["trunk", "list", "other.example", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&other).expect("json");
    assert_eq!(v.as_array().map(Vec::len), Some(1));
    assert_eq!(v[0]["host"], "h.example");
}
