//! Shared fixture of the API tests: a temp store with a platform admin, two tenants with
//! an admin each and a tenant user, the router built in-process, and a request helper.

#![allow(dead_code)]

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use serde_json::Value;
use std::net::SocketAddr;
use tower::ServiceExt;
use vpbx_api::credentials::{hash_password, random_secret, secret_hash};
use vpbx_api::{router, ApiConfig, ApiState};
use vpbx_store::{NewAccount, Role, SecretBox, Store, TenantStore};

/// The fixture: keep `_dir` alive while the store is used.
pub struct Fixture {
    pub _dir: tempfile::TempDir,
    pub store: Store,
    pub app: Router,
    /// Platform admin token.
    pub root: String,
    /// Admin of a.example.
    pub admin_a: String,
    /// Admin of b.example.
    pub admin_b: String,
    /// User of a.example bound to extension 1000.
    pub user_a: String,
}

/// A response: status, headers and body (JSON when it parses, else a string).
pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Value,
}

pub const PASSWORD: &str = "secret-pass-1";

impl Fixture {
    pub async fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).await.unwrap();
        let secrets = SecretBox::open_or_create(dir.path()).unwrap();
        let a = store
            .create_tenant(&"a.example".parse().unwrap(), 1)
            .await
            .unwrap();
        let b = store
            .create_tenant(&"b.example".parse().unwrap(), 1)
            .await
            .unwrap();
        let config = ApiConfig {
            data_dir: Some(dir.path().to_owned()),
            ..ApiConfig::default()
        };
        let app = router(ApiState::new(store.clone(), secrets, config));
        let mut f = Fixture {
            _dir: dir,
            store,
            app,
            root: String::new(),
            admin_a: String::new(),
            admin_b: String::new(),
            user_a: String::new(),
        };
        f.root = f.account("root", Role::Platform, None, None).await;
        f.admin_a = f.account("alice", Role::Admin, Some(a.id), None).await;
        f.admin_b = f.account("bob", Role::Admin, Some(b.id), None).await;
        f.user_a = f
            .account("carol", Role::User, Some(a.id), Some("1000"))
            .await;
        f
    }

    /// Adds an account with [`PASSWORD`] and returns a fresh token of it.
    async fn account(
        &self,
        name: &str,
        role: Role,
        tenant: Option<vpbx_model::TenantId>,
        ext: Option<&str>,
    ) -> String {
        let account = self
            .store
            .add_account(
                &NewAccount {
                    name: name.parse().unwrap(),
                    password_hash: hash_password(PASSWORD).unwrap(),
                    role,
                    tenant,
                    extension: ext.map(|e| e.parse().unwrap()),
                },
                1,
            )
            .await
            .unwrap();
        let token = random_secret();
        self.store
            .add_token(&account.name, "test", &secret_hash(&token), 1)
            .await
            .unwrap();
        token
    }

    /// The store of tenant `domain`.
    pub async fn tenant(&self, domain: &str) -> TenantStore {
        let t = self
            .store
            .tenant_by_domain(&domain.parse().unwrap())
            .await
            .unwrap()
            .unwrap();
        self.store.tenant(t.id)
    }

    /// Sends a request with an optional bearer token and JSON body from 192.0.2.10.
    pub async fn call(
        &self,
        method: &str,
        uri: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let raw = body.map(|b| b.to_string());
        self.send(
            method,
            uri,
            token.map(|t| format!("Bearer {t}")),
            None,
            raw,
            "192.0.2.10",
        )
        .await
    }

    /// Sends a request with full control over the headers, raw body and source address.
    pub async fn send(
        &self,
        method: &str,
        uri: &str,
        authorization: Option<String>,
        cookie: Option<String>,
        body: Option<String>,
        ip: &str,
    ) -> Reply {
        let mut req = Request::builder().method(method).uri(uri);
        if let Some(a) = authorization {
            req = req.header("authorization", a);
        }
        if let Some(c) = cookie {
            req = req.header("cookie", c);
        }
        if body.is_some() {
            req = req.header("content-type", "application/json");
        }
        let mut req = req.body(Body::from(body.unwrap_or_default())).unwrap();
        let addr: SocketAddr = format!("{ip}:40000").parse().unwrap();
        req.extensions_mut().insert(ConnectInfo(addr));
        let res = self.app.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        let body = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        Reply {
            status,
            headers,
            body,
        }
    }
}

impl Fixture {
    /// Sends a form (`application/x-www-form-urlencoded`) with an optional cookie from
    /// 192.0.2.20, as a browser submits it.
    pub async fn post_form(&self, uri: &str, cookie: Option<&str>, body: &str) -> Reply {
        let mut req = Request::builder()
            .method("POST")
            .uri(uri)
            .header("content-type", "application/x-www-form-urlencoded");
        if let Some(c) = cookie {
            req = req.header("cookie", c);
        }
        let mut req = req.body(Body::from(body.to_owned())).unwrap();
        req.extensions_mut()
            .insert(ConnectInfo(SocketAddr::from(([192, 0, 2, 20], 40000))));
        let res = self.app.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        Reply {
            status,
            headers,
            body: Value::String(String::from_utf8_lossy(&bytes).into_owned()),
        }
    }

    /// GETs a cabinet page with an optional cookie; the body is the HTML as a string.
    pub async fn page(&self, uri: &str, cookie: Option<&str>) -> Reply {
        let r = self
            .send(
                "GET",
                uri,
                None,
                cookie.map(str::to_owned),
                None,
                "192.0.2.20",
            )
            .await;
        let body = match r.body {
            Value::String(s) => Value::String(s),
            other => Value::String(other.to_string()),
        };
        Reply { body, ..r }
    }

    /// Logs `user` (password [`PASSWORD`]) in through the cabinet's login form and returns
    /// the `name=value` pair of its session cookie.
    pub async fn web_login(&self, user: &str) -> String {
        let r = self
            .post_form(
                "/login",
                None,
                &format!("username={user}&password={PASSWORD}"),
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

    /// The CSRF token in the forms of the page `uri` seen with `cookie`.
    pub async fn csrf(&self, uri: &str, cookie: &str) -> String {
        let html = self.page(uri, Some(cookie)).await.text().to_owned();
        let (_, rest) = html
            .split_once(r#"name="csrf" value=""#)
            .unwrap_or_else(|| panic!("no CSRF field on {uri}: {html}"));
        rest.split('"').next().unwrap().to_owned()
    }
}

impl Reply {
    /// The body as text (HTML pages, CSV).
    pub fn text(&self) -> &str {
        self.body.as_str().unwrap_or_default()
    }

    /// The `Location` header of a redirect.
    pub fn location(&self) -> &str {
        self.headers
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }
}
