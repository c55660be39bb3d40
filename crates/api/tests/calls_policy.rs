//! `/tenants/{domain}/options/calls` (issue 4 toll-fraud policy over the API, issue 6): read
//! and replace, prefixes validated naming `allow_prefixes[i]`, nothing stored by a refused
//! request, and who may do what (no auth 401, tenant user 403, another tenant 404).

mod common;

use axum::http::StatusCode;
use common::Fixture;
use serde_json::json;

const URI: &str = "/api/v1/tenants/a.example/options/calls";

#[tokio::test]
async fn the_calls_abroad_policy_is_read_and_replaced() {
    let f = Fixture::new().await;
    let admin = Some(f.admin_a.as_str());
    let r = f.call("GET", URI, admin, None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.body,
        json!({"international_allowed": false, "allow_prefixes": []})
    );
    let allowed = json!({"international_allowed": true, "allow_prefixes": ["39", "+37517"]});
    let r = f.call("PUT", URI, admin, Some(allowed)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["international_allowed"], true);
    let mut prefixes: Vec<String> =
        serde_json::from_value(r.body["allow_prefixes"].clone()).unwrap();
    prefixes.sort();
    assert_eq!(prefixes, ["37517", "39"]);

    let bad = json!({"international_allowed": true, "allow_prefixes": ["39", "4x"]});
    let r = f.call("PUT", URI, admin, Some(bad)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.body["field"], "allow_prefixes[1]", "{}", r.body);
    let r = f
        .call(
            "PUT",
            URI,
            admin,
            Some(json!({"international_allowed": "yes"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = f.call("GET", URI, admin, None).await;
    assert_eq!(
        r.body["international_allowed"], true,
        "unchanged: {}",
        r.body
    );

    let doc = f.call("GET", "/api/v1/openapi.json", None, None).await;
    assert!(doc.body["paths"]["/api/v1/tenants/{domain}/options/calls"]["put"].is_object());
}

#[tokio::test]
async fn only_the_tenants_admins_see_or_change_the_policy() {
    let f = Fixture::new().await;
    let on = Some(json!({"international_allowed": true}));
    assert_eq!(
        f.call("GET", URI, None, None).await.status,
        StatusCode::UNAUTHORIZED
    );
    let bob = Some(f.admin_b.as_str());
    assert_eq!(
        f.call("GET", URI, bob, None).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        f.call("PUT", URI, bob, on.clone()).await.status,
        StatusCode::NOT_FOUND
    );
    let carol = Some(f.user_a.as_str());
    assert_eq!(
        f.call("PUT", URI, carol, on).await.status,
        StatusCode::FORBIDDEN
    );
    let admin = Some(f.admin_a.as_str());
    let r = f.call("GET", URI, admin, None).await;
    assert_eq!(r.body["international_allowed"], false);
}
