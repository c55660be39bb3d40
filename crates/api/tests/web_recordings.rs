//! Call recordings in the web cabinet (issue 6 item 4): the CDR page's "Recording" column
//! (a player and a download link when the tenant allows it, the word "recorded"
//! otherwise; the platform admin always gets the player), the player's URL answering to
//! the session cookie, and the options page's "Call recording" form (CSRF, roles,
//! validation errors naming the field, the current disk use).

mod common;

use axum::http::StatusCode;
use common::Fixture;
use vpbx_store::{Disposition, HangupSide, MediaOptions, NewCdr, Recording};

/// Writes a small WAV file as the recording of call `call_id` (from `caller` to
/// `callee`) of tenant `domain` and stores the call; returns the file's size.
async fn record(f: &Fixture, domain: &str, call_id: &str, caller: &str, callee: &str) -> usize {
    let ts = f.tenant(domain).await;
    let stored = format!(
        "recordings/{}/2024/01/23/{}.wav",
        ts.id().0,
        call_id.replace('@', "-")
    );
    let path = f._dir.path().join(&stored);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let wav = [b"RIFF".as_slice(), &[0u8; 3 * 1024 * 1024]].concat();
    std::fs::write(&path, &wav).unwrap();
    ts.insert_cdrs(&[NewCdr {
        call_id: call_id.into(),
        caller: caller.into(),
        callee: callee.into(),
        started_at: 1_706_000_000_000,
        answered_at: Some(1_706_000_001_000),
        ended_at: 1_706_000_031_000,
        disposition: Disposition::Answered,
        hangup_side: HangupSide::Callee,
        hangup_cause: "bye".into(),
        codec_a: None,
        codec_b: None,
        quality: None,
        recording: Some(Recording {
            path: stored,
            bytes: wav.len() as i64,
        }),
    }])
    .await
    .unwrap();
    wav.len()
}

/// Sets tenant `domain`'s `allow_download`.
async fn allow(f: &Fixture, domain: &str, on: bool) {
    let ts = f.tenant(domain).await;
    let options = MediaOptions {
        allow_download: on,
        ..ts.media_options().await.unwrap()
    };
    ts.set_media_options(&options).await.unwrap();
}

const PLAYER: &str =
    r#"<audio controls preload="none" src="/api/v1/tenants/a.example/cdrs/call%401/recording">"#;
const DOWNLOAD: &str = r#"href="/api/v1/tenants/a.example/cdrs/call%401/recording?download=1""#;

#[tokio::test]
async fn the_calls_page_plays_recordings_only_when_allowed() {
    let f = Fixture::new().await;
    record(&f, "a.example", "call@1", "1000", "1001").await;
    let alice = f.web_login("alice").await;
    let carol = f.web_login("carol").await;
    let root = f.web_login("root").await;

    // Downloads off: the column says "recorded", with no player and no link.
    let page = f.page("/t/a.example/cdrs", Some(&alice)).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains("<th>Recording</th>"), "{html}");
    assert!(
        html.contains(r#"<span class="muted">recorded</span>"#),
        "{html}"
    );
    assert!(
        !html.contains("<audio") && !html.contains("/recording"),
        "{html}"
    );
    // The platform admin is not bound by the tenant's option.
    let page = f.page("/t/a.example/cdrs", Some(&root)).await;
    assert!(page.text().contains(PLAYER), "{}", page.text());

    allow(&f, "a.example", true).await;
    for (who, cookie) in [("alice", &alice), ("carol", &carol)] {
        let page = f.page("/t/a.example/cdrs", Some(cookie)).await;
        let html = page.text();
        assert!(html.contains(PLAYER), "{who}: {html}");
        assert!(html.contains(DOWNLOAD), "{who}: {html}");
        assert!(!html.contains(">recorded<"), "{who}: {html}");
        // Same-origin media is allowed by the page's policy.
        let csp = page.headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("default-src 'self'"), "{csp}");
        assert!(!csp.contains("media-src"), "{csp}");
    }

    // The player's URL answers to the session cookie alone (what the audio element
    // sends), streaming the file.
    let url = "/api/v1/tenants/a.example/cdrs/call%401/recording";
    let r = f
        .send("GET", url, None, Some(carol.clone()), None, "192.0.2.20")
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers["content-type"], "audio/wav");
    assert_eq!(
        r.headers["content-length"],
        (3 * 1024 * 1024 + 4).to_string().as_str()
    );
    let r = f.send("GET", url, None, None, None, "192.0.2.20").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);

    // A call without a recording has an empty cell; the dashboard's list has no column.
    let home = f.page("/", Some(&alice)).await;
    assert!(
        !home.text().contains("<th>Recording</th>"),
        "{}",
        home.text()
    );
}

#[tokio::test]
async fn the_options_page_changes_the_recording_options() {
    let f = Fixture::new().await;
    let used = record(&f, "a.example", "c1", "1000", "1001").await;
    let alice = f.web_login("alice").await;
    let page = f.page("/t/a.example/options", Some(&alice)).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains("Call recording"), "{html}");
    assert!(
        html.contains(r#"action="/t/a.example/options/recording""#),
        "{html}"
    );
    assert!(
        html.contains(r#"name="retention_days" value="90""#),
        "{html}"
    );
    assert!(html.contains(r#"name="quota_mb" value="1024""#), "{html}");
    assert!(
        html.contains(&format!(
            "<strong>{:.1} MiB</strong>",
            used as f64 / 1048576.0
        )),
        "{html}"
    );
    assert!(
        !html.contains(r#"name="record_calls" value="on" checked"#),
        "{html}"
    );

    let token = f.csrf("/t/a.example/options", &alice).await;
    let url = "/t/a.example/options/recording";
    let r = f
        .post_form(
            url,
            Some(&alice),
            &format!(
                "csrf={token}&record_calls=on&allow_download=on&retention_days=30&quota_mb=2048"
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(r.location(), "/t/a.example/options");
    let stored = f.tenant("a.example").await.media_options().await.unwrap();
    assert_eq!(
        stored,
        MediaOptions {
            record_calls: true,
            allow_download: true,
            retention_days: 30,
            quota_mb: 2048
        }
    );
    let html = f
        .page("/t/a.example/options", Some(&alice))
        .await
        .text()
        .to_owned();
    assert!(
        html.contains(r#"name="record_calls" value="on" checked"#),
        "{html}"
    );
    assert!(
        html.contains(r#"name="allow_download" value="on" checked"#),
        "{html}"
    );
    assert!(
        html.contains(r#"name="retention_days" value="30""#),
        "{html}"
    );

    // Unticked boxes turn the options off.
    let r = f
        .post_form(
            url,
            Some(&alice),
            &format!("csrf={token}&retention_days=30&quota_mb=2048"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let stored = f.tenant("a.example").await.media_options().await.unwrap();
    assert!(!stored.record_calls && !stored.allow_download);

    // Bad fields: 400, the error next to the form naming the field, the form as sent,
    // nothing changed.
    for (body, field) in [
        ("retention_days=0&quota_mb=10", "retention_days"),
        ("retention_days=abc&quota_mb=10", "retention_days"),
        ("retention_days=5&quota_mb=0", "quota_mb"),
        ("retention_days=5&quota_mb=-1", "quota_mb"),
        ("retention_days=5", "quota_mb"),
    ] {
        let r = f
            .post_form(
                url,
                Some(&alice),
                &format!("csrf={token}&record_calls=on&{body}"),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}");
        assert!(
            r.text().contains(&format!("<strong>{field}</strong>")),
            "{body}: {}",
            r.text()
        );
        assert!(
            r.text()
                .contains(r#"name="record_calls" value="on" checked"#),
            "{body}: the form as sent"
        );
    }
    let after = f.tenant("a.example").await.media_options().await.unwrap();
    assert_eq!(after, stored);

    // Without the CSRF token, as a tenant user, or for another tenant: refused.
    let r = f
        .post_form(
            url,
            Some(&alice),
            "record_calls=on&retention_days=5&quota_mb=5",
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let carol = f.web_login("carol").await;
    let carol_token = f.csrf("/t/a.example/cdrs", &carol).await;
    let r = f
        .post_form(
            url,
            Some(&carol),
            &format!("csrf={carol_token}&record_calls=on&retention_days=5&quota_mb=5"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = f
        .post_form(
            "/t/b.example/options/recording",
            Some(&alice),
            &format!("csrf={token}&record_calls=on&retention_days=5&quota_mb=5"),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let b = f.tenant("b.example").await.media_options().await.unwrap();
    assert_eq!(b, MediaOptions::default());
    let after = f.tenant("a.example").await.media_options().await.unwrap();
    assert_eq!(after, stored);
}
