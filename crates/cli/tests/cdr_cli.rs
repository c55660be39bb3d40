//! `vpbx cdr list`, `vpbx user add/limits/list` call limits and the `vpbx serve` media
//! flags, run through the real binary. No server writes CDRs yet, so the tests seed them
//! through the store crate on the same data directory.

mod common;

use common::{vpbx, vpbx_ok};
use std::path::Path;
use vpbx_model::Domain;
use vpbx_store::{Disposition, HangupSide, NewCdr, Store};

/// 2026-11-30T10:00:00Z in unix ms.
const T0: i64 = 1_796_032_800_000;

/// A call answered 2 s after `started_at` that lasted 30.4 s in all.
fn answered(call_id: &str, caller: &str, callee: &str, started_at: i64) -> NewCdr {
    NewCdr {
        call_id: call_id.into(),
        caller: caller.into(),
        callee: callee.into(),
        started_at,
        answered_at: Some(started_at + 2_000),
        ended_at: started_at + 30_400,
        disposition: Disposition::Answered,
        hangup_side: HangupSide::Caller,
        hangup_cause: "bye".into(),
        codec_a: Some("PCMA".into()),
        codec_b: Some("PCMU".into()),
        quality: Some(serde_json::json!({"a": {"loss_pct": 0.1}})),
        recording: None,
    }
}

/// A call the callee refused as busy.
fn busy(call_id: &str, caller: &str, callee: &str, started_at: i64) -> NewCdr {
    NewCdr {
        answered_at: None,
        ended_at: started_at + 1_000,
        disposition: Disposition::Busy,
        hangup_side: HangupSide::Callee,
        hangup_cause: "486 Busy Here".into(),
        codec_a: None,
        codec_b: None,
        quality: None,
        recording: None,
        ..answered(call_id, caller, callee, started_at)
    }
}

/// A call nobody answered.
fn no_answer(call_id: &str, caller: &str, callee: &str, started_at: i64) -> NewCdr {
    NewCdr {
        disposition: Disposition::NoAnswer,
        hangup_side: HangupSide::Caller,
        hangup_cause: "cancel".into(),
        ..busy(call_id, caller, callee, started_at)
    }
}

/// Writes `cdrs` for the tenant `domain` (which must exist) straight into the store.
fn seed(data: &Path, domain: &str, cdrs: Vec<NewCdr>) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let store = Store::open(data).await.expect("open store");
        let domain: Domain = domain.parse().expect("domain");
        let tenant = store
            .tenant_by_domain(&domain)
            .await
            .expect("lookup")
            .expect("tenant exists");
        let n = store
            .tenant(tenant.id)
            .insert_cdrs(&cdrs)
            .await
            .expect("insert");
        assert_eq!(n as usize, cdrs.len());
    });
}

/// A data directory with tenants acme.example (four calls) and other.example (one call
/// involving the same numbers).
fn seeded() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    vpbx_ok(dir.path(), &["tenant", "create", "acme.example"]);
    vpbx_ok(dir.path(), &["tenant", "create", "other.example"]);
    seed(
        dir.path(),
        "acme.example",
        vec![
            answered("c1@acme", "1000", "1001", T0 - 86_400_000),
            busy("c2@acme", "1001", "1000", T0),
            no_answer("c3@acme", "+4930123", "1000", T0 + 60_000),
            answered("c4@acme", "1002", "+4930123", T0 + 3_600_000),
        ],
    );
    seed(
        dir.path(),
        "other.example",
        vec![answered("secret@other", "1000", "1001", T0 + 1)],
    );
    dir
}

/// The call ids of a table, in order (second column; the first is date and time).
fn table_ids(out: &str) -> Vec<String> {
    out.lines()
        .skip(1)
        .map(|l| l.split_whitespace().nth(2).unwrap_or_default().to_owned())
        .collect()
}

/// Runs `vpbx args` expecting failure; returns stderr, which must be exactly one line.
fn fails_with_one_line(data: &Path, args: &[&str]) -> String {
    let out = vpbx(data, args);
    assert!(!out.status.success(), "vpbx {args:?} succeeded");
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(err.trim_end().lines().count(), 1, "vpbx {args:?}: {err}");
    err
}

#[test]
fn list_shows_newest_first_with_every_column() {
    let dir = seeded();
    let out = vpbx_ok(dir.path(), &["cdr", "list", "acme.example"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 5, "{out}");
    for col in [
        "START (UTC)",
        "CALL ID",
        "FROM",
        "TO",
        "DISPOSITION",
        "DURATION",
        "BILLSEC",
        "HANGUP",
        "CODECS",
    ] {
        assert!(lines[0].contains(col), "{col}: {out}");
    }
    assert_eq!(
        table_ids(&out),
        ["c4@acme", "c3@acme", "c2@acme", "c1@acme"]
    );
    let newest: Vec<&str> = lines[1].split_whitespace().collect();
    assert_eq!(
        newest,
        [
            "2026-11-30",
            "11:00:00",
            "c4@acme",
            "1002",
            "+4930123",
            "ANSWERED",
            "30",
            "28",
            "caller/bye",
            "PCMA/PCMU"
        ],
        "{out}"
    );
    assert!(lines[2].contains("NO ANSWER"), "{out}");
    assert!(
        lines[3].contains("callee/486 Busy Here") && lines[3].contains("-/-"),
        "{out}"
    );
    assert!(lines[4].starts_with("2026-11-29 10:00:00"), "{out}");
    assert!(!out.contains("secret@other"), "{out}");
}

#[test]
fn filters_narrow_the_list() {
    let dir = seeded();
    let list = |extra: &[&str]| {
        let mut args = vec!["cdr", "list", "acme.example"];
        args.extend_from_slice(extra);
        table_ids(&vpbx_ok(dir.path(), &args))
    };
    assert_eq!(
        list(&["--since", "2026-11-30T10:00:00Z"]),
        ["c4@acme", "c3@acme", "c2@acme"]
    );
    assert_eq!(
        list(&[
            "--since",
            "2026-11-30",
            "--until",
            "2026-11-30T11:00:00+01:00"
        ]),
        Vec::<String>::new()
    );
    assert_eq!(
        list(&["--since", "2026-11-30", "--until", "2026-11-30T10:30:00Z"]),
        ["c3@acme", "c2@acme"]
    );
    assert_eq!(list(&["--until", "2026-11-30"]), ["c1@acme"]);
    assert_eq!(list(&["--number", "+4930123"]), ["c4@acme", "c3@acme"]);
    assert_eq!(
        list(&["--number", "1000"]),
        ["c3@acme", "c2@acme", "c1@acme"]
    );
    assert_eq!(list(&["--disposition", "BUSY"]), ["c2@acme"]);
    assert_eq!(list(&["--disposition", "no-answer"]), ["c3@acme"]);
    assert_eq!(list(&["--disposition", "NO ANSWER"]), ["c3@acme"]);
    assert_eq!(
        list(&["--disposition", "answered", "--number", "1001"]),
        ["c1@acme"]
    );
    assert_eq!(list(&["--limit", "2"]), ["c4@acme", "c3@acme"]);
    assert_eq!(list(&["--number", "555"]), Vec::<String>::new());
}

#[test]
fn relative_since_counts_back_from_now() {
    let dir = tempfile::tempdir().expect("tempdir");
    vpbx_ok(dir.path(), &["tenant", "create", "acme.example"]);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_millis() as i64;
    seed(
        dir.path(),
        "acme.example",
        vec![
            answered("recent", "1000", "1001", now - 10 * 60_000),
            answered("hours", "1000", "1001", now - 3 * 3_600_000),
            answered("days", "1000", "1001", now - 3 * 86_400_000),
        ],
    );
    let list = |since: &str| {
        table_ids(&vpbx_ok(
            dir.path(),
            &["cdr", "list", "acme.example", "--since", since],
        ))
    };
    assert_eq!(list("30m"), ["recent"]);
    assert_eq!(list("1h"), ["recent"]);
    assert_eq!(list("4h"), ["recent", "hours"]);
    assert_eq!(list("2d"), ["recent", "hours"]);
    assert_eq!(list("7d"), ["recent", "hours", "days"]);
}

#[test]
fn json_output_has_the_stored_fields() {
    let dir = seeded();
    let out = vpbx_ok(
        dir.path(),
        &["cdr", "list", "acme.example", "--json", "--limit", "2"],
    );
    let rows: serde_json::Value = serde_json::from_str(&out).expect("json");
    let rows = rows.as_array().expect("array");
    assert_eq!(rows.len(), 2);
    let r = &rows[0];
    assert_eq!(r["call_id"], "c4@acme");
    assert_eq!(r["caller"], "1002");
    assert_eq!(r["callee"], "+4930123");
    assert_eq!(r["started_at"], T0 + 3_600_000);
    assert_eq!(r["answered_at"], T0 + 3_602_000);
    assert_eq!(r["ended_at"], T0 + 3_630_400);
    assert_eq!(r["duration_ms"], 30_400);
    assert_eq!(r["billsec_ms"], 28_400);
    assert_eq!(r["disposition"], "ANSWERED");
    assert_eq!(r["hangup_side"], "caller");
    assert_eq!(r["hangup_cause"], "bye");
    assert_eq!(r["codec_a"], "PCMA");
    assert_eq!(r["codec_b"], "PCMU");
    assert_eq!(r["quality"]["a"]["loss_pct"], 0.1);
    assert_eq!(rows[1]["disposition"], "NO ANSWER");
    assert!(rows[1]["answered_at"].is_null() && rows[1]["quality"].is_null());

    let empty = vpbx_ok(
        dir.path(),
        &["cdr", "list", "acme.example", "--json", "--number", "555"],
    );
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&empty).expect("json"),
        serde_json::json!([])
    );
}

#[test]
fn bad_arguments_fail_with_one_clear_line() {
    let dir = seeded();
    let d = dir.path();
    for (args, names) in [
        (&["--since", "yesterday"][..], "--since"),
        (&["--since", "2026-02-30"][..], "--since"),
        (&["--until", "2026-11-30T10:00:00"][..], "--until"),
        (&["--since", "1h", "--until", "2h"][..], "--since"),
        (&["--disposition", "HELD"][..], "--disposition"),
    ] {
        let mut full = vec!["cdr", "list", "acme.example"];
        full.extend_from_slice(args);
        let err = fails_with_one_line(d, &full);
        assert!(err.contains(names), "{args:?}: {err}");
    }
    let err = fails_with_one_line(d, &["cdr", "list", "nobody.example"]);
    assert!(err.contains("no tenant nobody.example"), "{err}");
    let err = fails_with_one_line(d, &["cdr", "list", "not a domain"]);
    assert!(err.starts_with("error:"), "{err}");
}

#[test]
fn serve_rejects_bad_media_flags_before_starting() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    for ports in ["5-1", "1000-2000", "20000-10000", "10000", "x-y"] {
        let err = fails_with_one_line(d, &["serve", "--sip", "127.0.0.1:0", "--rtp-ports", ports]);
        assert!(err.contains("--rtp-ports"), "{ports}: {err}");
    }
    let err = fails_with_one_line(
        d,
        &["serve", "--sip", "127.0.0.1:0", "--media-ip", "0.0.0.0"],
    );
    assert!(err.contains("--media-ip"), "{err}");
}

#[test]
fn user_call_limits_are_set_changed_and_listed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    vpbx_ok(d, &["tenant", "create", "acme.example"]);
    vpbx_ok(
        d,
        &[
            "user",
            "add",
            "acme.example",
            "1000",
            "--password",
            "secret1000",
            "--call-limit",
            "4",
            "--busy-level",
            "2",
        ],
    );
    vpbx_ok(
        d,
        &[
            "user",
            "add",
            "acme.example",
            "1001",
            "--password",
            "secret1001",
        ],
    );
    let out = vpbx_ok(d, &["user", "list", "acme.example"]);
    let lines: Vec<Vec<&str>> = out
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(
        lines[0],
        ["EXT", "NAME", "EMAIL", "CALL-LIMIT", "BUSY-LEVEL"],
        "{out}"
    );
    assert_eq!(lines[1], ["1000", "4", "2"], "{out}");
    assert_eq!(lines[2], ["1001", "none", "none"], "{out}");

    // Only the given limit changes; `none` clears one.
    vpbx_ok(
        d,
        &[
            "user",
            "limits",
            "acme.example",
            "1001",
            "--call-limit",
            "3",
        ],
    );
    vpbx_ok(
        d,
        &[
            "user",
            "limits",
            "acme.example",
            "1000",
            "--busy-level",
            "none",
        ],
    );
    let json = vpbx_ok(d, &["user", "list", "acme.example", "--json"]);
    let users: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(users[0]["call_limit"], 4);
    assert!(users[0]["busy_level"].is_null(), "{json}");
    assert_eq!(users[1]["call_limit"], 3);
    assert!(users[1]["busy_level"].is_null(), "{json}");

    for bad in [
        &["user", "limits", "acme.example", "1000"][..],
        &[
            "user",
            "limits",
            "acme.example",
            "1000",
            "--call-limit",
            "0",
        ][..],
        &[
            "user",
            "limits",
            "acme.example",
            "1000",
            "--call-limit",
            "many",
        ][..],
        &[
            "user",
            "limits",
            "acme.example",
            "1999",
            "--call-limit",
            "2",
        ][..],
        &[
            "user",
            "limits",
            "nobody.example",
            "1000",
            "--call-limit",
            "2",
        ][..],
        &[
            "user",
            "add",
            "acme.example",
            "1002",
            "--password",
            "secret1002",
            "--busy-level",
            "0",
        ][..],
    ] {
        let out = vpbx(d, bad);
        assert!(!out.status.success(), "{bad:?} succeeded");
    }
    let out = vpbx(
        d,
        &[
            "user",
            "limits",
            "acme.example",
            "1999",
            "--call-limit",
            "2",
        ],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains("1999"), "{err}");
}
