//! `Idempotency-Key` on POST (draft-ietf-httpapi-idempotency-key-header): a client that
//! retries a create after a timeout gets the first answer again instead of a second
//! resource.
//!
//! Invariants: keys are scoped to the credential that sent them (hash of the bearer token
//! or session cookie), so one client can never replay another's answer; a key reused with
//! a different method, path or body is refused (400 naming `Idempotency-Key`); while the
//! first request runs a retry gets 409; 5xx answers are not kept (the retry runs again);
//! answers are kept [`KEEP`] and at most [`CAPACITY`] of them, oldest dropped first.

use crate::auth::session_cookie;
use crate::credentials::secret_hash;
use crate::{ApiError, ApiState, BODY_LIMIT};
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The request header.
pub const HEADER: HeaderName = HeaderName::from_static("idempotency-key");
/// Set on a replayed answer.
pub const REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");
/// How long an answer is kept.
pub const KEEP: Duration = Duration::from_secs(24 * 3600);
/// Most answers kept at once.
pub const CAPACITY: usize = 10_000;
/// Largest answer body kept (API answers are small JSON documents).
const MAX_ANSWER: usize = 256 * 1024;

/// What is known about one key.
enum Entry {
    /// The first request with the key is still running.
    Running {
        fingerprint: [u8; 32],
        since: Instant,
    },
    /// Its answer.
    Done {
        fingerprint: [u8; 32],
        at: Instant,
        status: StatusCode,
        content_type: Option<HeaderValue>,
        body: Bytes,
    },
}

impl Entry {
    fn since(&self) -> Instant {
        match self {
            Entry::Running { since, .. } => *since,
            Entry::Done { at, .. } => *at,
        }
    }
}

/// The kept answers, by (credential hash, key).
#[derive(Default)]
pub struct IdempotencyCache {
    entries: Mutex<HashMap<(String, String), Entry>>,
}

/// What the cache says about a new request.
enum Lookup {
    /// First time: run it (the key is now marked running).
    Run,
    /// Replay this answer.
    Replay(Response),
    /// Refuse with this error.
    Refuse(ApiError),
}

impl IdempotencyCache {
    fn lookup(&self, id: &(String, String), fingerprint: [u8; 32], now: Instant) -> Lookup {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        match entries.get(id) {
            Some(e) if now.duration_since(e.since()) < KEEP => match e {
                Entry::Running { fingerprint: f, .. } | Entry::Done { fingerprint: f, .. }
                    if *f != fingerprint =>
                {
                    Lookup::Refuse(ApiError::invalid(
                        "Idempotency-Key",
                        "already used for a different request",
                    ))
                }
                Entry::Running { .. } => Lookup::Refuse(ApiError::Conflict(
                    "a request with this Idempotency-Key is still running".into(),
                )),
                Entry::Done {
                    status,
                    content_type,
                    body,
                    ..
                } => {
                    let mut response = (*status, body.clone()).into_response();
                    if let Some(ct) = content_type {
                        response.headers_mut().insert(CONTENT_TYPE, ct.clone());
                    }
                    response
                        .headers_mut()
                        .insert(REPLAYED, HeaderValue::from_static("true"));
                    Lookup::Replay(response)
                }
            },
            _ => {
                if entries.len() >= CAPACITY {
                    entries.retain(|_, e| now.duration_since(e.since()) < KEEP);
                }
                if entries.len() >= CAPACITY {
                    if let Some(oldest) = entries
                        .iter()
                        .min_by_key(|(_, e)| e.since())
                        .map(|(k, _)| k.clone())
                    {
                        entries.remove(&oldest);
                    }
                }
                entries.insert(
                    id.clone(),
                    Entry::Running {
                        fingerprint,
                        since: now,
                    },
                );
                Lookup::Run
            }
        }
    }

    fn finish(&self, id: (String, String), entry: Option<Entry>) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        match entry {
            Some(e) => entries.insert(id, e),
            None => entries.remove(&id),
        };
    }
}

/// Middleware: applies the cache to POST requests that carry the header and a credential.
pub async fn layer(State(state): State<ApiState>, request: Request, next: Next) -> Response {
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    let Some(key) = request.headers().get(HEADER) else {
        return next.run(request).await;
    };
    let key = match key.to_str() {
        Ok(k) if (1..=255).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()) => {
            k.to_owned()
        }
        _ => {
            return ApiError::invalid("Idempotency-Key", "must be 1 to 255 visible characters")
                .into_response()
        }
    };
    let Some(credential) = credential(&request) else {
        return next.run(request).await;
    };
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, BODY_LIMIT).await else {
        return ApiError::TooLarge.into_response();
    };
    let mut hash = Sha256::new();
    hash.update(parts.uri.path().as_bytes());
    hash.update([0]);
    hash.update(parts.uri.query().unwrap_or("").as_bytes());
    hash.update([0]);
    hash.update(&bytes);
    let fingerprint: [u8; 32] = hash.finalize().into();
    let id = (credential, key);
    let cache = &state.idempotency;
    match cache.lookup(&id, fingerprint, Instant::now()) {
        Lookup::Replay(response) => return response,
        Lookup::Refuse(e) => return e.into_response(),
        Lookup::Run => {}
    }
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    if response.status().is_server_error() {
        cache.finish(id, None);
        return response;
    }
    let (parts, body) = response.into_parts();
    match axum::body::to_bytes(body, MAX_ANSWER).await {
        Ok(body) => {
            cache.finish(
                id,
                Some(Entry::Done {
                    fingerprint,
                    at: Instant::now(),
                    status: parts.status,
                    content_type: parts.headers.get(CONTENT_TYPE).cloned(),
                    body: body.clone(),
                }),
            );
            Response::from_parts(parts, Body::from(body))
        }
        Err(_) => {
            cache.finish(id, None);
            ApiError::Internal("answer too large to keep for Idempotency-Key".into())
                .into_response()
        }
    }
}

/// The hash of the request's bearer token or session cookie, if any.
fn credential(request: &Request) -> Option<String> {
    let headers = request.headers();
    let bearer = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(|v| format!("bearer {v}"));
    bearer
        .or_else(|| session_cookie(headers).map(|s| format!("session {s}")))
        .map(|c| secret_hash(&c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(k: &str) -> (String, String) {
        ("cred".into(), k.into())
    }

    #[test]
    fn first_runs_retry_replays_other_body_refused_running_conflicts() {
        let cache = IdempotencyCache::default();
        let t0 = Instant::now();
        assert!(matches!(cache.lookup(&id("k"), [1; 32], t0), Lookup::Run));
        assert!(matches!(
            cache.lookup(&id("k"), [1; 32], t0),
            Lookup::Refuse(ApiError::Conflict(_))
        ));
        cache.finish(
            id("k"),
            Some(Entry::Done {
                fingerprint: [1; 32],
                at: t0,
                status: StatusCode::CREATED,
                content_type: None,
                body: Bytes::from_static(b"{}"),
            }),
        );
        match cache.lookup(&id("k"), [1; 32], t0) {
            Lookup::Replay(r) => {
                assert_eq!(r.status(), StatusCode::CREATED);
                assert!(r.headers().contains_key(REPLAYED));
            }
            _ => panic!("expected a replay"),
        }
        assert!(matches!(
            cache.lookup(&id("k"), [2; 32], t0),
            Lookup::Refuse(ApiError::Invalid { .. })
        ));
        assert!(matches!(
            cache.lookup(&id("k"), [1; 32], t0 + KEEP),
            Lookup::Run
        ));
    }

    #[test]
    fn bounded() {
        let cache = IdempotencyCache::default();
        let t0 = Instant::now();
        for i in 0..CAPACITY + 5 {
            let at = t0 + Duration::from_millis(u64::try_from(i).unwrap());
            assert!(matches!(
                cache.lookup(&id(&i.to_string()), [0; 32], at),
                Lookup::Run
            ));
        }
        let entries = cache.entries.lock().unwrap();
        assert_eq!(entries.len(), CAPACITY);
        assert!(!entries.contains_key(&id("0")));
    }
}
