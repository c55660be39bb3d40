//! DISA over the API and the cabinet (issue 5 item 7, issue 6): `/tenants/{domain}/options/
//! disa` and `/tenants/{domain}/users/{ext}/disa`, and the DISA section of the cabinet's
//! options page: the switch, a user's PIN set and taken away, the PIN never shown back nor
//! stored in clear, a malformed PIN refused naming `pin`, and who may do what (no auth 401,
//! a tenant user 403, another tenant 404).

mod common;

use axum::http::StatusCode;
use common::Fixture;
use serde_json::json;
use vpbx_store::NewUser;

const BASE: &str = "/api/v1/tenants/a.example";

/// Users 1000 and 1001 in a.example.
async fn setup(f: &Fixture) {
    let ts = f.tenant("a.example").await;
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
    }
}

#[tokio::test]
async fn disa_switch_and_pins_over_the_api() {
    let f = Fixture::new().await;
    setup(&f).await;
    let admin = Some(f.admin_a.as_str());
    let r = f
        .call("GET", &format!("{BASE}/options/disa"), admin, None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body, json!({"enabled": false, "users": []}));

    let r = f
        .call(
            "PUT",
            &format!("{BASE}/options/disa"),
            admin,
            Some(json!({"enabled": true})),
        )
        .await;
    assert_eq!(r.body["enabled"], true, "{}", r.body);
    for ext in ["1001", "1000"] {
        let r = f
            .call(
                "PUT",
                &format!("{BASE}/users/{ext}/disa"),
                admin,
                Some(json!({"pin": "4821"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    }
    let r = f
        .call("GET", &format!("{BASE}/options/disa"), admin, None)
        .await;
    assert_eq!(r.body, json!({"enabled": true, "users": ["1000", "1001"]}));
    let pins = f.tenant("a.example").await.disa_pins().await.unwrap();
    assert!(pins.values().all(|h| h.len() == 64 && !h.contains("4821")));
    assert_ne!(
        pins["1000"], pins["1001"],
        "the same PIN hashes per extension"
    );

    let r = f
        .call("DELETE", &format!("{BASE}/users/1001/disa"), admin, None)
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = f
        .call("GET", &format!("{BASE}/options/disa"), admin, None)
        .await;
    assert_eq!(r.body["users"], json!(["1000"]));

    let doc = f.call("GET", "/api/v1/openapi.json", None, None).await;
    let paths = &doc.body["paths"];
    assert!(paths["/api/v1/tenants/{domain}/options/disa"]["put"].is_object());
    assert!(paths["/api/v1/tenants/{domain}/users/{ext}/disa"]["delete"].is_object());
}

#[tokio::test]
async fn bad_disa_requests_are_refused_naming_the_field() {
    let f = Fixture::new().await;
    setup(&f).await;
    let admin = Some(f.admin_a.as_str());
    for pin in ["123", "1234567890123", "12a4", ""] {
        let r = f
            .call(
                "PUT",
                &format!("{BASE}/users/1000/disa"),
                admin,
                Some(json!({ "pin": pin })),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{pin:?}");
        assert_eq!(r.body["field"], "pin", "{}", r.body);
    }
    let r = f
        .call(
            "PUT",
            &format!("{BASE}/users/1000/disa"),
            admin,
            Some(json!({"pin": 4821})),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = f
        .call(
            "PUT",
            &format!("{BASE}/options/disa"),
            admin,
            Some(json!({"enabled": "yes"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = f
        .call(
            "PUT",
            &format!("{BASE}/users/4444/disa"),
            admin,
            Some(json!({"pin": "4821"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(f
        .tenant("a.example")
        .await
        .disa_pins()
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn only_the_tenants_admins_see_or_change_disa() {
    let f = Fixture::new().await;
    setup(&f).await;
    let uri = format!("{BASE}/options/disa");
    let on = Some(json!({"enabled": true}));
    assert_eq!(
        f.call("GET", &uri, None, None).await.status,
        StatusCode::UNAUTHORIZED
    );
    let bob = Some(f.admin_b.as_str());
    assert_eq!(
        f.call("GET", &uri, bob, None).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        f.call("PUT", &uri, bob, on.clone()).await.status,
        StatusCode::NOT_FOUND
    );
    let carol = Some(f.user_a.as_str());
    assert_eq!(
        f.call("PUT", &uri, carol, on.clone()).await.status,
        StatusCode::FORBIDDEN
    );
    let pin = Some(json!({"pin": "4821"}));
    let r = f
        .call(
            "PUT",
            &format!("{BASE}/users/1000/disa"),
            carol,
            pin.clone(),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = f
        .call("PUT", &format!("{BASE}/users/1000/disa"), bob, pin)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let root = Some(f.root.as_str());
    assert_eq!(f.call("PUT", &uri, root, on).await.status, StatusCode::OK);
    assert!(f.tenant("a.example").await.disa_enabled().await.unwrap());
    assert!(f
        .tenant("b.example")
        .await
        .disa_pins()
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn the_options_page_switches_disa_and_sets_pins() {
    let f = Fixture::new().await;
    setup(&f).await;
    let cookie = f.web_login("alice").await;
    let page = "/t/a.example/options";
    let text = f.page(page, Some(&cookie)).await.text().to_owned();
    assert!(text.contains("DISA is off"), "{text}");
    let csrf = f.csrf(page, &cookie).await;

    let r = f
        .post_form(
            "/t/a.example/options/disa",
            Some(&cookie),
            &format!("csrf={csrf}&enabled=on"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let r = f
        .post_form(
            "/t/a.example/options/disa/pin",
            Some(&cookie),
            &format!("csrf={csrf}&ext=1001&pin=12"),
        )
        .await;
    assert!(r.text().contains("4 to 12 digits"), "{}", r.text());
    let r = f
        .post_form(
            "/t/a.example/options/disa/pin",
            Some(&cookie),
            &format!("csrf={csrf}&ext=1001&pin=60718293"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let text = f.page(page, Some(&cookie)).await.text().to_owned();
    assert!(text.contains("DISA numbers answer"), "{text}");
    assert!(
        text.contains("1001") && !text.contains("60718293"),
        "{text}"
    );

    let r = f
        .post_form(
            "/t/a.example/options/disa/pin",
            Some(&cookie),
            "ext=1000&pin=60718293",
        )
        .await;
    assert_ne!(r.status, StatusCode::SEE_OTHER, "no CSRF token: refused");
    let r = f
        .post_form(
            "/t/a.example/options/disa/1001/remove",
            Some(&cookie),
            &format!("csrf={csrf}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let ts = f.tenant("a.example").await;
    assert!(ts.disa_enabled().await.unwrap());
    assert!(ts.disa_pins().await.unwrap().is_empty());

    let bob = f.web_login("bob").await;
    let r = f.page(page, Some(&bob)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}
