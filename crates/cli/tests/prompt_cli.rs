//! `vpbx prompt add|list|remove` through the real binary (issue 5 item 2): WAV files made
//! by sox in several formats are stored as 8 kHz mono 16-bit PCM of the same duration,
//! text is spoken by espeak-ng, and bad input (corrupt, not a WAV, too big, unknown voice,
//! bad name) is refused with a one-line reason and leaves nothing behind.

mod common;

use common::{fails_with_one_line, vpbx_ok};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Makes `dir/name` with `sox -n [format args] FILE synth SECONDS sine 440`.
fn sox(dir: &Path, name: &str, format: &[&str], seconds: &str) -> PathBuf {
    let path = dir.join(name);
    let status = Command::new("sox")
        .arg("-n")
        .args(format)
        .arg(&path)
        .args(["synth", seconds, "sine", "440"])
        .status()
        .expect("sox is missing: run scripts/test.sh (it installs sox) or apt-get install sox");
    assert!(status.success(), "sox {format:?} {name}");
    path
}

/// The format of a stored prompt: (rate, channels, bits, PCM?, duration in ms), read from
/// its RIFF chunks.
fn wav_format(path: &Path) -> (u32, u16, u16, bool, u64) {
    let b = std::fs::read(path).expect("stored prompt");
    assert_eq!((&b[..4], &b[8..12]), (&b"RIFF"[..], &b"WAVE"[..]));
    let le16 = |at: usize| u16::from_le_bytes([b[at], b[at + 1]]);
    let le32 = |at: usize| u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]);
    let (mut at, mut fmt, mut data) = (12, None, None);
    while at + 8 <= b.len() {
        let size = le32(at + 4) as usize;
        match &b[at..at + 4] {
            b"fmt " => fmt = Some((le16(at + 8), le16(at + 10), le32(at + 12), le16(at + 22))),
            b"data" => data = Some(size),
            _ => {}
        }
        at += 8 + size + (size & 1);
    }
    let (tag, channels, rate, bits) = fmt.expect("fmt chunk");
    let data = data.expect("data chunk") as u64;
    let frame = u64::from(channels) * u64::from(bits / 8);
    (
        rate,
        channels,
        bits,
        tag == 1,
        data / frame * 1000 / u64::from(rate),
    )
}

/// The stored file of prompt `name` of the first tenant.
fn stored(data: &Path, name: &str) -> PathBuf {
    data.join(format!("tenants/1/prompts/{name}.wav"))
}

/// Files in the first tenant's prompt directory (temporary files included).
fn prompt_files(data: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(data.join("tenants/1/prompts"))
        .map(|d| {
            d.map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// `prompt list --json` as JSON.
fn list(data: &Path) -> Vec<Value> {
    let out = vpbx_ok(data, &["prompt", "list", "acme.example", "--json"]);
    serde_json::from_str(&out).expect("a JSON array of prompts")
}

/// A data directory with tenant acme.example (tenant id 1).
fn tenant() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    vpbx_ok(dir.path(), &["tenant", "create", "acme.example"]);
    dir
}

#[test]
fn wav_files_of_any_format_are_stored_as_8khz_mono_16bit() {
    let dir = tenant();
    let data = dir.path();
    let src = tempfile::tempdir().expect("tempdir");
    let cases = [
        (
            "stereo44",
            &["-r", "44100", "-c", "2", "-b", "16"][..],
            "2.5",
            2500,
        ),
        (
            "mono16k",
            &["-r", "16000", "-c", "1", "-b", "16"][..],
            "1.2",
            1200,
        ),
        (
            "eightbit",
            &["-r", "11025", "-c", "1", "-b", "8"][..],
            "3",
            3000,
        ),
        (
            "float48",
            &["-r", "48000", "-c", "1", "-e", "float", "-b", "32"][..],
            "0.7",
            700,
        ),
    ];
    for (name, format, seconds, ms) in cases {
        let file = sox(src.path(), &format!("{name}.wav"), format, seconds);
        let out = vpbx_ok(
            data,
            &[
                "prompt",
                "add",
                "acme.example",
                name,
                file.to_str().expect("utf-8"),
            ],
        );
        assert!(
            out.starts_with(&format!("added prompt {name} in acme.example")),
            "{out}"
        );
        let (rate, channels, bits, pcm, duration) = wav_format(&stored(data, name));
        assert_eq!((rate, channels, bits, pcm), (8000, 1, 16, true), "{name}");
        assert!(
            duration.abs_diff(ms) <= 20,
            "{name}: {duration} ms, source {ms} ms"
        );
    }
    let rows = list(data);
    let names: Vec<&str> = rows.iter().filter_map(|r| r["name"].as_str()).collect();
    assert_eq!(names, ["eightbit", "float48", "mono16k", "stereo44"]);
    let first = &rows[0];
    assert_eq!(first["source"], "upload");
    assert_eq!(first["duration_ms"], 3000);
    let size = std::fs::metadata(stored(data, "eightbit"))
        .expect("file")
        .len();
    assert_eq!(first["bytes"].as_u64(), Some(size));
    let table = vpbx_ok(data, &["prompt", "list", "acme.example"]);
    assert!(table.starts_with("NAME"), "{table}");
    assert!(table.contains("stereo44  2.5"), "{table}");
}

#[test]
fn bad_files_are_refused_with_a_reason_and_leave_nothing() {
    let dir = tenant();
    let data = dir.path();
    let src = tempfile::tempdir().expect("tempdir");
    let good = sox(src.path(), "good.wav", &["-r", "8000", "-c", "1"], "1");
    let bytes = std::fs::read(&good).expect("wav");
    let corrupt = src.path().join("corrupt.wav");
    std::fs::write(&corrupt, &bytes[..200]).expect("write");
    let text = src.path().join("text.wav");
    std::fs::write(&text, "hello, not audio").expect("write");
    let empty = src.path().join("empty.wav");
    std::fs::write(&empty, b"").expect("write");
    let no_samples = sox(src.path(), "nosamples.wav", &["-r", "8000"], "0.5");
    let header_only = std::fs::read(&no_samples).expect("wav");
    std::fs::write(&no_samples, patch_data_len(&header_only)).expect("write");
    let three = sox(src.path(), "three.wav", &["-r", "8000", "-c", "3"], "1");
    let alaw = sox(src.path(), "alaw.wav", &["-r", "8000", "-e", "a-law"], "1");
    let big = src.path().join("big.wav");
    let mut huge = bytes.clone();
    huge.resize(30 * 1024 * 1024, 0);
    std::fs::write(&big, huge).expect("write");
    let long = sox(src.path(), "long.wav", &["-r", "8000", "-c", "1"], "610");

    let cases: [(&Path, &str); 8] = [
        (&corrupt, "corrupt WAV file"),
        (&text, "not a WAV file"),
        (&empty, "not a WAV file"),
        (&no_samples, "no samples"),
        (&three, "unsupported WAV format: 3 channels"),
        (&alaw, "unsupported WAV format"),
        (&big, "prompts are limited to 20971520 bytes (20 MB)"),
        (&long, "prompts are limited to 10 minutes"),
    ];
    for (file, reason) in cases {
        let f = file.to_str().expect("utf-8");
        let err = fails_with_one_line(data, &["prompt", "add", "acme.example", "x", f]);
        assert!(err.contains(reason), "{f}: {err}");
    }
    let err = fails_with_one_line(
        data,
        &[
            "prompt",
            "add",
            "acme.example",
            "x",
            "/nonexistent/file.wav",
        ],
    );
    assert!(err.contains("cannot read /nonexistent/file.wav"), "{err}");
    assert!(list(data).is_empty());
    assert!(prompt_files(data).is_empty(), "{:?}", prompt_files(data));

    // A valid file still works afterwards; names are checked.
    let g = good.to_str().expect("utf-8");
    let err = fails_with_one_line(data, &["prompt", "add", "acme.example", "Bad.Name", g]);
    assert!(err.contains("invalid name"), "{err}");
    let err = fails_with_one_line(data, &["prompt", "add", "nope.example", "x", g]);
    assert!(err.contains("no tenant nope.example"), "{err}");
    vpbx_ok(data, &["prompt", "add", "acme.example", "ok", g]);
    assert_eq!(prompt_files(data), ["ok.wav"]);
}

/// Sets the `data` chunk length of a sox-made WAV file to 0 and cuts the samples.
fn patch_data_len(wav: &[u8]) -> Vec<u8> {
    let at = wav
        .windows(4)
        .position(|w| w == b"data")
        .expect("data chunk");
    let mut out = wav[..at + 8].to_vec();
    out[at + 4..at + 8].copy_from_slice(&0u32.to_le_bytes());
    let riff = u32::try_from(out.len() - 8).expect("small");
    out[4..8].copy_from_slice(&riff.to_le_bytes());
    out
}

#[test]
fn say_uses_espeak_ng_and_checks_text_and_voice() {
    let dir = tenant();
    let data = dir.path();
    let out = vpbx_ok(
        data,
        &[
            "prompt",
            "add",
            "acme.example",
            "welcome",
            "--say",
            "Welcome to Acme. Please hold.",
        ],
    );
    assert!(out.starts_with("added prompt welcome"), "{out}");
    let (rate, channels, bits, pcm, duration) = wav_format(&stored(data, "welcome"));
    assert_eq!((rate, channels, bits, pcm), (8000, 1, 16, true));
    assert!((1000..10_000).contains(&duration), "{duration} ms");
    vpbx_ok(
        data,
        &[
            "prompt",
            "add",
            "acme.example",
            "privet",
            "--say",
            "Здравствуйте",
            "--voice",
            "ru",
        ],
    );
    let rows = list(data);
    assert_eq!(rows[0]["name"], "privet");
    assert_eq!(rows[0]["source"], "tts");
    assert_eq!(rows[0]["voice"], "ru");
    assert_eq!(rows[0]["text"], "Здравствуйте");
    assert_eq!(rows[1]["voice"], "en");
    let table = vpbx_ok(data, &["prompt", "list", "acme.example"]);
    assert!(table.contains("tts (ru)  Здравствуйте"), "{table}");

    let err = fails_with_one_line(
        data,
        &[
            "prompt",
            "add",
            "acme.example",
            "x",
            "--say",
            "hi",
            "--voice",
            "zz-nope",
        ],
    );
    assert!(err.contains("unknown voice \"zz-nope\""), "{err}");
    let err = fails_with_one_line(data, &["prompt", "add", "acme.example", "x", "--say", " "]);
    assert!(
        err.contains("invalid text: must be 1 to 2000 characters"),
        "{err}"
    );
    let long = "a".repeat(2001);
    let err = fails_with_one_line(
        data,
        &["prompt", "add", "acme.example", "x", "--say", &long],
    );
    assert!(err.contains("1 to 2000 characters"), "{err}");
    // Text that looks like an option is spoken, not obeyed (it goes through stdin).
    vpbx_ok(
        data,
        &["prompt", "add", "acme.example", "dash", "--say=-w /tmp/x"],
    );

    // Replacing needs --replace.
    let err = fails_with_one_line(
        data,
        &["prompt", "add", "acme.example", "welcome", "--say", "x"],
    );
    assert!(
        err.contains("already exists") && err.contains("--replace"),
        "{err}"
    );
    let out = vpbx_ok(
        data,
        &[
            "prompt",
            "add",
            "acme.example",
            "welcome",
            "--say",
            "Goodbye",
            "--replace",
        ],
    );
    assert!(out.starts_with("replaced prompt welcome"), "{out}");
    let rows = list(data);
    let welcome = rows
        .iter()
        .find(|r| r["name"] == "welcome")
        .expect("welcome");
    assert_eq!(welcome["text"], "Goodbye");
    assert_eq!(
        prompt_files(data),
        ["dash.wav", "privet.wav", "welcome.wav"]
    );
}

#[test]
fn say_without_espeak_ng_says_how_to_install_it() {
    let dir = tenant();
    let out = Command::new(common::bin())
        .arg("--data")
        .arg(dir.path())
        .args(["prompt", "add", "acme.example", "x", "--say", "hi"])
        .env("PATH", "/nonexistent")
        .output()
        .expect("run vpbx");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("espeak-ng is not installed (apt-get install espeak-ng)"),
        "{err}"
    );
}

#[test]
fn remove_deletes_the_file_and_tenant_delete_the_directory() {
    let dir = tenant();
    let data = dir.path();
    let src = tempfile::tempdir().expect("tempdir");
    let f = sox(src.path(), "a.wav", &["-r", "22050", "-c", "2"], "0.5");
    let f = f.to_str().expect("utf-8");
    vpbx_ok(data, &["prompt", "add", "acme.example", "a", f]);
    vpbx_ok(data, &["prompt", "add", "acme.example", "b", f]);
    assert_eq!(prompt_files(data), ["a.wav", "b.wav"]);
    let out = vpbx_ok(data, &["prompt", "remove", "acme.example", "a"]);
    assert_eq!(out.trim(), "removed prompt a from acme.example");
    assert_eq!(prompt_files(data), ["b.wav"]);
    let err = fails_with_one_line(data, &["prompt", "remove", "acme.example", "a"]);
    assert!(err.contains("prompt a not found"), "{err}");

    vpbx_ok(data, &["tenant", "delete", "acme.example", "--yes"]);
    assert!(!data.join("tenants/1").exists());
    // A new tenant gets a new id and starts empty.
    vpbx_ok(data, &["tenant", "create", "acme.example"]);
    assert!(list(data).is_empty());
    assert!(!data.join("tenants/2").exists());
}
