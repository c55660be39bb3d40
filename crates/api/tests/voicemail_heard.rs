//! Marking voicemail messages heard or new: `PATCH
//! /api/v1/tenants/{domain}/voicemail/{ext}/messages/{id}` (validation naming the field,
//! who may mark what, the box's new/old counts and the change feed moving, the OpenAPI
//! document) and the cabinet's "Mark heard"/"Mark new" buttons (CSRF, a tenant user in its
//! own box only).

mod common;

use axum::http::StatusCode;
use common::Fixture;
use serde_json::json;
use vpbx_store::{NewUser, NewVoicemail, TenantStore};

const BASE: &str = "/api/v1/tenants/a.example";
const T: &str = "/t/a.example";

/// Extensions 1000 and 1001 of a.example with a box each and one message each (rows
/// only); the tenant's store and the two message ids.
async fn setup(f: &Fixture) -> (TenantStore, i64, i64) {
    let ts = f.tenant("a.example").await;
    let mut ids = Vec::new();
    for ext in ["1000", "1001"] {
        let user = NewUser {
            extension: ext.parse().unwrap(),
            name: None,
            email: None,
            ha1_md5: "0".repeat(32),
            ha1_sha256: "0".repeat(64),
            call_limit: None,
            busy_level: None,
        };
        ts.add_user(&user, 1).await.unwrap();
        ts.set_voicemail_box(&vpbx_store::VoicemailBox::new(ext.parse().unwrap()))
            .await
            .unwrap();
        let m = NewVoicemail {
            extension: ext.parse().unwrap(),
            caller: "+74951234567".into(),
            call_id: format!("call-{ext}"),
            path: format!("voicemail/{}/{ext}/1.wav", ts.id()),
            duration_ms: 2000,
            bytes: 44,
            created_at: 1_700_000_000_000,
        };
        ids.push(ts.add_voicemail(&m).await.unwrap().id);
    }
    (ts, ids[0], ids[1])
}

/// `(new, old)` of box `ext` as the API shows it to the platform admin.
async fn counts(f: &Fixture, ext: &str) -> (u64, u64) {
    let r = f
        .call(
            "GET",
            &format!("{BASE}/voicemail/{ext}"),
            Some(&f.root),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    (
        r.body["new"].as_u64().unwrap(),
        r.body["old"].as_u64().unwrap(),
    )
}

#[tokio::test]
async fn messages_are_marked_heard_and_new_over_the_api() {
    let f = Fixture::new().await;
    let (_ts, m1000, m1001) = setup(&f).await;
    let uri = format!("{BASE}/voicemail/1000/messages/{m1000}");
    assert_eq!(counts(&f, "1000").await, (1, 0));

    let seq = f.store.change_seq().await.unwrap();
    let r = f
        .call(
            "PATCH",
            &uri,
            Some(&f.admin_a),
            Some(json!({"heard": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["id"], m1000);
    assert_eq!(r.body["heard"], true);
    assert_eq!(r.body["extension"], "1000");
    assert!(
        f.store.change_seq().await.unwrap() > seq,
        "the running server is told"
    );
    assert_eq!(counts(&f, "1000").await, (0, 1));
    let r = f
        .call(
            "GET",
            &format!("{BASE}/voicemail/1000/messages"),
            Some(&f.admin_a),
            None,
        )
        .await;
    assert_eq!(r.body["items"][0]["heard"], true, "{:?}", r.body);

    // The box's owner marks its own messages; not another box's, nor another tenant's.
    let r = f
        .call(
            "PATCH",
            &uri,
            Some(&f.user_a),
            Some(json!({"heard": false})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["heard"], false);
    assert_eq!(counts(&f, "1000").await, (1, 0));
    let other = format!("{BASE}/voicemail/1001/messages/{m1001}");
    let r = f
        .call(
            "PATCH",
            &other,
            Some(&f.user_a),
            Some(json!({"heard": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{:?}", r.body);
    let r = f
        .call(
            "PATCH",
            &uri,
            Some(&f.admin_b),
            Some(json!({"heard": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{:?}", r.body);
    let r = f
        .call(
            "PATCH",
            &format!("/api/v1/tenants/b.example/voicemail/1000/messages/{m1000}"),
            Some(&f.root),
            Some(json!({"heard": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{:?}", r.body);
    let r = f
        .call("PATCH", &uri, None, Some(json!({"heard": true})))
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(counts(&f, "1001").await, (1, 0));
    assert_eq!(counts(&f, "1000").await, (1, 0));

    // A message of another extension, an unknown one: 404.
    for wrong in [
        format!("{BASE}/voicemail/1001/messages/{m1000}"),
        format!("{BASE}/voicemail/1000/messages/99999"),
    ] {
        let r = f
            .call(
                "PATCH",
                &wrong,
                Some(&f.admin_a),
                Some(json!({"heard": true})),
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{wrong}: {:?}", r.body);
    }

    // Validation names the field.
    for (body, field) in [
        (json!({}), "heard"),
        (json!({"heard": "yes"}), "heard"),
        (json!({"heard": true, "seen": 1}), "seen"),
    ] {
        let r = f.call("PATCH", &uri, Some(&f.admin_a), Some(body)).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{:?}", r.body);
        assert_eq!(r.body["field"], field, "{:?}", r.body);
    }
    let r = f
        .call(
            "PATCH",
            &format!("{BASE}/voicemail/1000/messages/x"),
            Some(&f.admin_a),
            Some(json!({"heard": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.body["field"], "id");
    assert_eq!(counts(&f, "1000").await, (1, 0));

    let doc = f.call("GET", "/api/v1/openapi.json", None, None).await;
    let op = &doc.body["paths"]["/api/v1/tenants/{domain}/voicemail/{ext}/messages/{id}"]["patch"];
    assert!(op.is_object(), "PATCH is documented");
    assert!(op["requestBody"].is_object());
    assert!(doc.body["components"]["schemas"]["MessagePatch"]["properties"]["heard"].is_object());
}

#[tokio::test]
async fn the_cabinet_marks_messages_heard_and_new() {
    let f = Fixture::new().await;
    let (ts, m1000, m1001) = setup(&f).await;
    let alice = f.web_login("alice").await;
    let page = f.page(&format!("{T}/voicemail/1000"), Some(&alice)).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains("<strong>new</strong>"), "{html}");
    assert!(html.contains(&format!(
        r#"action="{T}/voicemail/1000/messages/{m1000}/heard""#
    )));
    assert!(html.contains("Mark heard") && !html.contains("Mark new"));
    let token = f.csrf(&format!("{T}/voicemail/1000"), &alice).await;
    let mark = format!("{T}/voicemail/1000/messages/{m1000}/heard");

    // Without the session's form token nothing changes.
    for body in ["heard=1".to_owned(), "csrf=zz&heard=1".to_owned()] {
        let r = f.post_form(&mark, Some(&alice), &body).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{body}");
    }
    assert_eq!(counts(&f, "1000").await, (1, 0));

    let r = f
        .post_form(&mark, Some(&alice), &format!("csrf={token}&heard=1"))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(r.location(), format!("{T}/voicemail/1000"));
    assert_eq!(counts(&f, "1000").await, (0, 1));
    let page = f.page(&format!("{T}/voicemail/1000"), Some(&alice)).await;
    assert!(page.text().contains("Mark new"), "{}", page.text());
    let list = f.page(&format!("{T}/voicemail"), Some(&alice)).await;
    assert!(
        list.text().contains("<td>0</td><td>1</td>"),
        "{}",
        list.text()
    );
    let r = f
        .post_form(&mark, Some(&alice), &format!("csrf={token}&heard=0"))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(counts(&f, "1000").await, (1, 0));
    let r = f
        .post_form(
            &format!("{T}/voicemail/1000/messages/99999/heard"),
            Some(&alice),
            &format!("csrf={token}&heard=1"),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // The box's owner marks in its own box, and only there; another tenant's admin: 404.
    let carol = f.web_login("carol").await;
    let page = f.page(&format!("{T}/voicemail/1000"), Some(&carol)).await;
    assert!(page.text().contains("Mark heard"), "{}", page.text());
    let token = f.csrf(&format!("{T}/voicemail/1000"), &carol).await;
    let r = f
        .post_form(&mark, Some(&carol), &format!("csrf={token}&heard=1"))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert!(ts.list_voicemail(&"1000".parse().unwrap()).await.unwrap()[0].heard);
    let r = f
        .post_form(
            &format!("{T}/voicemail/1001/messages/{m1001}/heard"),
            Some(&carol),
            &format!("csrf={token}&heard=1"),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let bob = f.web_login("bob").await;
    let token = f.csrf("/tokens", &bob).await;
    let r = f
        .post_form(&mark, Some(&bob), &format!("csrf={token}&heard=0"))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(counts(&f, "1000").await, (0, 1));
    assert_eq!(counts(&f, "1001").await, (1, 0));
}
