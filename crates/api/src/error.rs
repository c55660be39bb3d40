//! The crate's one error type and its mapping onto HTTP responses.
//!
//! Invariants: every error body is JSON with an `error` code; a validation error names
//! its field; an internal error says only `{"error":"internal"}` to the client and logs the
//! detail; a store error is mapped here once, never in handlers.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use vpbx_model::ModelError;
use vpbx_routing::RoutingError;
use vpbx_store::StoreError;

/// Everything a request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A request field is invalid (400).
    #[error("invalid {field}: {message}")]
    Invalid {
        /// The field as the client named it (`password`, `call_limit`, `body`...).
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// No such resource, or one the caller may not know about (404).
    #[error("not found: {0}")]
    NotFound(String),
    /// No valid credentials (401).
    #[error("unauthorized")]
    Unauthorized,
    /// Authenticated, but the role does not allow this (403).
    #[error("forbidden")]
    Forbidden,
    /// Refused for a reason the client is told, such as a tenant option that is off (403).
    #[error("refused: {0}")]
    Refused(String),
    /// The resource exists already in a way that conflicts (409).
    #[error("conflict: {0}")]
    Conflict(String),
    /// Too many failed logins from this address: solve a CAPTCHA first (401).
    #[error("captcha required")]
    CaptchaRequired,
    /// The address is blocked after too many failed logins (429).
    #[error("blocked for {retry_after} s")]
    Blocked {
        /// Seconds until the block ends.
        retry_after: u64,
    },
    /// The request body is over the limit (413).
    #[error("request body too large")]
    TooLarge,
    /// Anything else; the text is logged, never sent (500).
    #[error("internal: {0}")]
    Internal(String),
}

impl ApiError {
    /// An [`ApiError::Invalid`] for `field`.
    pub fn invalid(field: &str, message: impl Into<String>) -> ApiError {
        ApiError::Invalid {
            field: field.to_owned(),
            message: message.into(),
        }
    }

    /// The status code this error is sent with.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Invalid { .. } => StatusCode::BAD_REQUEST,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Unauthorized | ApiError::CaptchaRequired => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden | ApiError::Refused(_) => StatusCode::FORBIDDEN,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::Blocked { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = match &self {
            ApiError::Invalid { field, message } => {
                json!({"error": "invalid", "field": field, "message": message})
            }
            ApiError::NotFound(what) => json!({"error": "not_found", "message": what}),
            ApiError::Unauthorized => json!({"error": "unauthorized"}),
            ApiError::Forbidden => json!({"error": "forbidden"}),
            ApiError::Refused(why) => json!({"error": "forbidden", "message": why}),
            ApiError::Conflict(what) => json!({"error": "conflict", "message": what}),
            ApiError::CaptchaRequired => json!({"error": "captcha_required"}),
            ApiError::Blocked { retry_after } => {
                json!({"error": "blocked", "retry_after": retry_after})
            }
            ApiError::TooLarge => json!({"error": "too_large"}),
            ApiError::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                json!({"error": "internal"})
            }
        };
        let mut response = (status, axum::Json(body)).into_response();
        if let ApiError::Blocked { retry_after } = self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match e {
            StoreError::NotFound(what) => ApiError::NotFound(what),
            StoreError::AlreadyExists(what) => ApiError::Conflict(format!("{what} already exists")),
            StoreError::InUse(what) => ApiError::Conflict(what),
            StoreError::Invalid(message) => ApiError::Invalid {
                field: store_field(&message),
                message,
            },
            other => ApiError::Internal(other.to_string()),
        }
    }
}

/// The request field a store `Invalid` message is about (its messages start with the
/// field in words: "call limit 0", "secret without username", "port 0").
fn store_field(message: &str) -> String {
    const FIELDS: [(&str, &str); 4] = [
        ("call limit", "call_limit"),
        ("busy level", "busy_level"),
        ("token name", "name"),
        ("extension", "extension"),
    ];
    FIELDS
        .iter()
        .find(|(words, _)| message.starts_with(words))
        .map(|(_, field)| (*field).to_owned())
        .unwrap_or_else(|| {
            message
                .split([' ', ':'])
                .next()
                .unwrap_or("body")
                .to_owned()
        })
}

impl From<ModelError> for ApiError {
    fn from(e: ModelError) -> ApiError {
        ApiError::invalid(e.field, e.reason)
    }
}

impl From<RoutingError> for ApiError {
    fn from(e: RoutingError) -> ApiError {
        match e {
            RoutingError::Invalid { field, reason } => ApiError::invalid(field, reason),
            pattern @ RoutingError::Pattern { .. } => {
                ApiError::invalid("pattern", pattern.to_string())
            }
        }
    }
}
