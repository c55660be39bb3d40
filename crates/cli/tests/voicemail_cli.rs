//! `vpbx voicemail set|show|list|remove|heard` through the real binary (issue 5 item 6; seed
//! 001: voicemail mailed as an attachment, optionally deleted after sending): a box is set
//! up and changed flag by flag, messages left by the server are listed and removed with
//! their files, marked heard and new again (moving the message-waiting counts), bad input is refused with a one-line reason and changes nothing, and
//! `vpbx serve` refuses bad `--smtp*` flags with one line before it starts.

mod common;

use common::{fails_with_one_line, vpbx, vpbx_ok};
use serde_json::Value;
use std::path::Path;
use vpbx_store::{NewPrompt, NewVoicemail, PromptSource, Store};

const D: &str = "acme.example";

/// Runs `f` on the data directory's store (what the server does when a message is left).
fn with_store<T>(data: &Path, f: impl AsyncFnOnce(Store) -> T) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(async {
            let store = Store::open(data).await.expect("store");
            f(store).await
        })
}

/// A data directory with tenant acme.example (id 1): extension 1000 with an e-mail
/// address, 1001 without, and prompt `vm-greeting`.
fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path();
    vpbx_ok(data, &["tenant", "create", D]);
    vpbx_ok(
        data,
        &[
            "user",
            "add",
            D,
            "1000",
            "--password",
            "secret-1000",
            "--email",
            "alice@acme.example",
        ],
    );
    vpbx_ok(
        data,
        &["user", "add", D, "1001", "--password", "secret-1001"],
    );
    with_store(data, async |store| {
        let t = store.tenant(vpbx_model::TenantId(1));
        let prompt = NewPrompt {
            name: "vm-greeting".parse().unwrap(),
            duration_ms: 1000,
            bytes: 16_044,
            source: PromptSource::Upload,
        };
        t.put_prompt(&prompt, false, 1, || Ok(())).await.unwrap();
    });
    dir
}

/// `voicemail show D EXT --json`.
fn show(data: &Path, ext: &str) -> Value {
    serde_json::from_str(&vpbx_ok(data, &["voicemail", "show", D, ext, "--json"]))
        .expect("a JSON object")
}

#[test]
fn a_box_is_set_up_and_changed_flag_by_flag() {
    let dir = setup();
    let data = dir.path();
    let err = fails_with_one_line(data, &["voicemail", "show", D, "1000"]);
    assert!(err.contains("has no voicemail box"), "{err}");

    let out = vpbx_ok(data, &["voicemail", "set", D, "1000"]);
    assert!(
        out.contains("alice@acme.example (the user's)"),
        "mails to the user's address by default: {out}"
    );
    let b = show(data, "1000");
    assert_eq!(b["enabled"], true);
    assert_eq!(b["email"], Value::Null);
    assert_eq!(b["mail_to"], "alice@acme.example");
    assert_eq!(b["greeting"], Value::Null);
    assert_eq!(b["delete_after_send"], false);
    assert_eq!(b["max_seconds"], 120);
    assert_eq!((b["new"].clone(), b["old"].clone()), (0.into(), 0.into()));

    vpbx_ok(
        data,
        &[
            "voicemail",
            "set",
            D,
            "1000",
            "--disable",
            "--email",
            "vm@acme.example",
            "--greeting",
            "vm-greeting",
            "--delete-after-send",
            "on",
            "--max-seconds",
            "60",
        ],
    );
    let b = show(data, "1000");
    assert_eq!(b["enabled"], false);
    assert_eq!(b["email"], "vm@acme.example");
    assert_eq!(b["mail_to"], "vm@acme.example");
    assert_eq!(b["greeting"], "vm-greeting");
    assert_eq!(b["delete_after_send"], true);
    assert_eq!(b["max_seconds"], 60);

    // Flags not given are kept.
    vpbx_ok(
        data,
        &[
            "voicemail",
            "set",
            D,
            "1000",
            "--enable",
            "--no-greeting",
            "--user-email",
        ],
    );
    let b = show(data, "1000");
    assert_eq!(b["enabled"], true);
    assert_eq!(b["mail_to"], "alice@acme.example");
    assert_eq!(b["greeting"], Value::Null);
    assert_eq!(b["delete_after_send"], true);
    assert_eq!(b["max_seconds"], 60);
    let text = vpbx_ok(data, &["voicemail", "show", D, "1000"]);
    assert!(
        text.contains("delete after send:  on") && text.contains("0 new, 0 old"),
        "{text}"
    );

    let out = vpbx_ok(data, &["voicemail", "set", D, "1001"]);
    assert!(out.contains("messages are kept, not mailed"), "{out}");
}

#[test]
fn messages_are_listed_and_removed_with_their_files() {
    let dir = setup();
    let data = dir.path();
    vpbx_ok(data, &["voicemail", "set", D, "1000"]);
    let vm_dir = data.join("tenants/1/voicemail/1000");
    std::fs::create_dir_all(&vm_dir).unwrap();
    let ids = with_store(data, async |store| {
        let t = store.tenant(vpbx_model::TenantId(1));
        let mut ids = Vec::new();
        for (at, caller) in [
            (1_772_359_200_000, "+74951234567"),
            (1_772_359_260_000, "1001"),
        ] {
            let path = format!("tenants/1/voicemail/1000/{at}.wav");
            std::fs::write(data.join(&path), b"RIFF").unwrap();
            let m = NewVoicemail {
                extension: "1000".parse().unwrap(),
                caller: caller.into(),
                call_id: format!("call-{at}"),
                path,
                duration_ms: 17_000,
                bytes: 4,
                created_at: at,
            };
            ids.push(t.add_voicemail(&m).await.unwrap().id);
        }
        ids
    });

    let listed: Vec<Value> =
        serde_json::from_str(&vpbx_ok(data, &["voicemail", "list", D, "1000", "--json"])).unwrap();
    assert_eq!(
        listed.iter().map(|m| m["id"].clone()).collect::<Vec<_>>(),
        [ids[1].into(), ids[0].into()] as [Value; 2],
        "newest first"
    );
    assert_eq!(listed[1]["caller"], "+74951234567");
    let table = vpbx_ok(data, &["voicemail", "list", D, "1000"]);
    assert!(
        table.contains("2026-03-01 10:00:00") && table.contains("+74951234567"),
        "{table}"
    );
    assert_eq!(show(data, "1000")["new"], 2);

    let first = ids[0].to_string();
    let err = fails_with_one_line(data, &["voicemail", "remove", D, "1001", &first]);
    assert!(err.contains("not found"), "{err}");
    vpbx_ok(data, &["voicemail", "remove", D, "1000", &first]);
    assert!(!vm_dir.join("1772359200000.wav").exists());
    assert!(vm_dir.join("1772359260000.wav").exists());
    let err = fails_with_one_line(data, &["voicemail", "remove", D, "1000", &first]);
    assert!(
        err.contains(&format!("voicemail {first} of extension 1000 not found")),
        "{err}"
    );
    assert_eq!(show(data, "1000")["new"], 1);
    let listed: Vec<Value> =
        serde_json::from_str(&vpbx_ok(data, &["voicemail", "list", D, "1001", "--json"])).unwrap();
    assert!(listed.is_empty());
}

#[test]
fn bad_input_is_refused_with_one_line_and_changes_nothing() {
    let dir = setup();
    let data = dir.path();
    vpbx_ok(data, &["voicemail", "set", D, "1000"]);
    let before = show(data, "1000");
    for (args, expect) in [
        (
            &["voicemail", "set", "nope.example", "1000"][..],
            "no tenant nope.example",
        ),
        (
            &["voicemail", "set", D, "1999"],
            "no extension 1999 in acme.example",
        ),
        (
            &["voicemail", "show", D, "1999"],
            "no extension 1999 in acme.example",
        ),
        (
            &["voicemail", "set", D, "1000", "--greeting", "nope"],
            "prompt nope not found in acme.example",
        ),
        (
            &["voicemail", "set", D, "1000", "--greeting", "Bad Name"],
            "name",
        ),
        (
            &["voicemail", "set", D, "1000", "--email", "not-an-email"],
            "bad e-mail address \"not-an-email\"",
        ),
        (
            &["voicemail", "set", D, "1000", "--email", "a@b@c.example"],
            "e-mail",
        ),
        (
            &["voicemail", "set", D, "1000", "--max-seconds", "4"],
            "--max-seconds: must be 5 to 600",
        ),
        (
            &["voicemail", "set", D, "1000", "--max-seconds", "601"],
            "--max-seconds: must be 5 to 600",
        ),
        (&["voicemail", "list", D, "x1"], "extension"),
    ] {
        let err = fails_with_one_line(data, args);
        assert!(err.contains(expect), "{args:?}: {err}");
    }
    assert_eq!(show(data, "1000"), before);
}

#[test]
fn serve_refuses_bad_smtp_flags_with_one_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path();
    let base = ["serve", "--sip", "127.0.0.1:0", "--http", "off"];
    for (flags, expect) in [
        (
            &["--smtp", "mail.example.com:25", "--smtp-security", "none"][..],
            "only to a relay on this host",
        ),
        (&["--smtp", "mail.example.com"], "expected HOST:PORT"),
        (
            &["--smtp", "mail.example.com:587", "--smtp-security", "ssl"],
            "use none, starttls or tls",
        ),
        (&["--smtp-user", "vm"], "--smtp-user needs --smtp HOST:PORT"),
        (
            &["--smtp", "mail.example.com:587", "--smtp-user", "vm"],
            "--smtp-user needs --smtp-password-file FILE",
        ),
        (
            &[
                "--smtp",
                "mail.example.com:587",
                "--smtp-user",
                "vm",
                "--smtp-password-file",
                "/nonexistent/smtp-password",
            ],
            "--smtp-password-file: cannot read /nonexistent/smtp-password",
        ),
        (
            &["--smtp", "mail.example.com:587", "--smtp-from", "nobody"],
            "--smtp-from: bad e-mail address",
        ),
    ] {
        let args: Vec<&str> = base.iter().chain(flags).copied().collect();
        let err = fails_with_one_line(data, &args);
        assert!(err.contains(expect), "{flags:?}: {err}");
    }
}

#[test]
fn messages_are_marked_heard_and_new_moving_the_counts() {
    let dir = setup();
    let data = dir.path();
    vpbx_ok(data, &["voicemail", "set", D, "1000"]);
    let (id, seq) = with_store(data, async |store| {
        let t = store.tenant(vpbx_model::TenantId(1));
        let m = NewVoicemail {
            extension: "1000".parse().unwrap(),
            caller: "1001".into(),
            call_id: "call-heard".into(),
            path: "tenants/1/voicemail/1000/1.wav".into(),
            duration_ms: 3_000,
            bytes: 4,
            created_at: 1_772_359_200_000,
        };
        let id = t.add_voicemail(&m).await.unwrap().id;
        (id, store.change_seq().await.unwrap())
    });
    let id_s = id.to_string();
    assert_eq!(
        (
            show(data, "1000")["new"].clone(),
            show(data, "1000")["old"].clone()
        ),
        (1.into(), 0.into())
    );

    let out = vpbx_ok(data, &["voicemail", "heard", D, "1000", &id_s]);
    assert!(
        out.contains(&format!("marked voicemail {id} of 1000 in {D} heard")),
        "{out}"
    );
    let vm = show(data, "1000");
    assert_eq!((vm["new"].clone(), vm["old"].clone()), (0.into(), 1.into()));
    let listed: Vec<Value> =
        serde_json::from_str(&vpbx_ok(data, &["voicemail", "list", D, "1000", "--json"])).unwrap();
    assert_eq!(listed[0]["heard"], true);
    let after = with_store(data, async |store| store.change_seq().await.unwrap());
    assert!(after > seq, "the change feed tells a running server");

    vpbx_ok(data, &["voicemail", "heard", D, "1000", &id_s, "--new"]);
    let vm = show(data, "1000");
    assert_eq!((vm["new"].clone(), vm["old"].clone()), (1.into(), 0.into()));

    for (args, expect) in [
        (
            &["voicemail", "heard", D, "1001", &id_s][..],
            format!("voicemail {id} of extension 1001 not found"),
        ),
        (
            &["voicemail", "heard", "nope.example", "1000", &id_s],
            "no tenant nope.example".to_owned(),
        ),
        (
            &["voicemail", "heard", D, "1000", "x"],
            "invalid value".to_owned(),
        ),
    ] {
        let out = vpbx(data, args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && err.contains(&expect),
            "{args:?}: {err}"
        );
    }
    let vm = show(data, "1000");
    assert_eq!((vm["new"].clone(), vm["old"].clone()), (1.into(), 0.into()));
}
