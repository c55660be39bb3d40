//! `/tenants/{domain}/voicemail` (boxes and messages), `/tenants/{domain}/options/moh` and
//! the field paths of IVR menu bodies over the API: every endpoint, its validation naming
//! the field, and who may do what (no auth 401, another tenant 404, a tenant user only its
//! own box, read-only).

mod common;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use common::Fixture;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use std::net::SocketAddr;
use tower::ServiceExt;
use vpbx_store::{NewPrompt, NewUser, NewVoicemail, PromptSource, TenantStore};

const BASE: &str = "/api/v1/tenants/a.example";

/// Users 1000 (with an e-mail address) and 1001 and prompt `greet` (a row only) in
/// a.example; its store.
async fn setup(f: &Fixture) -> TenantStore {
    let ts = f.tenant("a.example").await;
    for (ext, email) in [("1000", Some("carol@a.example")), ("1001", None)] {
        let user = NewUser {
            extension: ext.parse().unwrap(),
            name: None,
            email: email.map(|e| e.parse().unwrap()),
            ha1_md5: "0".repeat(32),
            ha1_sha256: "0".repeat(64),
            call_limit: None,
            busy_level: None,
        };
        ts.add_user(&user, 1).await.unwrap();
    }
    let prompt = NewPrompt {
        name: "greet".parse().unwrap(),
        duration_ms: 1000,
        bytes: 16_044,
        source: PromptSource::Upload,
    };
    ts.put_prompt(&prompt, false, 1, || Ok(())).await.unwrap();
    ts
}

/// Stores a message of `ext` whose file (`bytes`) lies at `path` under the data directory.
async fn message(f: &Fixture, ts: &TenantStore, ext: &str, path: &str, bytes: &[u8]) -> i64 {
    let file = f._dir.path().join(path);
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, bytes).unwrap();
    let m = NewVoicemail {
        extension: ext.parse().unwrap(),
        caller: "+74951234567".into(),
        call_id: format!("call-{path}"),
        path: path.into(),
        duration_ms: 2000,
        bytes: bytes.len() as u64,
        created_at: 1_700_000_000_000,
    };
    ts.add_voicemail(&m).await.unwrap().id
}

/// GETs `uri` as `token` with extra `headers`; status, headers and raw body.
async fn get_raw(
    f: &Fixture,
    uri: &str,
    token: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let mut req = Request::builder()
        .uri(uri)
        .header("authorization", format!("Bearer {token}"));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let mut req = req.body(Body::empty()).unwrap();
    let addr: SocketAddr = "192.0.2.10:40000".parse().unwrap();
    req.extensions_mut().insert(ConnectInfo(addr));
    let res = f.app.clone().oneshot(req).await.unwrap();
    let (status, headers) = (res.status(), res.headers().clone());
    let bytes = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    (status, headers, bytes)
}

/// Asserts `r` is a 400 naming `field`.
fn names(r: &common::Reply, field: &str) {
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{field}: {:?}", r.body);
    assert_eq!(r.body["field"], field, "{:?}", r.body);
}

#[tokio::test]
async fn boxes_are_put_read_listed_validated_and_removed() {
    let f = Fixture::new().await;
    setup(&f).await;
    let alice = Some(f.admin_a.as_str());
    let uri = format!("{BASE}/voicemail/1000");

    let r = f.call("GET", &uri, alice, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{:?}", r.body);
    let r = f.call("PUT", &uri, alice, Some(json!({}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    assert_eq!(
        r.body,
        json!({"extension": "1000", "enabled": true, "email": null,
            "mail_to": "carol@a.example", "greeting": null, "delete_after_send": false,
            "max_seconds": 120, "new": 0, "old": 0})
    );
    let full = json!({"enabled": false, "email": "vm@a.example", "greeting": "greet",
        "delete_after_send": true, "max_seconds": 60});
    let r = f.call("PUT", &uri, alice, Some(full.clone())).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let r = f.call("PUT", &uri, alice, Some(full)).await;
    assert_eq!(r.status, StatusCode::OK, "idempotent: {:?}", r.body);
    let r = f.call("GET", &uri, alice, None).await;
    assert_eq!(r.body["mail_to"], "vm@a.example", "{:?}", r.body);
    assert_eq!(r.body["greeting"], "greet");
    assert_eq!(r.body["max_seconds"], 60);
    assert_eq!(r.body["enabled"], false);
    let r = f
        .call(
            "PUT",
            &format!("{BASE}/voicemail/1001"),
            alice,
            Some(json!({})),
        )
        .await;
    assert_eq!(r.body["mail_to"], Value::Null, "{:?}", r.body);
    let r = f
        .call("GET", &format!("{BASE}/voicemail"), alice, None)
        .await;
    assert_eq!(r.body["total"], 2, "{:?}", r.body);
    assert_eq!(r.body["items"][0]["extension"], "1000");

    for (body, field) in [
        (json!({"max_seconds": 4}), "max_seconds"),
        (json!({"max_seconds": 9999}), "max_seconds"),
        (json!({"max_seconds": "long"}), "max_seconds"),
        (json!({"greeting": "nope"}), "greeting"),
        (json!({"greeting": "Bad Name"}), "greeting"),
        (json!({"email": "not-an-address"}), "email"),
        (json!({"enabled": "yes"}), "enabled"),
        (json!({"bogus": 1}), "bogus"),
    ] {
        let r = f.call("PUT", &uri, alice, Some(body.clone())).await;
        names(&r, field);
    }
    let r = f.call("GET", &uri, alice, None).await;
    assert_eq!(r.body["max_seconds"], 60, "refused bodies change nothing");
    let r = f
        .call(
            "PUT",
            &format!("{BASE}/voicemail/x1"),
            alice,
            Some(json!({})),
        )
        .await;
    names(&r, "extension");
    let r = f
        .call(
            "PUT",
            &format!("{BASE}/voicemail/1999"),
            alice,
            Some(json!({})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{:?}", r.body);

    assert_eq!(
        f.call("DELETE", &uri, alice, None).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        f.call("GET", &uri, alice, None).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        f.call("DELETE", &uri, alice, None).await.status,
        StatusCode::NOT_FOUND
    );
    let root = Some(f.root.as_str());
    assert_eq!(
        f.call("GET", &format!("{BASE}/voicemail/1001"), root, None)
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn messages_are_listed_streamed_confined_and_deleted() {
    let f = Fixture::new().await;
    let ts = setup(&f).await;
    let t = ts.id().0;
    let alice = f.admin_a.as_str();
    let wav = b"RIFF0000WAVEfmt data-of-the-message".to_vec();
    let id = message(&f, &ts, "1000", &format!("voicemail/{t}/1000/m1.wav"), &wav).await;
    // A path the store accepts but outside the tenant's voicemail folder is never opened.
    let stray = message(&f, &ts, "1000", &format!("recordings/{t}/x.wav"), &wav).await;
    let other = message(&f, &ts, "1001", &format!("voicemail/{t}/1001/m2.wav"), &wav).await;

    let r = f
        .call(
            "GET",
            &format!("{BASE}/voicemail/1000/messages"),
            Some(alice),
            None,
        )
        .await;
    assert_eq!(r.body["total"], 2, "{:?}", r.body);
    let first = &r.body["items"][1];
    assert_eq!(first["id"], id);
    assert_eq!(first["has_audio"], true);
    assert_eq!(first["caller"], "+74951234567");
    assert!(first.get("path").is_none(), "no file path shown: {first}");

    let audio = format!("{BASE}/voicemail/1000/messages/{id}/audio");
    let (status, headers, bytes) = get_raw(&f, &audio, alice, &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "audio/wav");
    assert!(headers["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("inline"));
    assert_eq!(bytes, wav);
    let (status, headers, bytes) = get_raw(&f, &audio, alice, &[("range", "bytes=0-3")]).await;
    assert_eq!(status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(bytes, b"RIFF");
    assert!(headers["content-range"]
        .to_str()
        .unwrap()
        .starts_with("bytes 0-3/"));
    let (_, headers, _) = get_raw(&f, &format!("{audio}?download=1"), alice, &[]).await;
    assert!(headers["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    let r = f
        .call("GET", &format!("{audio}?download=maybe"), Some(alice), None)
        .await;
    names(&r, "download");
    let r = f
        .call(
            "GET",
            &format!("{BASE}/voicemail/1000/messages/abc/audio"),
            Some(alice),
            None,
        )
        .await;
    names(&r, "id");
    for missing in [
        format!("{BASE}/voicemail/1000/messages/{stray}/audio"),
        format!("{BASE}/voicemail/1000/messages/{other}/audio"),
        format!("{BASE}/voicemail/1000/messages/99999/audio"),
    ] {
        let r = f.call("GET", &missing, Some(alice), None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{missing}: {:?}", r.body);
    }

    // Mailed and deleted: the audio is gone, the message stays listed.
    ts.voicemail_emailed(other, 5, true).await.unwrap();
    let r = f
        .call(
            "GET",
            &format!("{BASE}/voicemail/1001/messages"),
            Some(alice),
            None,
        )
        .await;
    assert_eq!(r.body["items"][0]["has_audio"], false, "{:?}", r.body);

    let file = f._dir.path().join(format!("voicemail/{t}/1000/m1.wav"));
    let uri = format!("{BASE}/voicemail/1000/messages/{id}");
    assert_eq!(
        f.call("DELETE", &uri, Some(alice), None).await.status,
        StatusCode::NO_CONTENT
    );
    assert!(!file.exists(), "the file goes with the message");
    assert_eq!(
        f.call("DELETE", &uri, Some(alice), None).await.status,
        StatusCode::NOT_FOUND
    );
    // The stray path is not deleted either: only files in the tenant's folder are.
    let stray_file = f._dir.path().join(format!("recordings/{t}/x.wav"));
    let uri = format!("{BASE}/voicemail/1000/messages/{stray}");
    assert_eq!(
        f.call("DELETE", &uri, Some(alice), None).await.status,
        StatusCode::NO_CONTENT
    );
    assert!(stray_file.exists());
}

#[tokio::test]
async fn roles_and_tenants_are_enforced() {
    let f = Fixture::new().await;
    let ts = setup(&f).await;
    let t = ts.id().0;
    let alice = Some(f.admin_a.as_str());
    for ext in ["1000", "1001"] {
        let r = f
            .call(
                "PUT",
                &format!("{BASE}/voicemail/{ext}"),
                alice,
                Some(json!({})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED);
    }
    let own = message(
        &f,
        &ts,
        "1000",
        &format!("voicemail/{t}/1000/a.wav"),
        b"RIFF",
    )
    .await;
    let theirs = message(
        &f,
        &ts,
        "1001",
        &format!("voicemail/{t}/1001/b.wav"),
        b"RIFF",
    )
    .await;

    let reads = [
        format!("{BASE}/voicemail"),
        format!("{BASE}/voicemail/1000"),
        format!("{BASE}/voicemail/1000/messages"),
        format!("{BASE}/voicemail/1000/messages/{own}/audio"),
        format!("{BASE}/options/moh"),
    ];
    // No credentials: 401 everywhere.
    for uri in &reads {
        assert_eq!(
            f.call("GET", uri, None, None).await.status,
            StatusCode::UNAUTHORIZED,
            "{uri}"
        );
    }
    let r = f
        .call(
            "PUT",
            &format!("{BASE}/voicemail/1000"),
            None,
            Some(json!({})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);

    // Another tenant's admin: 404 for everything, as if the tenant did not exist.
    let bob = Some(f.admin_b.as_str());
    for uri in &reads {
        assert_eq!(
            f.call("GET", uri, bob, None).await.status,
            StatusCode::NOT_FOUND,
            "{uri}"
        );
    }
    for (method, uri, body) in [
        ("PUT", format!("{BASE}/voicemail/1000"), Some(json!({}))),
        ("DELETE", format!("{BASE}/voicemail/1000"), None),
        (
            "DELETE",
            format!("{BASE}/voicemail/1000/messages/{own}"),
            None,
        ),
        (
            "PUT",
            format!("{BASE}/options/moh"),
            Some(json!({"prompt": null})),
        ),
    ] {
        let r = f.call(method, &uri, bob, body).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{method} {uri}");
    }

    // A tenant user (carol, extension 1000): its own box read-only, nothing else.
    let carol = Some(f.user_a.as_str());
    let r = f
        .call("GET", &format!("{BASE}/voicemail"), carol, None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["total"], 1, "only its own box: {:?}", r.body);
    assert_eq!(r.body["items"][0]["extension"], "1000");
    let r = f
        .call("GET", &format!("{BASE}/voicemail/1000"), carol, None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let (status, _, _) = get_raw(
        &f,
        &format!("{BASE}/voicemail/1000/messages/{own}/audio"),
        &f.user_a,
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    for uri in [
        format!("{BASE}/voicemail/1001"),
        format!("{BASE}/voicemail/1001/messages"),
        format!("{BASE}/voicemail/1001/messages/{theirs}/audio"),
    ] {
        assert_eq!(
            f.call("GET", &uri, carol, None).await.status,
            StatusCode::NOT_FOUND,
            "{uri}"
        );
    }
    for (method, uri, body) in [
        ("PUT", format!("{BASE}/voicemail/1000"), Some(json!({}))),
        ("DELETE", format!("{BASE}/voicemail/1000"), None),
        (
            "DELETE",
            format!("{BASE}/voicemail/1000/messages/{own}"),
            None,
        ),
        ("GET", format!("{BASE}/options/moh"), None),
        (
            "PUT",
            format!("{BASE}/options/moh"),
            Some(json!({"prompt": null})),
        ),
    ] {
        let r = f.call(method, &uri, carol, body).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{method} {uri}");
    }
}

#[tokio::test]
async fn music_on_hold_is_set_validated_and_turned_off() {
    let f = Fixture::new().await;
    let ts = setup(&f).await;
    let alice = Some(f.admin_a.as_str());
    let uri = format!("{BASE}/options/moh");
    let r = f.call("GET", &uri, alice, None).await;
    assert_eq!(r.body, json!({"prompt": null}), "{:?}", r.body);
    let r = f
        .call("PUT", &uri, alice, Some(json!({"prompt": "greet"})))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["prompt"], "greet");
    assert_eq!(ts.moh().await.unwrap().unwrap().as_str(), "greet");
    for body in [
        json!({"prompt": "nope"}),
        json!({"prompt": "Bad Name"}),
        json!({"prompt": 5}),
    ] {
        let r = f.call("PUT", &uri, alice, Some(body)).await;
        names(&r, "prompt");
    }
    names(&f.call("PUT", &uri, alice, Some(json!({}))).await, "prompt");
    names(
        &f.call("PUT", &uri, alice, Some(json!({"music": "greet"})))
            .await,
        "music",
    );
    assert_eq!(
        f.call("GET", &uri, alice, None).await.body["prompt"],
        "greet"
    );
    let r = f
        .call("PUT", &uri, alice, Some(json!({"prompt": null})))
        .await;
    assert_eq!(r.body, json!({"prompt": null}), "{:?}", r.body);
    assert_eq!(ts.moh().await.unwrap(), None);
    let root = Some(f.root.as_str());
    let r = f
        .call("PUT", &uri, root, Some(json!({"prompt": "greet"})))
        .await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn ivr_bodies_name_the_path_of_a_wrongly_typed_field() {
    let f = Fixture::new().await;
    let alice = Some(f.admin_a.as_str());
    let uri = format!("{BASE}/ivrs/main");
    for (body, field) in [
        (
            json!({"prompts": ["menu"], "timeout_secs": "x"}),
            "timeout_secs",
        ),
        (json!({"prompts": [1]}), "prompts[0]"),
        (
            json!({"prompts": ["menu"], "options": {"1": 5}}),
            "options.1",
        ),
        (
            json!({"prompts": ["menu"], "options": {"1": "dial:5"}}),
            "options.1",
        ),
        (json!({"prompts": ["menu"], "bogus": 1}), "bogus"),
        (json!({"timeout_secs": 5}), "prompts"),
    ] {
        let r = f.call("PUT", &uri, alice, Some(body.clone())).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}: {:?}", r.body);
        assert_eq!(r.body["field"], field, "{body}: {:?}", r.body);
    }
}

#[tokio::test]
async fn the_openapi_document_lists_the_new_paths() {
    let f = Fixture::new().await;
    let doc = f.call("GET", "/api/v1/openapi.json", None, None).await;
    for path in [
        "/api/v1/tenants/{domain}/voicemail",
        "/api/v1/tenants/{domain}/voicemail/{ext}",
        "/api/v1/tenants/{domain}/voicemail/{ext}/messages",
        "/api/v1/tenants/{domain}/voicemail/{ext}/messages/{id}",
        "/api/v1/tenants/{domain}/voicemail/{ext}/messages/{id}/audio",
        "/api/v1/tenants/{domain}/options/moh",
    ] {
        assert!(doc.body["paths"].get(path).is_some(), "{path}");
    }
    let vm = &doc.body["paths"]["/api/v1/tenants/{domain}/voicemail/{ext}"];
    assert!(vm.get("get").is_some() && vm.get("put").is_some() && vm.get("delete").is_some());
}
