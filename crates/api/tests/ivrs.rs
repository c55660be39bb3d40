//! `/tenants/{domain}/ivrs`: IVR menus over the API — create, replace, read, list, delete,
//! validation naming the field, and tenant isolation.

mod common;

use axum::http::StatusCode;
use common::Fixture;
use serde_json::json;

#[tokio::test]
async fn menus_are_put_read_listed_validated_and_deleted() {
    let f = Fixture::new().await;
    let alice = Some(f.admin_a.as_str());
    let base = "/api/v1/tenants/a.example";
    let r = f
        .call(
            "PUT",
            &format!("{base}/users/1001"),
            alice,
            Some(json!({"password": "pw-1001-x"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let r = f
        .call(
            "PUT",
            &format!("{base}/prompts/menu"),
            alice,
            Some(json!({"say": "Press one"})),
        )
        .await;
    assert!(r.status.is_success(), "prompt: {:?}", r.body);

    let uri = format!("{base}/ivrs/main");
    let menu = json!({"prompts": ["menu"], "options": {"1": "ext:1001"}, "timeout_secs": 5});
    let r = f.call("PUT", &uri, alice, Some(menu.clone())).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let r = f.call("PUT", &uri, alice, Some(menu)).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let r = f.call("GET", &uri, alice, None).await;
    assert_eq!(r.body["options"]["1"], "ext:1001", "{:?}", r.body);
    assert_eq!(r.body["timeout_secs"], 5, "{:?}", r.body);
    let r = f.call("GET", &format!("{base}/ivrs"), alice, None).await;
    assert_eq!(r.body["total"], 1, "{:?}", r.body);

    let r = f
        .call("PUT", &uri, alice, Some(json!({"prompts": ["nope"]})))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{:?}", r.body);
    assert!(r.body.to_string().contains("nope"), "{:?}", r.body);
    let r = f
        .call(
            "PUT",
            &uri,
            alice,
            Some(json!({"name": "other", "prompts": ["menu"]})),
        )
        .await;
    assert_eq!(r.body["field"], "name", "{:?}", r.body);
    let r = f
        .call(
            "PUT",
            &uri,
            alice,
            Some(json!({"prompts": ["menu"], "bogus": 1})),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{:?}", r.body);

    let bob = Some(f.admin_b.as_str());
    assert_eq!(
        f.call("GET", &uri, bob, None).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        f.call("DELETE", &uri, bob, None).await.status,
        StatusCode::NOT_FOUND
    );
    let user = Some(f.user_a.as_str());
    assert_eq!(
        f.call("PUT", &uri, user, Some(json!({"prompts": ["menu"]})))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        f.call("DELETE", &uri, alice, None).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        f.call("GET", &uri, alice, None).await.status,
        StatusCode::NOT_FOUND
    );
    let doc = f.call("GET", "/api/v1/openapi.json", None, None).await;
    assert!(doc.body["paths"]
        .get("/api/v1/tenants/{domain}/ivrs/{name}")
        .is_some());
}
