//! The cabinet's accounts and API tokens pages in-process: pages render for each role,
//! forms work with the session's CSRF token and are refused without it, the platform admin
//! manages every account while a tenant admin reaches only its own tenant's (404 for the
//! rest) and a tenant user none (403), passwords are hashed as the API does, an account
//! never removes itself, a token's secret is shown once and works in the API, and revoking
//! ends it.

mod common;

use axum::http::StatusCode;
use common::{Fixture, PASSWORD};
use vpbx_api::credentials::verify_password;

/// `s` percent-encoded for a form body.
fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The names of the accounts on the accounts page seen with `cookie`.
async fn listed(f: &Fixture, cookie: &str) -> Vec<String> {
    let page = f.page("/accounts", Some(cookie)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    page.text()
        .split(r#"<tr id="account-"#)
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(str::to_owned)
        .collect()
}

/// Logs `user` in with `password` through the login form; its session cookie pair.
async fn login(f: &Fixture, user: &str, password: &str) -> String {
    let r = f
        .post_form(
            "/login",
            None,
            &format!("username={user}&password={}", enc(password)),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::SEE_OTHER,
        "login of {user}: {}",
        r.text()
    );
    r.headers["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned()
}

/// Whether account `name` exists.
async fn exists(f: &Fixture, name: &str) -> bool {
    f.store
        .account_by_name(&name.parse().unwrap())
        .await
        .unwrap()
        .is_some()
}

#[tokio::test]
async fn the_platform_admin_creates_changes_and_removes_every_kind_of_account() {
    let f = Fixture::new().await;
    let root = f.web_login("root").await;
    assert_eq!(listed(&f, &root).await, ["alice", "bob", "carol", "root"]);
    let page = f.page("/accounts", Some(&root)).await;
    let html = page.text();
    assert!(
        html.contains(r#"<a href="/accounts">Accounts</a>"#),
        "{html}"
    );
    assert!(html.contains(r#"<a href="/tokens">Tokens</a>"#));
    assert!(html.contains(r#"<option value="platform""#));
    assert!(html.contains(r#"<option value="b.example""#));
    assert!(html.contains(r#"name="viewport""#));
    assert!(!html.contains("$argon2"), "no hash is shown");
    let token = f.csrf("/accounts", &root).await;

    for (name, role, tenant, ext) in [
        ("ops", "platform", "", ""),
        ("dave", "admin", "b.example", ""),
        ("erin", "user", "a.example", "1001"),
    ] {
        let body = format!(
            "csrf={token}&name={name}&role={role}&tenant={tenant}&extension={ext}&password={}",
            enc("new-pass-123")
        );
        let r = f.post_form("/accounts", Some(&root), &body).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{name}: {}", r.text());
        assert_eq!(r.location(), "/accounts");
    }
    let erin = f
        .store
        .account_by_name(&"erin".parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(erin.domain.unwrap().as_str(), "a.example");
    assert_eq!(erin.extension.unwrap().as_str(), "1001");
    assert!(erin.password_hash.starts_with("$argon2id$"));
    assert!(verify_password("new-pass-123", &erin.password_hash));
    let page = f.page("/accounts", Some(&root)).await;
    assert!(page.text().contains("<td>platform</td>"), "{}", page.text());
    assert!(page.text().contains("<td>b.example</td>"));
    let ops = login(&f, "ops", "new-pass-123").await;
    assert!(f
        .page("/", Some(&ops))
        .await
        .text()
        .contains("ops (platform)"));

    // Bad fields come back next to the form, naming them; nothing is created.
    for (body, field) in [
        (
            "name=x1&role=boss&tenant=a.example&password=long-enough",
            "role",
        ),
        ("name=x1&role=admin&tenant=&password=long-enough", "tenant"),
        (
            "name=x1&role=platform&tenant=a.example&password=long-enough",
            "tenant",
        ),
        (
            "name=x1&role=admin&tenant=a.example&password=short",
            "password",
        ),
        (
            "name=x1&role=admin&tenant=a.example&extension=1000&password=long-enough",
            "extension",
        ),
        (
            "name=Bad+Name&role=admin&tenant=a.example&password=long-enough",
            "username",
        ),
    ] {
        let r = f
            .post_form("/accounts", Some(&root), &format!("csrf={token}&{body}"))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}: {}", r.text());
        assert!(
            r.text().contains(&format!("<strong>{field}</strong>")),
            "{body}: {}",
            r.text()
        );
        assert!(r.text().contains(r#"value="x1""#) || body.starts_with("name=Bad"));
        assert!(!r.text().contains("long-enough"), "no password echoed");
    }
    assert!(!exists(&f, "x1").await);
    let r = f
        .post_form(
            "/accounts",
            Some(&root),
            &format!("csrf={token}&name=dave&role=admin&tenant=b.example&password=other-pass-1"),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains("account name is taken"), "{}", r.text());

    // A new password: hashed, the old one no longer logs in.
    let r = f
        .post_form(
            "/accounts/alice/password",
            Some(&root),
            &format!("csrf={token}&password=alice-new-pass"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let alice = f
        .store
        .account_by_name(&"alice".parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(verify_password("alice-new-pass", &alice.password_hash));
    let r = f
        .post_form(
            "/login",
            None,
            &format!("username=alice&password={PASSWORD}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = f
        .post_form(
            "/accounts/alice/password",
            Some(&root),
            &format!("csrf={token}&password=short"),
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
            "/accounts/nobody/password",
            Some(&root),
            &format!("csrf={token}&password=long-enough"),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // Removal, but never of oneself (the last platform admin stays).
    let r = f
        .post_form(
            "/accounts/dave/delete",
            Some(&root),
            &format!("csrf={token}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert!(!exists(&f, "dave").await);
    let page = f.page("/accounts", Some(&root)).await;
    assert!(
        !page.text().contains("/accounts/root/delete"),
        "no button for oneself"
    );
    let r = f
        .post_form(
            "/accounts/root/delete",
            Some(&root),
            &format!("csrf={token}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains("cannot remove itself"), "{}", r.text());
    assert!(exists(&f, "root").await);
    let r = f
        .post_form(
            "/accounts/dave/delete",
            Some(&root),
            &format!("csrf={token}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn account_forms_need_the_session_csrf_token() {
    let f = Fixture::new().await;
    let root = f.web_login("root").await;
    let other = f.web_login("alice").await;
    let foreign = f.csrf("/accounts", &other).await;
    for csrf in ["", "zz", foreign.as_str()] {
        for (uri, body) in [
            (
                "/accounts",
                "name=x1&role=admin&tenant=a.example&password=long-enough",
            ),
            ("/accounts/bob/password", "password=long-enough"),
            ("/accounts/bob/delete", ""),
        ] {
            let r = f
                .post_form(uri, Some(&root), &format!("csrf={csrf}&{body}"))
                .await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{uri} csrf={csrf}");
        }
    }
    assert!(!exists(&f, "x1").await);
    assert!(exists(&f, "bob").await);
    let bob = f
        .store
        .account_by_name(&"bob".parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(verify_password(PASSWORD, &bob.password_hash));
    let r = f.post_form("/accounts/bob/delete", None, "").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/login");
    let r = f.page("/accounts", None).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/login?next=%2Faccounts");
}

#[tokio::test]
async fn a_tenant_admin_manages_only_its_own_tenant_and_a_user_none() {
    let f = Fixture::new().await;
    let alice = f.web_login("alice").await;
    assert_eq!(listed(&f, &alice).await, ["alice", "carol"]);
    let page = f.page("/accounts", Some(&alice)).await;
    let html = page.text();
    assert!(html.contains("Accounts of a.example"), "{html}");
    assert!(!html.contains(r#"<option value="platform""#), "{html}");
    assert!(
        !html.contains("b.example") && !html.contains("root"),
        "{html}"
    );
    let token = f.csrf("/accounts", &alice).await;

    let r = f
        .post_form(
            "/accounts",
            Some(&alice),
            &format!("csrf={token}&name=frank&role=user&tenant=a.example&extension=1002&password=frank-pass-1"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert!(exists(&f, "frank").await);

    // Platform accounts: 403; another tenant or its accounts: 404, as if absent.
    let r = f
        .post_form(
            "/accounts",
            Some(&alice),
            &format!("csrf={token}&name=x1&role=platform&password=long-enough"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    let r = f
        .post_form(
            "/accounts",
            Some(&alice),
            &format!("csrf={token}&name=x1&role=admin&tenant=b.example&password=long-enough"),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text());
    assert!(!exists(&f, "x1").await);
    for name in ["root", "bob", "nobody"] {
        let r = f
            .post_form(
                &format!("/accounts/{name}/password"),
                Some(&alice),
                &format!("csrf={token}&password=taken-over-1"),
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{name}");
        let r = f
            .post_form(
                &format!("/accounts/{name}/delete"),
                Some(&alice),
                &format!("csrf={token}"),
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{name}");
    }
    assert!(exists(&f, "root").await && exists(&f, "bob").await);
    let root = f
        .store
        .account_by_name(&"root".parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(verify_password(PASSWORD, &root.password_hash));
    // An account name of another tenant is taken, and says no more.
    let r = f
        .post_form(
            "/accounts",
            Some(&alice),
            &format!("csrf={token}&name=bob&role=admin&tenant=a.example&password=long-enough"),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains("account name is taken"), "{}", r.text());

    // Its own tenant's accounts it changes and removes.
    let r = f
        .post_form(
            "/accounts/carol/password",
            Some(&alice),
            &format!("csrf={token}&password=carol-new-pass"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = f
        .post_form(
            "/accounts/frank/delete",
            Some(&alice),
            &format!("csrf={token}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(!exists(&f, "frank").await);

    // A tenant user manages no account and is not offered the page.
    let carol = login(&f, "carol", "carol-new-pass").await;
    let home = f.page("/", Some(&carol)).await;
    assert!(
        !home.text().contains(r#"href="/accounts""#),
        "{}",
        home.text()
    );
    assert!(home.text().contains(r#"href="/tokens""#));
    let r = f.page("/accounts", Some(&carol)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let token = f.csrf("/tokens", &carol).await;
    let r = f
        .post_form(
            "/accounts",
            Some(&carol),
            &format!("csrf={token}&name=x1&role=user&tenant=a.example&password=long-enough"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = f
        .post_form(
            "/accounts/alice/password",
            Some(&carol),
            &format!("csrf={token}&password=long-enough"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(!exists(&f, "x1").await);
}

/// The secret on a token result page.
fn secret_of(html: &str) -> String {
    let (_, rest) = html
        .split_once(r#"<pre class="secret"><code>"#)
        .unwrap_or_else(|| panic!("no secret: {html}"));
    rest.split('<').next().unwrap().to_owned()
}

#[tokio::test]
async fn a_token_is_created_with_its_secret_shown_once_and_revoked() {
    let f = Fixture::new().await;
    let alice = f.web_login("alice").await;
    let page = f.page("/tokens", Some(&alice)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text().contains("API tokens of alice"),
        "{}",
        page.text()
    );
    assert!(page.text().contains("<td>test</td>"), "the fixture's token");
    let token = f.csrf("/tokens", &alice).await;

    let r = f
        .post_form(
            "/tokens",
            Some(&alice),
            &format!("csrf={token}&label=crm+sync"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.headers["cache-control"], "no-store");
    assert!(r.text().contains("will not be shown again"), "{}", r.text());
    let secret = secret_of(r.text());
    assert_eq!(secret.len(), 64);
    let me = f.call("GET", "/api/v1/me", Some(&secret), None).await;
    assert_eq!(me.status, StatusCode::OK, "{:?}", me.body);
    assert_eq!(me.body["username"], "alice");

    let page = f.page("/tokens", Some(&alice)).await;
    assert!(page.text().contains("<td>crm sync</td>"), "{}", page.text());
    assert!(
        !page.text().contains(&secret),
        "the secret is not shown again"
    );
    let id = f
        .store
        .list_tokens(Some(&"alice".parse().unwrap()))
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.name == "crm sync")
        .unwrap()
        .id;

    // Bad labels are named; without the CSRF token nothing is created.
    for label in ["", "+++", &"x".repeat(65)] {
        let r = f
            .post_form(
                "/tokens",
                Some(&alice),
                &format!("csrf={token}&label={label}"),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{label:?}");
        assert!(r.text().contains("<strong>label</strong>"), "{}", r.text());
        assert!(!r.text().contains(r#"class="secret""#));
    }
    let r = f
        .post_form("/tokens", Some(&alice), "csrf=zz&label=sneaky")
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = f
        .post_form(&format!("/tokens/{id}/revoke"), Some(&alice), "csrf=")
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        f.store
            .list_tokens(Some(&"alice".parse().unwrap()))
            .await
            .unwrap()
            .len(),
        2
    );

    // Another tenant's admin neither sees nor revokes it; the platform admin does both.
    let bob = f.web_login("bob").await;
    let bob_token = f.csrf("/tokens", &bob).await;
    let page = f.page("/tokens", Some(&bob)).await;
    assert!(!page.text().contains("crm sync"));
    let r = f
        .post_form(
            &format!("/tokens/{id}/revoke"),
            Some(&bob),
            &format!("csrf={bob_token}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = f.page("/tokens?account=alice", Some(&bob)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let root = f.web_login("root").await;
    let page = f.page("/tokens?account=alice", Some(&root)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("API tokens of alice") && page.text().contains("crm sync"));
    assert!(
        !page.text().contains("Create a token"),
        "only for one's own account"
    );

    let r = f
        .post_form(
            &format!("/tokens/{id}/revoke"),
            Some(&alice),
            &format!("csrf={token}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(r.location(), "/tokens");
    let me = f.call("GET", "/api/v1/me", Some(&secret), None).await;
    assert_eq!(me.status, StatusCode::UNAUTHORIZED);
    let page = f.page("/tokens", Some(&alice)).await;
    assert!(!page.text().contains("crm sync"));
    let r = f
        .post_form(
            &format!("/tokens/{id}/revoke"),
            Some(&alice),
            &format!("csrf={token}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // A tenant user has tokens of its own too, as in the API.
    let carol = f.web_login("carol").await;
    let token = f.csrf("/tokens", &carol).await;
    let r = f
        .post_form("/tokens", Some(&carol), &format!("csrf={token}&label=mine"))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let secret = secret_of(r.text());
    let me = f.call("GET", "/api/v1/me", Some(&secret), None).await;
    assert_eq!(me.body["username"], "carol");
}
