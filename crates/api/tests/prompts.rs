//! `/api/v1/tenants/{domain}/prompts` (issue 5 item 2): upload a WAV file or synthesize
//! text, list, download the converted 8 kHz mono WAV, delete; tenant isolation; the 20 MB
//! body limit applies to the prompt upload only.

mod common;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use common::{Fixture, Reply};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::path::PathBuf;
use tower::ServiceExt;

/// A 16-bit PCM WAV file of a 440 Hz tone.
fn wav(rate: u32, channels: u16, millis: u32) -> Vec<u8> {
    let frames = u32::try_from(u64::from(rate) * u64::from(millis) / 1000).unwrap();
    let data_len = frames * u32::from(channels) * 2;
    let mut b = Vec::with_capacity(44 + data_len as usize);
    b.extend_from_slice(b"RIFF");
    b.extend_from_slice(&(36 + data_len).to_le_bytes());
    b.extend_from_slice(b"WAVEfmt ");
    b.extend_from_slice(&16u32.to_le_bytes());
    b.extend_from_slice(&1u16.to_le_bytes());
    b.extend_from_slice(&channels.to_le_bytes());
    b.extend_from_slice(&rate.to_le_bytes());
    b.extend_from_slice(&(rate * u32::from(channels) * 2).to_le_bytes());
    b.extend_from_slice(&(channels * 2).to_le_bytes());
    b.extend_from_slice(&16u16.to_le_bytes());
    b.extend_from_slice(b"data");
    b.extend_from_slice(&data_len.to_le_bytes());
    for i in 0..frames {
        let t = f64::from(i) / f64::from(rate);
        let v = ((t * 440.0 * std::f64::consts::TAU).sin() * 8000.0) as i16;
        for _ in 0..channels {
            b.extend_from_slice(&v.to_le_bytes());
        }
    }
    b
}

/// (rate, channels, bits, duration ms) of a canonical 44-byte-header WAV file.
fn format(b: &[u8]) -> (u32, u16, u16, u32) {
    assert_eq!(&b[..4], b"RIFF");
    let le16 = |at: usize| u16::from_le_bytes([b[at], b[at + 1]]);
    let le32 = |at: usize| u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]);
    assert_eq!(&b[36..40], b"data");
    let (channels, rate, bits) = (le16(22), le32(24), le16(34));
    let frames = le32(40) / (u32::from(channels) * u32::from(bits / 8));
    (rate, channels, bits, frames * 1000 / rate)
}

/// Sends `body` with `content_type` (and its Content-Length) as `token`; returns the reply
/// and the raw response bytes.
async fn raw(
    f: &Fixture,
    method: &str,
    uri: &str,
    token: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> (Reply, Vec<u8>) {
    let mut req = Request::builder()
        .method(method)
        .uri(uri)
        .header("authorization", format!("Bearer {token}"))
        .header("content-length", body.len());
    if let Some(ct) = content_type {
        req = req.header("content-type", ct);
    }
    let mut req = req.body(Body::from(body)).unwrap();
    let addr: SocketAddr = "192.0.2.10:40000".parse().unwrap();
    req.extensions_mut().insert(ConnectInfo(addr));
    let res = f.app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    let body = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    (
        Reply {
            status,
            headers,
            body,
        },
        bytes,
    )
}

/// The stored file of prompt `name` of tenant `domain`.
async fn file(f: &Fixture, domain: &str, name: &str) -> PathBuf {
    let id = f.tenant(domain).await.id();
    f._dir
        .path()
        .join(format!("tenants/{}/prompts/{name}.wav", id.0))
}

const A: &str = "/api/v1/tenants/a.example/prompts";
const B: &str = "/api/v1/tenants/b.example/prompts";

#[tokio::test]
async fn upload_list_download_replace_delete() {
    let f = Fixture::new().await;
    // 1.5 s of 44.1 kHz stereo: about 260 KB, far over the global 64 KiB limit.
    let source = wav(44_100, 2, 1500);
    assert!(source.len() > 64 * 1024);
    let (r, _) = raw(
        &f,
        "PUT",
        &format!("{A}/welcome"),
        &f.admin_a,
        Some("audio/wav"),
        source,
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["name"], "welcome");
    assert_eq!(r.body["source"], "upload");
    assert_eq!(r.body["text"], Value::Null);
    let ms = r.body["duration_ms"].as_u64().unwrap();
    assert!(ms.abs_diff(1500) <= 20, "{ms}");
    let path = file(&f, "a.example", "welcome").await;
    let stored = std::fs::read(&path).unwrap();
    assert_eq!(r.body["bytes"].as_u64(), Some(stored.len() as u64));

    let (r, wav_out) = raw(&f, "GET", &format!("{A}/welcome"), &f.admin_a, None, vec![]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers["content-type"], "audio/wav");
    assert_eq!(wav_out, stored);
    let (rate, channels, bits, ms) = format(&wav_out);
    assert_eq!((rate, channels, bits), (8000, 1, 16));
    assert!(ms.abs_diff(1500) <= 20, "{ms}");
    // A tenant user (read-only, its own CDRs only) may not.
    let (r, _) = raw(&f, "GET", &format!("{A}/welcome"), &f.user_a, None, vec![]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // Same name again: replaced (200), x-wav accepted, 16 kHz mono.
    let (r, _) = raw(
        &f,
        "PUT",
        &format!("{A}/welcome"),
        &f.admin_a,
        Some("audio/x-wav"),
        wav(16_000, 1, 700),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body["duration_ms"].as_u64().unwrap().abs_diff(700) <= 20);

    let r = f.call("GET", A, Some(&f.admin_a), None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["total"], 1);
    assert_eq!(r.body["items"][0]["name"], "welcome");
    let r = f
        .call("GET", &format!("{A}?limit=0"), Some(&f.admin_a), None)
        .await;
    assert_eq!(r.body["field"], "limit");

    let r = f
        .call("DELETE", &format!("{A}/welcome"), Some(&f.admin_a), None)
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert!(!path.exists());
    let r = f
        .call("DELETE", &format!("{A}/welcome"), Some(&f.admin_a), None)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = f
        .call("GET", &format!("{A}/welcome"), Some(&f.admin_a), None)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = f.call("GET", A, Some(&f.admin_a), None).await;
    assert_eq!(r.body["total"], 0);
}

#[tokio::test]
async fn say_synthesizes_text_and_checks_text_and_voice() {
    let f = Fixture::new().await;
    let body = json!({"say": "Thank you for calling.", "voice": "en"});
    let r = f
        .call("PUT", &format!("{A}/thanks"), Some(&f.admin_a), Some(body))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["source"], "tts");
    assert_eq!(r.body["text"], "Thank you for calling.");
    assert_eq!(r.body["voice"], "en");
    assert!(r.body["duration_ms"].as_u64().unwrap() > 500);
    let stored = std::fs::read(file(&f, "a.example", "thanks").await).unwrap();
    assert_eq!(format(&stored).0, 8000);

    let r = f
        .call(
            "PUT",
            &format!("{A}/privet"),
            Some(&f.admin_a),
            Some(json!({"say": "Привет", "voice": "ru"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = f
        .call(
            "PUT",
            &format!("{A}/hi"),
            Some(&f.admin_a),
            Some(json!({"say": "Hi"})),
        )
        .await;
    assert_eq!(r.body["voice"], "en");

    let cases = [
        (json!({"say": "hi", "voice": "zz-nope"}), "voice"),
        (json!({"say": "hi", "voice": "-w"}), "voice"),
        (json!({"say": ""}), "say"),
        (json!({"say": "a".repeat(2001)}), "say"),
        (json!({"say": "hi", "extra": 1}), "extra"),
        (json!({}), "say"),
    ];
    for (body, field) in cases {
        let r = f
            .call(
                "PUT",
                &format!("{A}/x"),
                Some(&f.admin_a),
                Some(body.clone()),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}: {}", r.body);
        assert_eq!(r.body["field"], field, "{body}: {}", r.body);
    }
    let r = f.call("GET", A, Some(&f.admin_a), None).await;
    assert_eq!(r.body["total"], 3);
}

#[tokio::test]
async fn bad_uploads_are_refused_naming_the_reason() {
    let f = Fixture::new().await;
    let good = wav(8000, 1, 500);
    let cases: [(&str, Vec<u8>, &str, &str); 6] = [
        ("audio/wav", b"hello".to_vec(), "body", "not a WAV file"),
        (
            "audio/wav",
            good[..100].to_vec(),
            "body",
            "corrupt WAV file",
        ),
        ("audio/wav", good[..44].to_vec(), "body", "corrupt WAV file"),
        ("audio/wav", wav(8000, 1, 0), "body", "no samples"),
        ("text/plain", good.clone(), "content-type", "audio/wav"),
        ("audio/wav", good.clone(), "name", "a-z"),
    ];
    for (i, (ct, body, field, reason)) in cases.into_iter().enumerate() {
        let name = if field == "name" { "Bad.Name" } else { "x" };
        let (r, _) = raw(
            &f,
            "PUT",
            &format!("{A}/{name}"),
            &f.admin_a,
            Some(ct),
            body,
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "case {i}: {}", r.body);
        assert_eq!(r.body["field"], field, "case {i}: {}", r.body);
        let message = r.body["message"].as_str().unwrap();
        assert!(message.contains(reason), "case {i}: {message}");
    }
    // Over 10 minutes (8 kHz mono 16-bit: 9.6 MB, under the 20 MB limit).
    let (r, _) = raw(
        &f,
        "PUT",
        &format!("{A}/x"),
        &f.admin_a,
        Some("audio/wav"),
        wav(8000, 1, 601_000),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body["message"]
        .as_str()
        .unwrap()
        .contains("limited to 10 minutes"));
    // Over 20 MB: refused before the handler runs, as JSON.
    let mut huge = good.clone();
    huge.resize(20 * 1024 * 1024 + 1, 0);
    let (r, _) = raw(
        &f,
        "PUT",
        &format!("{A}/x"),
        &f.admin_a,
        Some("audio/wav"),
        huge,
    )
    .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(r.body, json!({"error": "too_large"}));
    // Nothing was stored.
    let r = f.call("GET", A, Some(&f.admin_a), None).await;
    assert_eq!(r.body["total"], 0);
    let dir = file(&f, "a.example", "x").await;
    let left: Vec<_> = std::fs::read_dir(dir.parent().unwrap())
        .map(|d| d.map(|e| e.unwrap().file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "{left:?}");
}

#[tokio::test]
async fn the_large_body_limit_is_for_the_prompt_upload_only() {
    let f = Fixture::new().await;
    let big = wav(44_100, 1, 1000); // 88 KB
    assert!(big.len() > 64 * 1024);
    let (r, _) = raw(
        &f,
        "PUT",
        &format!("{A}/big"),
        &f.admin_a,
        Some("audio/wav"),
        big.clone(),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // The same body anywhere else, prompt GET/DELETE included, is over the 64 KiB limit.
    let others = [
        ("PUT", "/api/v1/tenants/a.example/users/1000"),
        ("PUT", "/api/v1/tenants/a.example/trunks/t1"),
        ("DELETE", "/api/v1/tenants/a.example/prompts/big"),
        ("GET", "/api/v1/tenants/a.example/prompts/big"),
        ("POST", "/api/v1/tokens"),
    ];
    for (method, uri) in others {
        let (r, _) = raw(&f, method, uri, &f.admin_a, Some("audio/wav"), big.clone()).await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{method} {uri}");
        assert_eq!(r.body, json!({"error": "too_large"}), "{method} {uri}");
    }
    let r = f.call("GET", A, Some(&f.admin_a), None).await;
    assert_eq!(r.body["total"], 1);
}

#[tokio::test]
async fn tenants_see_only_their_own_prompts() {
    let f = Fixture::new().await;
    let (r, _) = raw(
        &f,
        "PUT",
        &format!("{B}/menu"),
        &f.admin_b,
        Some("audio/wav"),
        wav(8000, 1, 300),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED);
    // Admin of a.example: every prompt route of b.example is 404, like the tenant itself.
    let r = f.call("GET", B, Some(&f.admin_a), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let (r, _) = raw(&f, "GET", &format!("{B}/menu"), &f.admin_a, None, vec![]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let (r, _) = raw(
        &f,
        "PUT",
        &format!("{B}/menu"),
        &f.admin_a,
        Some("audio/wav"),
        wav(8000, 1, 300),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = f
        .call("DELETE", &format!("{B}/menu"), Some(&f.admin_a), None)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // Nor through its own tenant: a.example has no prompt "menu".
    let (r, _) = raw(&f, "GET", &format!("{A}/menu"), &f.admin_a, None, vec![]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // b's prompt is intact; the platform admin sees it.
    let r = f.call("GET", B, Some(&f.root), None).await;
    assert_eq!(r.body["total"], 1);
    assert!(file(&f, "b.example", "menu").await.exists());

    // Deleting the tenant removes its prompt files.
    let dir = file(&f, "b.example", "menu").await;
    let tenant_dir = dir.parent().unwrap().parent().unwrap().to_owned();
    let r = f
        .call("DELETE", "/api/v1/tenants/b.example", Some(&f.root), None)
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert!(!tenant_dir.exists());
}

#[tokio::test]
async fn openapi_documents_the_prompt_routes() {
    let f = Fixture::new().await;
    let r = f.call("GET", "/api/v1/openapi.json", None, None).await;
    let paths = &r.body["paths"];
    let one = &paths["/api/v1/tenants/{domain}/prompts/{name}"];
    for method in ["get", "put", "delete"] {
        assert!(one[method].is_object(), "{method}");
    }
    let content = &one["put"]["requestBody"]["content"];
    assert!(content["audio/wav"].is_object() && content["application/json"].is_object());
    assert!(paths["/api/v1/tenants/{domain}/prompts"]["get"].is_object());
}
