//! Call recordings over the API (issue 6 item 4): the tenant's media options (get, change,
//! validation, roles), playing and downloading a recording only when the tenant allows it
//! (the platform admin always), a tenant user only its own calls, tenant isolation, HTTP
//! Range requests for seeking, and stored paths that try to leave the tenant's folder.

mod common;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request, StatusCode};
use common::Fixture;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use std::net::SocketAddr;
use tower::ServiceExt;
use vpbx_store::{Disposition, HangupSide, NewCdr, Recording};

const A: &str = "/api/v1/tenants/a.example";

/// A stereo 8 kHz 16-bit WAV file of `frames` frames with a counting pattern (so any
/// range of it is recognisable).
fn wav(frames: u32) -> Vec<u8> {
    let data_len = frames * 4;
    let mut b = Vec::new();
    b.extend_from_slice(b"RIFF");
    b.extend_from_slice(&(36 + data_len).to_le_bytes());
    b.extend_from_slice(b"WAVEfmt ");
    b.extend_from_slice(&16u32.to_le_bytes());
    b.extend_from_slice(&1u16.to_le_bytes());
    b.extend_from_slice(&2u16.to_le_bytes());
    b.extend_from_slice(&8000u32.to_le_bytes());
    b.extend_from_slice(&32000u32.to_le_bytes());
    b.extend_from_slice(&4u16.to_le_bytes());
    b.extend_from_slice(&16u16.to_le_bytes());
    b.extend_from_slice(b"data");
    b.extend_from_slice(&data_len.to_le_bytes());
    for i in 0..frames {
        let v = (i % 30_000) as i16;
        b.extend_from_slice(&v.to_le_bytes());
        b.extend_from_slice(&(-v).to_le_bytes());
    }
    b
}

/// An answered call `call_id` from `caller` to `callee` in tenant `domain`, recorded at
/// `stored` (relative to the data directory) unless `None`.
fn call(call_id: &str, caller: &str, callee: &str, stored: Option<(&str, usize)>) -> NewCdr {
    NewCdr {
        call_id: call_id.into(),
        caller: caller.into(),
        callee: callee.into(),
        started_at: 1_706_000_000_000,
        answered_at: Some(1_706_000_002_000),
        ended_at: 1_706_000_012_000,
        disposition: Disposition::Answered,
        hangup_side: HangupSide::Caller,
        hangup_cause: "bye".into(),
        codec_a: Some("PCMA".into()),
        codec_b: Some("PCMA".into()),
        quality: None,
        recording: stored.map(|(path, bytes)| Recording {
            path: path.into(),
            bytes: bytes as i64,
        }),
    }
}

/// Writes `wav` as a recording of tenant `domain` named `name` and stores call
/// `call_id` from `caller` to `callee` linking it; returns the stored path.
async fn record(
    f: &Fixture,
    domain: &str,
    call_id: &str,
    caller: &str,
    callee: &str,
    wav: &[u8],
) -> String {
    let ts = f.tenant(domain).await;
    let stored = format!("recordings/{}/2024/01/23/{call_id}.wav", ts.id().0);
    let path = f._dir.path().join(&stored);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, wav).unwrap();
    ts.insert_cdrs(&[call(call_id, caller, callee, Some((&stored, wav.len())))])
        .await
        .unwrap();
    stored
}

/// Turns tenant `domain`'s downloads on or off directly in the store.
async fn allow(f: &Fixture, domain: &str, on: bool) {
    let ts = f.tenant(domain).await;
    let mut options = ts.media_options().await.unwrap();
    options.allow_download = on;
    ts.set_media_options(&options).await.unwrap();
}

/// A raw GET (or HEAD) of `uri` as `token` with an optional `Range`: status, headers,
/// body bytes.
async fn fetch(
    f: &Fixture,
    method: &str,
    uri: &str,
    token: Option<&str>,
    range: Option<&str>,
) -> (StatusCode, HeaderMap, Vec<u8>) {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    if let Some(r) = range {
        req = req.header("range", r);
    }
    let mut req = req.body(Body::empty()).unwrap();
    let addr: SocketAddr = "192.0.2.10:40000".parse().unwrap();
    req.extensions_mut().insert(ConnectInfo(addr));
    let res = f.app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    (status, headers, bytes)
}

/// The JSON of an error body.
fn json_of(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).unwrap_or_else(|_| panic!("not JSON: {bytes:?}"))
}

#[tokio::test]
async fn media_options_are_read_changed_and_validated() {
    let f = Fixture::new().await;
    let url = format!("{A}/options/media");
    let r = f.call("GET", &url, Some(&f.admin_a), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        r.body,
        json!({"record_calls": false, "allow_download": false, "retention_days": 90,
            "quota_mb": 1024, "recording_bytes": 0})
    );

    // Absent fields keep their value.
    let r = f
        .call(
            "PUT",
            &url,
            Some(&f.admin_a),
            Some(json!({"record_calls": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["record_calls"], true);
    assert_eq!(r.body["retention_days"], 90);
    let r = f
        .call(
            "PUT",
            &url,
            Some(&f.admin_a),
            Some(json!({"allow_download": true, "retention_days": 30, "quota_mb": 2048})),
        )
        .await;
    assert_eq!(
        r.body,
        json!({"record_calls": true, "allow_download": true, "retention_days": 30,
            "quota_mb": 2048, "recording_bytes": 0})
    );

    // Errors name the field and change nothing.
    for (body, field) in [
        (json!({"retention_days": 0}), "retention_days"),
        (json!({"retention_days": 3651}), "retention_days"),
        (json!({"retention_days": -1}), "retention_days"),
        (json!({"quota_mb": 0}), "quota_mb"),
        (json!({"quota_mb": 10_485_761u64}), "quota_mb"),
        (json!({"record_calls": "yes"}), "record_calls"),
    ] {
        let r = f
            .call("PUT", &url, Some(&f.admin_a), Some(body.clone()))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}: {}", r.body);
        assert_eq!(r.body["field"], field, "{body}: {}", r.body);
    }
    let r = f
        .call("PUT", &url, Some(&f.admin_a), Some(json!({"quota": 1})))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = f.call("GET", &url, Some(&f.admin_a), None).await;
    assert_eq!(r.body["retention_days"], 30);
    assert_eq!(r.body["quota_mb"], 2048);

    // Roles: a tenant user may neither read nor change; another tenant's admin does not
    // see the tenant; the platform admin may do both.
    let r = f.call("GET", &url, Some(&f.user_a), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = f
        .call(
            "PUT",
            &url,
            Some(&f.user_a),
            Some(json!({"allow_download": false})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = f.call("GET", &url, Some(&f.admin_b), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = f
        .call(
            "PUT",
            &url,
            Some(&f.admin_b),
            Some(json!({"allow_download": false})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = f.call("GET", &url, None, None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = f
        .call(
            "PUT",
            &url,
            Some(&f.root),
            Some(json!({"retention_days": 7})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["retention_days"], 7);
    assert_eq!(r.body["allow_download"], true);
    let stored = f.tenant("a.example").await.media_options().await.unwrap();
    assert_eq!(stored.retention_days, 7);

    // The disk use counts the tenant's recordings.
    let audio = wav(800);
    record(&f, "a.example", "c1", "1000", "1001", &audio).await;
    let r = f.call("GET", &url, Some(&f.admin_a), None).await;
    assert_eq!(r.body["recording_bytes"], audio.len() as u64);
    let r = f
        .call(
            "GET",
            "/api/v1/tenants/b.example/options/media",
            Some(&f.root),
            None,
        )
        .await;
    assert_eq!(r.body["recording_bytes"], 0);
}

#[tokio::test]
async fn recordings_are_served_only_when_the_tenant_allows_and_the_caller_may_see_the_call() {
    let f = Fixture::new().await;
    let audio = wav(8000);
    record(&f, "a.example", "c1@pbx", "1000", "1001", &audio).await;
    record(&f, "a.example", "c2", "1002", "1003", &wav(100)).await;
    let own = format!("{A}/cdrs/c1%40pbx/recording");
    let others = format!("{A}/cdrs/c2/recording");

    // Downloads off (the default): every tenant account is refused with the reason; the
    // platform admin is not bound by the tenant's option.
    for token in [&f.admin_a, &f.user_a] {
        let (status, _, body) = fetch(&f, "GET", &own, Some(token), None).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let body = json_of(&body);
        assert_eq!(body["error"], "forbidden");
        assert!(
            body["message"].as_str().unwrap().contains("does not allow"),
            "{body}"
        );
    }
    let (status, _, body) = fetch(&f, "GET", &own, Some(&f.root), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, audio);

    allow(&f, "a.example", true).await;
    let (status, headers, body) = fetch(&f, "GET", &own, Some(&f.admin_a), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, audio);
    assert_eq!(headers["content-type"], "audio/wav");
    assert_eq!(headers["content-length"], audio.len().to_string().as_str());
    assert_eq!(headers["accept-ranges"], "bytes");
    assert_eq!(
        headers["content-disposition"],
        "inline; filename=\"c1@pbx.wav\""
    );
    assert_eq!(headers["cache-control"], "private, no-store");
    let (status, headers, _) = fetch(
        &f,
        "GET",
        &format!("{own}?download=1"),
        Some(&f.admin_a),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        headers["content-disposition"],
        "attachment; filename=\"c1@pbx.wav\""
    );
    let (status, _, body) = fetch(
        &f,
        "GET",
        &format!("{own}?download=yes"),
        Some(&f.admin_a),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(json_of(&body)["field"], "download");
    let (status, headers, body) = fetch(&f, "HEAD", &own, Some(&f.admin_a), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-length"], audio.len().to_string().as_str());
    assert!(body.is_empty());

    // A tenant user: its own call (caller or callee), not another's (404, as if absent).
    let (status, _, body) = fetch(&f, "GET", &own, Some(&f.user_a), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, audio);
    let (status, _, _) = fetch(&f, "GET", &others, Some(&f.admin_a), None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, body) = fetch(&f, "GET", &others, Some(&f.user_a), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(json_of(&body)["error"], "not_found");
    record(&f, "a.example", "to-carol", "+4930123", "1000", &wav(10)).await;
    let (status, _, _) = fetch(
        &f,
        "GET",
        &format!("{A}/cdrs/to-carol/recording"),
        Some(&f.user_a),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    // Another tenant's admin: 404 for the tenant, and for the call under its own tenant.
    allow(&f, "b.example", true).await;
    let (status, _, _) = fetch(&f, "GET", &own, Some(&f.admin_b), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = fetch(
        &f,
        "GET",
        "/api/v1/tenants/b.example/cdrs/c1%40pbx/recording",
        Some(&f.admin_b),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = fetch(&f, "GET", &own, None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // No such call, a call without a recording, a recording whose file is gone: 404.
    let ts = f.tenant("a.example").await;
    ts.insert_cdrs(&[call("plain", "1000", "1001", None)])
        .await
        .unwrap();
    for id in ["nope", "plain"] {
        let (status, _, _) = fetch(
            &f,
            "GET",
            &format!("{A}/cdrs/{id}/recording"),
            Some(&f.admin_a),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{id}");
    }
    let stored = record(&f, "a.example", "gone", "1000", "1001", &wav(10)).await;
    std::fs::remove_file(f._dir.path().join(stored)).unwrap();
    let (status, _, body) = fetch(
        &f,
        "GET",
        &format!("{A}/cdrs/gone/recording"),
        Some(&f.admin_a),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(json_of(&body)["error"], "not_found");

    // Downloads turned off again: refused again.
    allow(&f, "a.example", false).await;
    let (status, _, _) = fetch(&f, "GET", &own, Some(&f.admin_a), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn range_requests_seek_within_the_file() {
    let f = Fixture::new().await;
    let audio = wav(4000);
    let len = audio.len();
    record(&f, "a.example", "c1", "1000", "1001", &audio).await;
    allow(&f, "a.example", true).await;
    let url = format!("{A}/cdrs/c1/recording");

    let (status, headers, body) =
        fetch(&f, "GET", &url, Some(&f.admin_a), Some("bytes=0-43")).await;
    assert_eq!(status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        headers["content-range"],
        format!("bytes 0-43/{len}").as_str()
    );
    assert_eq!(headers["content-length"], "44");
    assert_eq!(headers["content-type"], "audio/wav");
    assert_eq!(body, audio[..44]);

    let (status, headers, body) =
        fetch(&f, "GET", &url, Some(&f.admin_a), Some("bytes=1000-")).await;
    assert_eq!(status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        headers["content-range"],
        format!("bytes 1000-{}/{len}", len - 1).as_str()
    );
    assert_eq!(body, audio[1000..]);

    let (status, _, body) = fetch(&f, "GET", &url, Some(&f.admin_a), Some("bytes=-10")).await;
    assert_eq!(status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(body, audio[len - 10..]);

    for range in [
        format!("bytes={len}-"),
        format!("bytes={}-{}", len + 10, len + 20),
        "bytes=0-1,10-11".to_owned(),
    ] {
        let (status, headers, body) = fetch(&f, "GET", &url, Some(&f.admin_a), Some(&range)).await;
        assert_eq!(status, StatusCode::RANGE_NOT_SATISFIABLE, "{range}");
        assert_eq!(
            headers["content-range"],
            format!("bytes */{len}").as_str(),
            "{range}"
        );
        assert_eq!(json_of(&body)["error"], "range_not_satisfiable", "{range}");
    }
}

#[tokio::test]
async fn stored_paths_outside_the_tenants_folder_are_never_opened() {
    let f = Fixture::new().await;
    allow(&f, "a.example", true).await;
    let a = f.tenant("a.example").await;
    let b = f.tenant("b.example").await;
    let (ida, idb) = (a.id().0, b.id().0);
    // A file of tenant B, and one at the data directory's root.
    let secret = b"RIFF-secret-of-b".to_vec();
    let b_file = format!("recordings/{idb}/x.wav");
    let full = f._dir.path().join(&b_file);
    std::fs::create_dir_all(full.parent().unwrap()).unwrap();
    std::fs::write(&full, &secret).unwrap();
    std::fs::write(f._dir.path().join("top.wav"), &secret).unwrap();
    std::fs::create_dir_all(f._dir.path().join(format!("recordings/{ida}"))).unwrap();
    let absolute = full.to_string_lossy().into_owned();
    let escapes = [
        format!("recordings/{ida}/../{idb}/x.wav"),
        format!("recordings/{ida}/../../top.wav"),
        b_file.clone(),
        absolute,
        "../top.wav".to_owned(),
        format!("recordings/{ida}/../../vpbx.db"),
    ];
    let calls: Vec<NewCdr> = escapes
        .iter()
        .enumerate()
        .map(|(i, path)| call(&format!("evil{i}"), "1000", "1001", Some((path, 16))))
        .collect();
    a.insert_cdrs(&calls).await.unwrap();
    for (i, path) in escapes.iter().enumerate() {
        for token in [&f.admin_a, &f.root] {
            let (status, _, body) = fetch(
                &f,
                "GET",
                &format!("{A}/cdrs/evil{i}/recording"),
                Some(token),
                None,
            )
            .await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
            assert_ne!(body, secret, "{path}");
            assert_eq!(json_of(&body)["error"], "not_found", "{path}");
        }
    }
    // A symlink inside the tenant's folder that points out of it is not followed.
    let link = format!("recordings/{ida}/link.wav");
    std::os::unix::fs::symlink(&full, f._dir.path().join(&link)).unwrap();
    a.insert_cdrs(&[call("link", "1000", "1001", Some((&link, 16)))])
        .await
        .unwrap();
    let (status, _, body) = fetch(
        &f,
        "GET",
        &format!("{A}/cdrs/link/recording"),
        Some(&f.admin_a),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_ne!(body, secret);
}

#[tokio::test]
async fn the_openapi_document_lists_the_new_paths() {
    let f = Fixture::new().await;
    let r = f.call("GET", "/api/v1/openapi.json", None, None).await;
    assert_eq!(r.status, StatusCode::OK);
    let paths = &r.body["paths"];
    let media = &paths["/api/v1/tenants/{domain}/options/media"];
    assert!(
        media["get"].is_object() && media["put"].is_object(),
        "{media}"
    );
    assert!(paths["/api/v1/tenants/{domain}/cdrs/{call_id}/recording"]["get"].is_object());
}
