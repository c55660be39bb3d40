//! Calls in progress over the API and the cabinet, from a fake engine view: the role rules
//! of `GET /tenants/{domain}/calls` (a tenant admin its tenant's, a user its own, the
//! platform admin any, another tenant 404), `GET /calls` counts for the platform admin,
//! the dashboards' tables, and empty lists when the API runs without an engine.

mod common;

use axum::http::StatusCode;
use common::Fixture;
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;
use vpbx_api::live::{ActiveCall, CallDirection, CallState, LiveCalls};
use vpbx_api::{router, ApiConfig, ApiState};
use vpbx_model::TenantId;
use vpbx_store::SecretBox;

/// A fixed set of calls per tenant.
struct FakeCalls(HashMap<TenantId, Vec<ActiveCall>>);

impl LiveCalls for FakeCalls {
    fn of_tenant(&self, tenant: TenantId) -> Vec<ActiveCall> {
        self.0.get(&tenant).cloned().unwrap_or_default()
    }

    fn counts(&self) -> HashMap<TenantId, usize> {
        self.0.iter().map(|(t, c)| (*t, c.len())).collect()
    }
}

fn call(id: &str, caller: &str, callee: &str, state: CallState) -> ActiveCall {
    ActiveCall {
        id: id.to_owned(),
        caller: caller.to_owned(),
        callee: callee.to_owned(),
        direction: CallDirection::Internal,
        state,
        started_at: 1_700_000_000_000,
        answered_at: (state != CallState::Ringing).then_some(1_700_000_002_000),
    }
}

/// The fixture with a. example having two calls (1000 → 1001 answered, 1002 → ivr:main)
/// and b.example one; its router sees them through a fake engine view.
async fn fixture() -> Fixture {
    let mut f = Fixture::new().await;
    let id = |domain: &str| {
        let store = f.store.clone();
        let domain = domain.to_owned();
        async move {
            store
                .tenant_by_domain(&domain.parse().unwrap())
                .await
                .unwrap()
                .unwrap()
                .id
        }
    };
    let (a, b) = (id("a.example").await, id("b.example").await);
    let fake = FakeCalls(HashMap::from([
        (
            a,
            vec![
                call("call-1", "1000", "1001", CallState::Answered),
                call("call-2", "1002", "ivr:main", CallState::Ivr),
            ],
        ),
        (b, vec![call("call-3", "1000", "1001", CallState::OnHold)]),
    ]));
    let config = ApiConfig {
        data_dir: Some(f._dir.path().to_owned()),
        ..ApiConfig::default()
    };
    let secrets = SecretBox::open_or_create(f._dir.path()).unwrap();
    let state = ApiState::new(f.store.clone(), secrets, config).with_live_calls(Arc::new(fake));
    f.app = router(state);
    f
}

fn ids(body: &serde_json::Value) -> Vec<&str> {
    body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|c| c["id"].as_str().expect("id"))
        .collect()
}

#[tokio::test]
async fn tenant_calls_follow_the_cdr_role_rules() {
    let f = fixture().await;
    let r = f
        .call(
            "GET",
            "/api/v1/tenants/a.example/calls",
            Some(&f.admin_a),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(ids(&r.body), ["call-1", "call-2"]);
    assert_eq!(
        r.body["items"][0],
        json!({
            "id": "call-1", "caller": "1000", "callee": "1001", "direction": "internal",
            "state": "answered", "started_at": 1_700_000_000_000_i64,
            "answered_at": 1_700_000_002_000_i64,
        })
    );
    assert_eq!(r.body["items"][1]["state"], "ivr");

    let r = f
        .call(
            "GET",
            "/api/v1/tenants/a.example/calls",
            Some(&f.user_a),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(ids(&r.body), ["call-1"], "a user sees only its own calls");

    let r = f
        .call(
            "GET",
            "/api/v1/tenants/b.example/calls",
            Some(&f.admin_a),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "another tenant's calls");
    let r = f
        .call(
            "GET",
            "/api/v1/tenants/b.example/calls",
            Some(&f.user_a),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    let r = f
        .call(
            "GET",
            "/api/v1/tenants/b.example/calls",
            Some(&f.root),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(ids(&r.body), ["call-3"]);
    assert_eq!(r.body["items"][0]["state"], "on_hold");

    let r = f
        .call("GET", "/api/v1/tenants/a.example/calls", None, None)
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_platform_admin_counts_calls_per_tenant() {
    let f = fixture().await;
    let r = f.call("GET", "/api/v1/calls", Some(&f.root), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        r.body,
        json!({
            "items": [{"domain": "a.example", "calls": 2}, {"domain": "b.example", "calls": 1}],
            "total": 3,
        })
    );
    let r = f.call("GET", "/api/v1/calls", Some(&f.admin_a), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn without_an_engine_there_are_no_calls() {
    let f = Fixture::new().await;
    let r = f
        .call(
            "GET",
            "/api/v1/tenants/a.example/calls",
            Some(&f.admin_a),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body, json!({ "items": [] }));
    let r = f.call("GET", "/api/v1/calls", Some(&f.root), None).await;
    assert_eq!(r.body["total"], 0);
}

#[tokio::test]
async fn the_openapi_document_lists_the_calls_endpoints() {
    let f = Fixture::new().await;
    let r = f.call("GET", "/api/v1/openapi.json", None, None).await;
    assert_eq!(r.status, StatusCode::OK);
    let paths = &r.body["paths"];
    assert!(paths["/api/v1/tenants/{domain}/calls"]["get"].is_object());
    assert!(paths["/api/v1/calls"]["get"].is_object());
    assert!(r.body["components"]["schemas"]["ActiveCall"].is_object());
}

#[tokio::test]
async fn dashboards_show_calls_in_progress() {
    let f = fixture().await;
    let cookie = f.web_login("alice").await;
    let html = f.page("/", Some(&cookie)).await.text().to_owned();
    let (_, table) = html
        .split_once("Active calls")
        .expect("an Active calls section");
    assert!(
        table.contains("<td>ivr:main</td><td>in IVR</td>"),
        "{table}"
    );
    assert!(table.contains("<td>1001</td><td>answered</td>"), "{table}");

    let cookie = f.web_login("carol").await;
    let html = f.page("/", Some(&cookie)).await.text().to_owned();
    assert!(html.contains("<td>1001</td><td>answered</td>"), "{html}");
    assert!(!html.contains("ivr:main"), "a user sees only its own calls");

    let cookie = f.web_login("root").await;
    let html = f.page("/", Some(&cookie)).await.text().to_owned();
    assert!(html.contains("<b>3</b>active calls"), "{html}");
    assert!(
        html.contains(r#"<td class="active-calls">2</td>"#),
        "{html}"
    );
    assert!(
        html.contains(r#"<td class="active-calls">1</td>"#),
        "{html}"
    );
}
