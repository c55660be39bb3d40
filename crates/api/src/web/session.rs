//! Who is using the cabinet and whether a form really came from its pages: the
//! [`Session`] and [`Posted`] extractors, the CSRF token and [`WebError`].
//!
//! Invariants: the cabinet authenticates by session cookie only; a request without a
//! valid one is redirected to `/login?next=PATH` (a GET's own path, `/` for anything
//! else), and `next` is followed only when it is a local path; every POST made through
//! [`Posted`] carries `csrf` = HMAC-SHA256 keyed with the session id over a fixed label,
//! compared in constant time, and is refused with 403 otherwise (the token is derived,
//! never stored, and tells nothing about the session id).

use super::layout::error_page;
use crate::auth::{session_cookie, Caller};
use crate::credentials::secret_hash;
use crate::state::unix_now;
use crate::{ApiError, ApiState, BODY_LIMIT};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use hmac::{Hmac, Mac};
use serde::de::DeserializeOwned;
use sha2::Sha256;

/// What the CSRF token authenticates (the key is the session id).
const CSRF_LABEL: &[u8] = b"vpbx cabinet form v1";

/// A failed cabinet request.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// No valid session: go to the login form, then back to `next`.
    #[error("not logged in")]
    LoggedOut {
        /// The local path to return to after logging in.
        next: String,
    },
    /// A POST without the form token of the session (403).
    #[error("missing or wrong form token")]
    Csrf,
    /// Anything the API could answer (404 for another tenant, 403 for a role...).
    #[error(transparent)]
    Api(#[from] ApiError),
}

impl From<vpbx_store::StoreError> for WebError {
    fn from(e: vpbx_store::StoreError) -> WebError {
        WebError::Api(e.into())
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        match self {
            WebError::LoggedOut { next } => Redirect::to(&login_url(&next)).into_response(),
            WebError::Csrf => error_page(
                StatusCode::FORBIDDEN,
                "The form was not sent from this cabinet or has expired: reload the page and \
                 try again.",
            ),
            WebError::Api(ApiError::Unauthorized) => Redirect::to("/login").into_response(),
            WebError::Api(e) => {
                let status = e.status();
                let text = match e {
                    ApiError::Invalid { field, message } => format!("{field}: {message}"),
                    ApiError::NotFound(_) => "Not found.".to_owned(),
                    ApiError::Forbidden => "Your account may not do this.".to_owned(),
                    ApiError::Refused(why) => why,
                    ApiError::Conflict(what) => what,
                    ApiError::TooLarge => "The form is too large.".to_owned(),
                    ApiError::Internal(detail) => {
                        tracing::error!(%detail, "internal error");
                        "Something went wrong; it has been logged.".to_owned()
                    }
                    ApiError::Unauthorized | ApiError::CaptchaRequired => {
                        "Log in first.".to_owned()
                    }
                    ApiError::Blocked { retry_after } => blocked_text(retry_after),
                };
                error_page(status, &text)
            }
        }
    }
}

/// What a blocked address is told.
pub fn blocked_text(retry_after: u64) -> String {
    format!(
        "Too many failed logins from your address: try again in {} minute(s).",
        retry_after.div_ceil(60)
    )
}

/// `/login`, with `next` when it is a local path other than `/`.
pub fn login_url(next: &str) -> String {
    match local_path(next) {
        Some(path) if path != "/" => format!(
            "/login?{}",
            form_urlencoded::Serializer::new(String::new())
                .append_pair("next", path)
                .finish()
        ),
        _ => "/login".to_owned(),
    }
}

/// `path` if it is a path on this site (`/x`, not `//host`, `/\host` or a URL with a
/// scheme), else `None`: the only places a login may send the browser back to.
pub fn local_path(path: &str) -> Option<&str> {
    let mut bytes = path.bytes();
    let local = bytes.next() == Some(b'/')
        && !matches!(bytes.next(), Some(b'/' | b'\\'))
        && !path.bytes().any(|b| b == b'\\' || b.is_ascii_control());
    local.then_some(path)
}

/// A logged-in cabinet user and the form token of its session.
pub struct Session {
    /// The account, with the API's access rules.
    pub caller: Caller,
    /// The CSRF token every form of this session carries.
    pub csrf: String,
}

impl FromRequestParts<ApiState> for Session {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &ApiState) -> Result<Self, WebError> {
        let next = match parts.method {
            Method::GET | Method::HEAD => parts
                .uri
                .path_and_query()
                .map_or("/", |p| p.as_str())
                .to_owned(),
            _ => "/".to_owned(),
        };
        let logged_out = || WebError::LoggedOut { next: next.clone() };
        let Some(id) = session_cookie(&parts.headers) else {
            return Err(logged_out());
        };
        let account = state
            .store
            .account_by_session(&secret_hash(id), unix_now())
            .await?
            .ok_or_else(logged_out)?;
        Ok(Session {
            caller: Caller(account),
            csrf: hex::encode(csrf_mac(id).finalize().into_bytes()),
        })
    }
}

/// The CSRF MAC of session `id`, before the label's result is taken or checked.
fn csrf_mac(id: &str) -> Hmac<Sha256> {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(id.as_bytes()).expect("HMAC takes any key length");
    mac.update(CSRF_LABEL);
    mac
}

/// Whether `token` (hex, as the forms carry it) is the CSRF token of the session whose
/// cookie `headers` carry; for forms not read through [`Posted`] (file uploads).
pub fn csrf_matches(headers: &header::HeaderMap, token: &str) -> bool {
    let token = hex::decode(token.as_bytes()).unwrap_or_default();
    let id = session_cookie(headers).unwrap_or_default();
    csrf_mac(id).verify_slice(&token).is_ok()
}

/// A form with nothing but its CSRF token (a button).
#[derive(serde::Deserialize)]
pub struct NoFields {}

/// A POSTed form of type `T` (fields absent from the form take their defaults) from a
/// logged-in session whose CSRF token it carries.
pub struct Posted<T> {
    /// Who sent it.
    pub session: Session,
    /// The form's fields.
    pub form: T,
}

impl<T: DeserializeOwned> FromRequest<ApiState> for Posted<T> {
    type Rejection = WebError;

    async fn from_request(req: Request, state: &ApiState) -> Result<Self, WebError> {
        let (mut parts, body) = req.into_parts();
        let session = Session::from_request_parts(&mut parts, state).await?;
        let is_form = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if !is_form {
            return Err(WebError::Csrf);
        }
        let bytes = axum::body::to_bytes(body, BODY_LIMIT)
            .await
            .map_err(|_| ApiError::TooLarge)?;
        let token = form_urlencoded::parse(&bytes)
            .find(|(k, _)| k == "csrf")
            .and_then(|(_, v)| hex::decode(v.as_bytes()).ok())
            .unwrap_or_default();
        let id = session_cookie(&parts.headers).unwrap_or_default();
        if csrf_mac(id).verify_slice(&token).is_err() {
            return Err(WebError::Csrf);
        }
        let form = serde_urlencoded::from_bytes(&bytes)
            .map_err(|e| ApiError::invalid("form", e.to_string()))?;
        Ok(Posted { session, form })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(local_path("/t/a.example/users"), Some("/t/a.example/users"));
        assert_eq!(local_path("/"), Some("/"));
        for bad in [
            "",
            "//evil.example/",
            "/\\evil.example",
            "https://evil.example/",
            "evil",
            "/a\\b",
            "/a\nb",
        ] {
            assert_eq!(local_path(bad), None, "{bad:?}");
        }
        assert_eq!(login_url("//evil.example"), "/login");
        assert_eq!(login_url("/"), "/login");
        assert_eq!(login_url("/x?a=1"), "/login?next=%2Fx%3Fa%3D1");
    }

    #[test]
    fn csrf_tokens_depend_on_the_session() {
        let a = csrf_mac("session-a").finalize().into_bytes();
        let b = csrf_mac("session-b").finalize().into_bytes();
        assert_ne!(a, b);
        assert!(csrf_mac("session-a").verify_slice(&a).is_ok());
        assert!(csrf_mac("session-a").verify_slice(&b).is_err());
        assert!(csrf_mac("session-a").verify_slice(&[]).is_err());
    }
}
