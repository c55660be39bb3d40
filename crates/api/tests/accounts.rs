//! `/accounts` and `/tokens`: who may manage which accounts, tokens shown once and usable
//! at once, revocation, and `Idempotency-Key` retries of POST.

mod common;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use common::Fixture;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use std::net::SocketAddr;
use tower::ServiceExt;

#[tokio::test]
async fn tenant_admin_manages_only_its_own_tenant_accounts() {
    let f = Fixture::new().await;
    let (root, alice) = (Some(f.root.as_str()), Some(f.admin_a.as_str()));
    let body = json!({"role": "user", "tenant": "a.example", "extension": "1001", "password": "pass-word-9"});
    let r = f
        .call("PUT", "/api/v1/accounts/dave", alice, Some(body.clone()))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    assert_eq!(r.body["tenant"], "a.example");
    assert!(r.body.get("password").is_none());
    let again = f
        .call("PUT", "/api/v1/accounts/dave", alice, Some(body))
        .await;
    assert_eq!(again.status, StatusCode::OK);
    let moved = json!({"role": "admin", "tenant": "a.example", "password": "pass-word-9"});
    let r = f
        .call("PUT", "/api/v1/accounts/dave", alice, Some(moved))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);

    let list = f.call("GET", "/api/v1/accounts", alice, None).await;
    let names: Vec<&str> = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["alice", "carol", "dave"]);
    let all = f.call("GET", "/api/v1/accounts", root, None).await;
    assert_eq!(all.body["total"], 5);

    let other = json!({"role": "admin", "tenant": "b.example", "password": "pass-word-9"});
    let r = f
        .call("PUT", "/api/v1/accounts/eve", alice, Some(other))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let platform = json!({"role": "platform", "password": "pass-word-9"});
    let r = f
        .call("PUT", "/api/v1/accounts/eve", alice, Some(platform.clone()))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = f
        .call("PUT", "/api/v1/accounts/eve", root, Some(platform))
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let r = f
        .call(
            "PUT",
            "/api/v1/accounts/bob",
            alice,
            Some(json!({"role": "admin", "tenant": "a.example", "password": "pass-word-9"})),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::CONFLICT,
        "another tenant's name is taken"
    );

    assert_eq!(
        f.call("DELETE", "/api/v1/accounts/bob", alice, None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        f.call("DELETE", "/api/v1/accounts/alice", alice, None)
            .await
            .status,
        StatusCode::CONFLICT
    );
    assert_eq!(
        f.call("DELETE", "/api/v1/accounts/dave", alice, None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let user = Some(f.user_a.as_str());
    assert_eq!(
        f.call("GET", "/api/v1/accounts", user, None).await.status,
        StatusCode::FORBIDDEN
    );
    let r = f
        .call(
            "PUT",
            "/api/v1/accounts/x",
            alice,
            Some(json!({"role": "boss", "tenant": "a.example", "password": "pass-word-9"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.body["field"], "role");
    let r = f
        .call(
            "PUT",
            "/api/v1/accounts/x",
            alice,
            Some(json!({"role": "user", "tenant": "a.example", "password": "short"})),
        )
        .await;
    assert_eq!(r.body["field"], "password");
}

#[tokio::test]
async fn tokens_created_shown_once_work_and_revoke() {
    let f = Fixture::new().await;
    let alice = Some(f.admin_a.as_str());
    let r = f
        .call(
            "POST",
            "/api/v1/tokens",
            alice,
            Some(json!({"label": "crm"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let secret = r.body["secret"].as_str().unwrap().to_owned();
    let id = r.body["id"].as_i64().unwrap();
    let me = f.call("GET", "/api/v1/me", Some(&secret), None).await;
    assert_eq!(me.body["username"], "alice");
    let list = f.call("GET", "/api/v1/tokens", alice, None).await;
    assert_eq!(list.body["total"], 2);
    assert!(
        !list.body.to_string().contains(&secret),
        "never listed again"
    );

    let bob = Some(f.admin_b.as_str());
    let uri = format!("/api/v1/tokens/{id}");
    assert_eq!(
        f.call("DELETE", &uri, bob, None).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        f.call("GET", "/api/v1/tokens?account=alice", bob, None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let root = Some(f.root.as_str());
    let theirs = f
        .call("GET", "/api/v1/tokens?account=alice", root, None)
        .await;
    assert_eq!(theirs.body["total"], 2);
    assert_eq!(
        f.call("DELETE", &uri, alice, None).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        f.call("GET", "/api/v1/me", Some(&secret), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let r = f
        .call("POST", "/api/v1/tokens", alice, Some(json!({"label": ""})))
        .await;
    assert_eq!(r.body["field"], "label");
}

/// POSTs `body` to `uri` as `token` with an `Idempotency-Key`.
async fn post_with_key(
    f: &Fixture,
    uri: &str,
    token: &str,
    key: &str,
    body: Value,
) -> (StatusCode, Option<String>, Value) {
    let mut req = Request::builder()
        .method("POST")
        .uri(uri)
        .header("authorization", format!("Bearer {token}"))
        .header("idempotency-key", key)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let addr: SocketAddr = "192.0.2.10:40000".parse().unwrap();
    req.extensions_mut().insert(ConnectInfo(addr));
    let res = f.app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let replayed = res
        .headers()
        .get("idempotent-replayed")
        .map(|v| v.to_str().unwrap().to_owned());
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        replayed,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn idempotency_key_replays_the_first_answer() {
    let f = Fixture::new().await;
    let body = json!({"kind": "regional", "trunk": "none"});
    let uri = "/api/v1/tenants/a.example/directions";
    let first = post_with_key(&f, uri, &f.admin_a, "k-1", body.clone()).await;
    let retry = post_with_key(&f, uri, &f.admin_a, "k-1", body.clone()).await;
    assert_eq!(retry.0, first.0);
    assert_eq!(retry.2, first.2);
    assert_eq!(retry.1.as_deref(), Some("true"));

    let tokens = "/api/v1/tokens";
    let a = post_with_key(&f, tokens, &f.admin_a, "k-2", json!({"label": "x"})).await;
    let b = post_with_key(&f, tokens, &f.admin_a, "k-2", json!({"label": "x"})).await;
    assert_eq!(a.0, StatusCode::CREATED);
    assert_eq!(a.2["secret"], b.2["secret"], "a retry gets the same token");
    let list = f.call("GET", tokens, Some(&f.admin_a), None).await;
    assert_eq!(list.body["total"], 2, "one token made, not two");

    let other = post_with_key(&f, tokens, &f.admin_a, "k-2", json!({"label": "y"})).await;
    assert_eq!(other.0, StatusCode::BAD_REQUEST);
    assert_eq!(other.2["field"], "Idempotency-Key");
    let bob = post_with_key(&f, tokens, &f.admin_b, "k-2", json!({"label": "x"})).await;
    assert_eq!(bob.0, StatusCode::CREATED, "keys are per credential");
    assert_ne!(bob.2["secret"], a.2["secret"]);
    let bad = post_with_key(&f, tokens, &f.admin_a, "", json!({"label": "x"})).await;
    assert_eq!(bad.2["field"], "Idempotency-Key");
}
