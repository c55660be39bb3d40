//! The web cabinet in-process: login form and session cookie, redirects when logged out
//! (local paths only), tenant isolation, CSRF, forms with their validation errors, HTML
//! escaping, and the pages of each role.

mod common;

use axum::http::StatusCode;
use common::{Fixture, PASSWORD};

/// `s` percent-encoded for a form body.
fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn login_form_sets_the_session_cookie_and_returns_to_local_paths_only() {
    let f = Fixture::new().await;
    let form = f.page("/login", None).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(
        form.text().contains(r#"name="password""#),
        "{}",
        form.text()
    );
    assert!(form.text().contains("/static/cabinet.css"));

    let r = f
        .post_form(
            "/login",
            None,
            &format!("username=alice&password={PASSWORD}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/");
    let cookie = r.headers["set-cookie"].to_str().unwrap();
    assert!(cookie.starts_with("vpbx_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
    let pair = cookie.split(';').next().unwrap();
    let home = f.page("/", Some(pair)).await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(
        home.text().contains("alice (admin, a.example)"),
        "{}",
        home.text()
    );

    let next = |n: &str| format!("username=alice&password={PASSWORD}&next={}", enc(n));
    let r = f
        .post_form("/login", None, &next("/t/a.example/users"))
        .await;
    assert_eq!(r.location(), "/t/a.example/users");
    for evil in [
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
    ] {
        let r = f.post_form("/login", None, &next(evil)).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(r.location(), "/", "next={evil}");
    }
    let css = f.page("/static/cabinet.css", None).await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(css.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/css"));
}

#[tokio::test]
async fn wrong_password_shows_an_error_then_a_captcha() {
    let f = Fixture::new().await;
    for _ in 0..2 {
        let r = f
            .post_form("/login", None, "username=alice&password=wrong-pass")
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert!(
            r.text().contains("Wrong user name or password."),
            "{}",
            r.text()
        );
        assert!(r.headers.get("set-cookie").is_none());
        assert!(!r.text().contains("What is"));
    }
    let r = f
        .post_form("/login", None, "username=nobody&password=wrong-pass")
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(
        r.text().contains("What is"),
        "CAPTCHA after 3 failures: {}",
        r.text()
    );
    let form = f.page("/login", None).await;
    assert!(form.text().contains("What is") && form.text().contains("captcha_id"));
    // The right password without the CAPTCHA is refused now.
    let r = f
        .post_form(
            "/login",
            None,
            &format!("username=alice&password={PASSWORD}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.headers.get("set-cookie").is_none());
}

#[tokio::test]
async fn pages_redirect_to_the_login_form_when_logged_out() {
    let f = Fixture::new().await;
    for (page, to) in [
        ("/", "/login"),
        ("/t/a.example/users", "/login?next=%2Ft%2Fa.example%2Fusers"),
        (
            "/t/a.example/cdrs?number=1000",
            "/login?next=%2Ft%2Fa.example%2Fcdrs%3Fnumber%3D1000",
        ),
        ("/admin/tenants", "/login?next=%2Fadmin%2Ftenants"),
    ] {
        let r = f.page(page, None).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{page}");
        assert_eq!(r.location(), to, "{page}");
    }
    let r = f.page("/", Some("vpbx_session=not-a-session")).await;
    assert_eq!(r.location(), "/login");
    let r = f
        .post_form("/t/a.example/users", None, "extension=1001&password=abcdef")
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/login");
}

#[tokio::test]
async fn tenants_and_roles_are_isolated() {
    let f = Fixture::new().await;
    let alice = f.web_login("alice").await;
    for page in [
        "/t/b.example/users",
        "/t/b.example/numbers",
        "/t/b.example/options",
        "/t/b.example/cdrs",
        "/admin/tenants/b.example/trunks",
        "/t/nope.example/users",
    ] {
        let r = f.page(page, Some(&alice)).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{page}");
        assert!(!r.text().contains("b.example"), "{page}: {}", r.text());
    }
    let token = f.csrf("/t/a.example/users", &alice).await;
    let r = f
        .post_form(
            "/t/b.example/users",
            Some(&alice),
            &format!("csrf={token}&extension=1001&password=abcdef"),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(f
        .tenant("b.example")
        .await
        .list_users()
        .await
        .unwrap()
        .is_empty());
    let r = f.page("/admin/tenants", Some(&alice)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    let carol = f.web_login("carol").await;
    let r = f.page("/t/a.example/users", Some(&carol)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = f.page("/t/a.example/cdrs", Some(&carol)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains("No calls."));
    assert!(
        !r.text().contains("/t/a.example/users"),
        "a user gets no admin links"
    );
}

#[tokio::test]
async fn posts_without_the_session_csrf_token_are_403() {
    let f = Fixture::new().await;
    let alice = f.web_login("alice").await;
    let other = f.web_login("alice").await;
    let foreign = f.csrf("/t/a.example/users", &other).await;
    for body in [
        "extension=1001&password=abcdef".to_owned(),
        "csrf=&extension=1001&password=abcdef".to_owned(),
        "csrf=zz&extension=1001&password=abcdef".to_owned(),
        format!("csrf={foreign}&extension=1001&password=abcdef"),
    ] {
        let r = f.post_form("/t/a.example/users", Some(&alice), &body).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{body}");
    }
    let r = f.post_form("/logout", Some(&alice), "").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(f
        .tenant("a.example")
        .await
        .list_users()
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn users_are_added_changed_and_removed_through_the_forms() {
    let f = Fixture::new().await;
    let alice = f.web_login("alice").await;
    let token = f.csrf("/t/a.example/users", &alice).await;
    let r = f
        .post_form(
            "/t/a.example/users",
            Some(&alice),
            &format!("csrf={token}&extension=1001&password=sip-pass-1&name=Bob&email="),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(r.location(), "/t/a.example/users");
    let list = f.page("/t/a.example/users", Some(&alice)).await;
    assert!(list.text().contains(r#"id="user-1001""#), "{}", list.text());
    assert!(list.text().contains("Bob"));

    // Validation errors are shown next to the form, naming the field, with the values kept
    // (never the password).
    let r = f
        .post_form(
            "/t/a.example/users",
            Some(&alice),
            &format!("csrf={token}&extension=12ab&password=sip-pass-1&name=Kept"),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.text().contains("<strong>extension</strong>"),
        "{}",
        r.text()
    );
    assert!(r.text().contains(r#"value="Kept""#));
    assert!(!r.text().contains("sip-pass-1"));
    let r = f
        .post_form(
            "/t/a.example/users",
            Some(&alice),
            &format!("csrf={token}&extension=1002&password=abc"),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.text().contains("<strong>password</strong>"),
        "{}",
        r.text()
    );
    let r = f
        .post_form(
            "/t/a.example/users",
            Some(&alice),
            &format!("csrf={token}&extension=1001&password=sip-pass-2"),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains("already exists"), "{}", r.text());

    let ts = f.tenant("a.example").await;
    let before = ts
        .get_user(&"1001".parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    let r = f
        .post_form(
            "/t/a.example/users/1001/password",
            Some(&alice),
            &format!("csrf={token}&password=new-sip-pass"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let after = ts
        .get_user(&"1001".parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_ne!(before.ha1_md5, after.ha1_md5);

    let r = f
        .post_form(
            "/t/a.example/users/1001/delete",
            Some(&alice),
            &format!("csrf={token}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(ts.list_users().await.unwrap().is_empty());
}

#[tokio::test]
async fn user_names_are_html_escaped() {
    let f = Fixture::new().await;
    let alice = f.web_login("alice").await;
    let token = f.csrf("/t/a.example/users", &alice).await;
    let name = "<script>alert(1)</script>";
    let r = f
        .post_form(
            "/t/a.example/users",
            Some(&alice),
            &format!(
                "csrf={token}&extension=1003&password=sip-pass-1&name={}",
                enc(name)
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let list = f.page("/t/a.example/users", Some(&alice)).await;
    assert!(
        list.text()
            .contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{}",
        list.text()
    );
    assert!(!list.text().contains(name));
    assert!(list.headers["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("default-src 'self'"));
}

#[tokio::test]
async fn numbers_directions_trace_options_and_cdrs_pages() {
    let f = Fixture::new().await;
    let alice = f.web_login("alice").await;
    let token = f.csrf("/t/a.example/numbers", &alice).await;
    let post = |uri: &'static str, body: String| {
        let alice = alice.clone();
        let f = &f;
        async move { f.post_form(uri, Some(&alice), &body).await }
    };
    let r = post(
        "/t/a.example/users",
        format!("csrf={token}&extension=1000&password=sip-pass-1"),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = post(
        "/admin/tenants/a.example/trunks",
        format!("csrf={token}&name=main&host=sip.carrier.example&port=&transport=udp"),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let r = post(
        "/t/a.example/numbers",
        format!(
            "csrf={token}&number={}&trunk=main&target=ext:1000",
            enc("+7(495)2216005")
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let r = post(
        "/t/a.example/numbers",
        format!("csrf={token}&number=74952216006&trunk=main&target=nowhere"),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains("<strong>target</strong>"), "{}", r.text());
    let r = post(
        "/t/a.example/directions",
        format!("csrf={token}&kind=regional&trunks=main&strip=&prefix=&priority="),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let page = f.page("/t/a.example/numbers", Some(&alice)).await;
    assert!(page.text().contains("ext:1000") && page.text().contains("regional"));

    let trace = f
        .page(
            "/t/a.example/numbers?from=1000&to=84951234567",
            Some(&alice),
        )
        .await;
    assert_eq!(trace.status, StatusCode::OK);
    assert!(trace.text().contains("Routing result"), "{}", trace.text());
    assert!(trace.text().contains("trunk main"), "{}", trace.text());
    let bad = f
        .page("/t/a.example/numbers?from=x&to=1", Some(&alice))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.text().contains("<strong>from</strong>"));

    let r = post(
        "/t/a.example/options",
        format!("csrf={token}&international=on&prefixes=39+375"),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let policy = f.tenant("a.example").await.routing_policy().await.unwrap();
    assert!(policy.international_allowed);
    assert_eq!(policy.allow_prefixes.len(), 2);
    let r = post("/t/a.example/options", format!("csrf={token}&prefixes=x1")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains("<strong>prefix</strong>"), "{}", r.text());
    let options = f.page("/t/a.example/options", Some(&alice)).await;
    assert!(
        options.text().contains(r#"value="39, 375""#),
        "{}",
        options.text()
    );

    let cdrs = f
        .page(
            "/t/a.example/cdrs?since=2024-01-01&until=2024-01-31&number=1000",
            Some(&alice),
        )
        .await;
    assert_eq!(cdrs.status, StatusCode::OK);
    assert!(cdrs.text().contains(
        "/api/v1/tenants/a.example/cdrs?format=csv&amp;limit=1000&amp;since=1704067200000&amp;until=1706745600000&amp;number=1000"
    ), "{}", cdrs.text());
    let bad = f
        .page("/t/a.example/cdrs?since=2024-02-30", Some(&alice))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.text().contains("<strong>since</strong>"));
    let bad = f
        .page(
            "/t/a.example/cdrs?since=2024-02-03&until=2024-02-01",
            Some(&alice),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.text().contains("<strong>until</strong>"));
}

#[tokio::test]
async fn the_platform_admin_manages_tenants_and_logs_out() {
    let f = Fixture::new().await;
    let root = f.web_login("root").await;
    let home = f.page("/", Some(&root)).await;
    assert!(home.text().contains("a.example") && home.text().contains("b.example"));
    let token = f.csrf("/admin/tenants", &root).await;
    let r = f
        .post_form(
            "/admin/tenants",
            Some(&root),
            &format!("csrf={token}&domain=c.example"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = f
        .post_form(
            "/admin/tenants",
            Some(&root),
            &format!("csrf={token}&domain=not+a+domain"),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains("<strong>domain</strong>"), "{}", r.text());
    let r = f
        .post_form(
            "/admin/tenants/c.example/disable",
            Some(&root),
            &format!("csrf={token}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let c = "c.example".parse().unwrap();
    assert!(!f.store.tenant_by_domain(&c).await.unwrap().unwrap().enabled);
    let r = f
        .post_form(
            "/admin/tenants/c.example/delete",
            Some(&root),
            &format!("csrf={token}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains("<strong>confirm</strong>"));
    let r = f
        .post_form(
            "/admin/tenants/c.example/delete",
            Some(&root),
            &format!("csrf={token}&confirm=on"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(f.store.tenant_by_domain(&c).await.unwrap().is_none());

    let r = f
        .post_form("/logout", Some(&root), &format!("csrf={token}"))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/login");
    assert!(r.headers["set-cookie"]
        .to_str()
        .unwrap()
        .contains("Max-Age=0"));
    let r = f.page("/", Some(&root)).await;
    assert_eq!(r.location(), "/login");
}

/// A login form posted from another site (login CSRF) is refused before the password is
/// checked: no session cookie; the same form from this host logs in.
#[tokio::test]
async fn login_posted_from_another_site_is_refused() {
    use axum::body::Body;
    use axum::extract::ConnectInfo;
    use axum::http::Request;
    use tower::ServiceExt;

    let f = Fixture::new().await;
    let post = |headers: &[(&str, &str)]| {
        let mut req = Request::builder()
            .method("POST")
            .uri("/login")
            .header("host", "pbx.example:8080")
            .header("content-type", "application/x-www-form-urlencoded");
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let mut req = req
            .body(Body::from(format!("username=alice&password={PASSWORD}")))
            .unwrap();
        req.extensions_mut()
            .insert(ConnectInfo(std::net::SocketAddr::from((
                [192, 0, 2, 21],
                40000,
            ))));
        f.app.clone().oneshot(req)
    };
    for hostile in [
        &[("origin", "https://evil.example")][..],
        &[("origin", "null")],
        &[("sec-fetch-site", "cross-site")],
        &[("origin", "http://pbx.example:8080.evil.example")],
    ] {
        let r = post(hostile).await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{hostile:?}");
        assert!(r.headers().get("set-cookie").is_none(), "{hostile:?}");
    }
    for same in [
        &[("origin", "http://pbx.example:8080")][..],
        &[
            ("sec-fetch-site", "same-origin"),
            ("origin", "https://PBX.example:8080"),
        ],
        &[],
    ] {
        let r = post(same).await.unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{same:?}");
        assert!(r.headers().get("set-cookie").is_some(), "{same:?}");
    }
}
