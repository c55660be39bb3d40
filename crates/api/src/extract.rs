//! Request extractors whose failures are [`ApiError`]s: a JSON body and a query string
//! whose errors name the offending field, and the client's source address.
//!
//! Invariants: a body over the limit is 413 `too_large`; a malformed body or query is 400
//! `invalid` with `field` set to the path of the bad value (`body` when the JSON itself
//! is broken); an empty body reads as `{}`, so a missing field is named as such.

use crate::ApiError;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use serde::de::DeserializeOwned;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

/// A JSON request body of type `T`.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::TooLarge
            } else {
                ApiError::invalid("body", "could not read the request body")
            }
        })?;
        let bytes: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
            b"{}"
        } else {
            &bytes
        };
        let mut de = serde_json::Deserializer::from_slice(bytes);
        let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            let field = match inner.classify() {
                serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
                    "body".to_owned()
                }
                _ => named_field(&path, &inner.to_string()),
            };
            ApiError::invalid(&field, inner.to_string())
        })?;
        de.end()
            .map_err(|e| ApiError::invalid("body", e.to_string()))?;
        Ok(ApiJson(value))
    }
}

/// A query string of type `T`.
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let query = parts.uri.query().unwrap_or_default();
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(de)
            .map(ApiQuery)
            .map_err(|e| {
                let path = e.path().to_string();
                let message = e.into_inner().to_string();
                ApiError::invalid(&named_field(&path, &message), message)
            })
    }
}

/// The field an error is about: its path, or for a missing or unknown field (whose path is
/// the enclosing object) the name quoted in the message.
pub(crate) fn named_field(path: &str, message: &str) -> String {
    for lead in ["missing field `", "unknown field `"] {
        if let Some(rest) = message.strip_prefix(lead) {
            if let Some(name) = rest.split('`').next() {
                return if path == "." {
                    name.to_owned()
                } else if path == name || path.ends_with(&format!(".{name}")) {
                    path.to_owned()
                } else {
                    format!("{path}.{name}")
                };
            }
        }
    }
    if path == "." {
        "body".to_owned()
    } else {
        path.to_owned()
    }
}

/// The client's IP address (the TCP peer; proxies' X-Forwarded-For is not trusted).
/// `0.0.0.0` when the server was started without connection info.
pub struct SourceIp(pub IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for SourceIp {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        Ok(SourceIp(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip()),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::named_field;

    #[test]
    fn fields_are_named() {
        assert_eq!(named_field(".", "missing field `password`"), "password");
        assert_eq!(named_field(".", "unknown field `pw`, expected x"), "pw");
        assert_eq!(named_field("pw", "unknown field `pw`, expected x"), "pw");
        assert_eq!(named_field("c", "missing field `id`"), "c.id");
        assert_eq!(named_field("limit", "invalid digit"), "limit");
        assert_eq!(named_field(".", "expected struct"), "body");
    }
}
