//! Authentication and authorization: tokens, sessions, roles, tenant isolation, login
//! throttling with CAPTCHA and blocks.

mod common;

use axum::http::StatusCode;
use common::{Fixture, PASSWORD};
use serde_json::json;

#[tokio::test]
async fn missing_or_bad_credentials_are_401() {
    let f = Fixture::new().await;
    let r = f.call("GET", "/api/v1/tenants", None, None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.body, json!({"error": "unauthorized"}));
    let r = f
        .call("GET", "/api/v1/tenants", Some("deadbeef"), None)
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = f
        .send(
            "GET",
            "/api/v1/me",
            Some("Basic abc".into()),
            None,
            None,
            "192.0.2.1",
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = f
        .call(
            "POST",
            "/api/v1/login",
            None,
            Some(json!({"username": "root", "password": "wrong-pass"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.body, json!({"error": "unauthorized"}));
}

#[tokio::test]
async fn login_sets_a_session_cookie_and_logout_ends_it() {
    let f = Fixture::new().await;
    let r = f
        .call(
            "POST",
            "/api/v1/login",
            None,
            Some(json!({"username": "alice", "password": PASSWORD})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["role"], "admin");
    assert_eq!(r.body["tenant"], "a.example");
    let cookie = r.headers["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
    assert!(cookie.contains("Max-Age=43200") && !cookie.contains("Secure"));
    let pair = cookie.split(';').next().unwrap().to_owned();
    let me = f
        .send(
            "GET",
            "/api/v1/me",
            None,
            Some(pair.clone()),
            None,
            "192.0.2.1",
        )
        .await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.body["username"], "alice");
    let out = f
        .send(
            "POST",
            "/api/v1/logout",
            None,
            Some(pair.clone()),
            None,
            "192.0.2.1",
        )
        .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    let me = f
        .send("GET", "/api/v1/me", None, Some(pair), None, "192.0.2.1")
        .await;
    assert_eq!(me.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn tenant_admin_cannot_see_or_change_another_tenant() {
    let f = Fixture::new().await;
    let a = &f.admin_a;
    for uri in [
        "/api/v1/tenants/b.example",
        "/api/v1/tenants/b.example/users",
        "/api/v1/tenants/b.example/cdrs",
        "/api/v1/tenants/b.example/trunks",
        "/api/v1/tenants/b.example/registrations",
        "/api/v1/tenants/missing.example/users",
    ] {
        let r = f.call("GET", uri, Some(a), None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{uri}");
    }
    let r = f
        .call(
            "PUT",
            "/api/v1/tenants/b.example/users/2000",
            Some(a),
            Some(json!({"password": "pw123456"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = f
        .call("DELETE", "/api/v1/tenants/b.example", Some(a), None)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(f
        .tenant("b.example")
        .await
        .list_users()
        .await
        .unwrap()
        .is_empty());
    // Its own tenant: listed alone; creating or deleting tenants is the platform's.
    let r = f.call("GET", "/api/v1/tenants", Some(a), None).await;
    assert_eq!(r.body["total"], 1);
    assert_eq!(r.body["items"][0]["domain"], "a.example");
    let r = f
        .call(
            "PUT",
            "/api/v1/tenants/a.example",
            Some(a),
            Some(json!({"enabled": false})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = f
        .call("PUT", "/api/v1/tenants/new.example", Some(a), None)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = f.call("GET", "/api/v1/admin/blocked", Some(a), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn tenant_user_reads_only_its_own_cdrs() {
    let f = Fixture::new().await;
    let u = &f.user_a;
    let r = f
        .call(
            "PUT",
            "/api/v1/tenants/a.example/users/1001",
            Some(u),
            Some(json!({"password": "pw123456"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.body, json!({"error": "forbidden"}));
    for uri in [
        "/api/v1/tenants/a.example/users",
        "/api/v1/tenants/a.example/trunks",
    ] {
        assert_eq!(
            f.call("GET", uri, Some(u), None).await.status,
            StatusCode::FORBIDDEN
        );
    }
    let r = f
        .call(
            "DELETE",
            "/api/v1/tenants/a.example/numbers/74952216005",
            Some(u),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        f.call("GET", "/api/v1/tenants/b.example/cdrs", Some(u), None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    common_cdrs(&f).await;
    let r = f
        .call("GET", "/api/v1/tenants/a.example/cdrs", Some(u), None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let callers: Vec<&str> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["caller"].as_str().unwrap())
        .collect();
    assert_eq!(callers, vec!["1000"]);
    let r = f
        .call(
            "GET",
            "/api/v1/tenants/a.example/cdrs?number=1001",
            Some(u),
            None,
        )
        .await;
    assert_eq!(r.body["items"], json!([]));
}

/// Two calls in a.example: 1000 -> 1001 and 1001 -> 1002.
async fn common_cdrs(f: &Fixture) {
    let cdr = |id: &str, from: &str, to: &str, at: i64| vpbx_store::NewCdr {
        call_id: id.into(),
        caller: from.into(),
        callee: to.into(),
        started_at: at,
        answered_at: Some(at + 1000),
        ended_at: at + 5000,
        disposition: vpbx_store::Disposition::Answered,
        hangup_side: vpbx_store::HangupSide::Caller,
        hangup_cause: "bye".into(),
        codec_a: Some("PCMA".into()),
        codec_b: Some("PCMA".into()),
        quality: None,
        recording: None,
    };
    f.tenant("a.example")
        .await
        .insert_cdrs(&[
            cdr("c1", "1000", "1001", 1_000),
            cdr("c2", "1001", "1002", 2_000),
        ])
        .await
        .unwrap();
}

#[tokio::test]
async fn failed_logins_need_a_captcha_then_block_the_address() {
    let f = Fixture::new().await;
    let ip = "198.51.100.7";
    let login = |body: serde_json::Value| {
        f.send(
            "POST",
            "/api/v1/login",
            None,
            None,
            Some(body.to_string()),
            ip,
        )
    };
    let wrong = json!({"username": "alice", "password": "wrong-pass"});
    for _ in 0..2 {
        let r = login(wrong.clone()).await;
        assert_eq!(r.body, json!({"error": "unauthorized"}));
    }
    let r = login(wrong.clone()).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.body, json!({"error": "captcha_required"}));
    // Even the right password needs the CAPTCHA now; a solved one lets it through.
    let right = json!({"username": "alice", "password": PASSWORD});
    assert_eq!(
        login(right.clone()).await.body,
        json!({"error": "captcha_required"})
    );
    let c = f.call("GET", "/api/v1/captcha", None, None).await;
    let q = c.body["question"].as_str().unwrap();
    let sum: u32 = q
        .trim_start_matches("What is ")
        .trim_end_matches('?')
        .split(" + ")
        .map(|n| n.parse::<u32>().unwrap())
        .sum();
    let mut solved = right.clone();
    solved["captcha"] = json!({"id": c.body["id"], "answer": sum});
    let r = login(solved).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // Success cleared the address: count again to 10 failures.
    for i in 1..=9 {
        let r = login(wrong.clone()).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "failure {i}");
    }
    let r = login(wrong.clone()).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.body["error"], "blocked");
    assert!(r.headers.contains_key("retry-after"));
    assert_eq!(login(right).await.status, StatusCode::TOO_MANY_REQUESTS);
    // Another address is not affected.
    let other = f
        .send(
            "POST",
            "/api/v1/login",
            None,
            None,
            Some(json!({"username": "alice", "password": PASSWORD}).to_string()),
            "198.51.100.8",
        )
        .await;
    assert_eq!(other.status, StatusCode::OK);
    let r = f
        .call("GET", "/api/v1/admin/blocked", Some(&f.root), None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["total"], 1);
    assert_eq!(r.body["items"][0]["address"], ip);
    // The platform admin sees it on the cabinet's dashboard too.
    let cookie = f.web_login("root").await;
    let page = f.page("/", Some(&cookie)).await;
    let text = page.text();
    assert!(
        text.contains("Blocked addresses") && text.contains(ip),
        "{text}"
    );
}
