//! `/tenants/{domain}/options/media` (the tenant's call-recording options: get, change)
//! and `/tenants/{domain}/cdrs/{call_id}/recording` (a call's recording: play or
//! download the stereo WAV, caller left, callee right).
//!
//! Invariants: the access rules and the path checks are [`crate::recordings`]'s, shared
//! with the web cabinet: when the tenant's `allow_download` is off every tenant account is
//! refused (403 with the reason), the platform admin is not; a tenant user reaches only
//! its own calls (another's call is 404, as a call that does not exist); a recording whose
//! stored path leaves `recordings/<tenant id>/` is never opened (404, logged); the file
//! is streamed by `tower-http`'s `ServeFile`, never read whole, with single-range
//! requests answered 206 and unsatisfiable or multi-range ones 416 with
//! `Content-Range: bytes */SIZE`.

use crate::auth::{Caller, Need};
use crate::extract::{ApiJson, ApiQuery};
use crate::recordings::{checked_path, file_stem, locate, may_play, sees_call};
use crate::{ApiError, ApiState};
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tower::ServiceExt;
use tower_http::services::ServeFile;
use utoipa::{IntoParams, ToSchema};
use vpbx_store::{MediaOptions, TenantStore};

/// A tenant's media options as the API shows them.
#[derive(Serialize, ToSchema, PartialEq, Debug)]
pub struct MediaOut {
    /// Record every answered call (stereo WAV, caller left, callee right).
    pub record_calls: bool,
    /// Tenant accounts may play and download recordings (the platform admin always may).
    pub allow_download: bool,
    /// Recordings older than this many days are deleted.
    pub retention_days: u32,
    /// Recordings may use at most this many MiB; beyond it new calls are not recorded.
    pub quota_mb: u64,
    /// Bytes the tenant's kept recordings use now.
    pub recording_bytes: u64,
}

/// `PUT /options/media` body: the options to change; an absent field keeps its value.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MediaBody {
    /// Record every answered call.
    pub record_calls: Option<bool>,
    /// Tenant accounts may play and download recordings.
    pub allow_download: Option<bool>,
    /// Keep recordings this many days, 1 to 3650.
    pub retention_days: Option<u32>,
    /// Recording quota, MiB, 1 to 10485760.
    pub quota_mb: Option<u64>,
}

/// Query of the audio files served (`GET /cdrs/{call_id}/recording`,
/// `GET /voicemail/{ext}/messages/{id}/audio`).
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DownloadQuery {
    /// `1` (or `true`): `Content-Disposition: attachment`, to save the file; `0` or absent:
    /// `inline`, to play it.
    pub download: Option<String>,
}

impl DownloadQuery {
    /// Whether the file is to be saved rather than played; `Invalid` naming `download`
    /// for any other value.
    pub fn attachment(&self) -> Result<bool, ApiError> {
        match self.download.as_deref() {
            None | Some("0" | "false") => Ok(false),
            Some("1" | "true") => Ok(true),
            Some(_) => Err(ApiError::invalid("download", "use 1 or 0")),
        }
    }
}

/// The options of `ts` and the bytes its recordings use.
async fn media_out(ts: &TenantStore) -> Result<MediaOut, ApiError> {
    let MediaOptions {
        record_calls,
        allow_download,
        retention_days,
        quota_mb,
    } = ts.media_options().await?;
    Ok(MediaOut {
        record_calls,
        allow_download,
        retention_days,
        quota_mb,
        recording_bytes: ts.recording_bytes().await?,
    })
}

/// The tenant's call-recording options and its recordings' current disk use.
#[utoipa::path(get, path = "/api/v1/tenants/{domain}/options/media", tag = "recordings",
    params(("domain" = String, Path, description = "SIP domain")),
    responses((status = 200, body = MediaOut)), security(("token" = []), ("session" = [])))]
pub async fn get_options(
    State(state): State<ApiState>,
    caller: Caller,
    Path(domain): Path<String>,
) -> Result<Json<MediaOut>, ApiError> {
    let (_, ts) = caller.tenant(&state, &domain, Need::Read).await?;
    Ok(Json(media_out(&ts).await?))
}

/// Changes the tenant's call-recording options (admins); absent fields keep their value.
/// A running server applies the change to the next call.
#[utoipa::path(put, path = "/api/v1/tenants/{domain}/options/media", tag = "recordings",
    params(("domain" = String, Path, description = "SIP domain")),
    request_body = MediaBody,
    responses((status = 200, body = MediaOut), (status = 400, description = "a field out of range, named in `field`")),
    security(("token" = []), ("session" = [])))]
pub async fn put_options(
    State(state): State<ApiState>,
    caller: Caller,
    Path(domain): Path<String>,
    ApiJson(body): ApiJson<MediaBody>,
) -> Result<Json<MediaOut>, ApiError> {
    let (_, ts) = caller.tenant(&state, &domain, Need::Write).await?;
    let old = ts.media_options().await?;
    let new = MediaOptions {
        record_calls: body.record_calls.unwrap_or(old.record_calls),
        allow_download: body.allow_download.unwrap_or(old.allow_download),
        retention_days: body.retention_days.unwrap_or(old.retention_days),
        quota_mb: body.quota_mb.unwrap_or(old.quota_mb),
    };
    ts.set_media_options(&new).await?;
    Ok(Json(media_out(&ts).await?))
}

/// The call's recording: a stereo WAV file (caller left, callee right), streamed, with
/// single-range requests (`Range: bytes=a-b`) for seeking. Refused (403) when the tenant
/// does not allow downloads, except to the platform admin; 404 when the call has no
/// recording (any more).
#[utoipa::path(get, path = "/api/v1/tenants/{domain}/cdrs/{call_id}/recording", tag = "recordings",
    params(("domain" = String, Path, description = "SIP domain"),
        ("call_id" = String, Path, description = "the call's SIP Call-ID"), DownloadQuery),
    responses((status = 200, content_type = "audio/wav", body = Vec<u8>),
        (status = 206, content_type = "audio/wav", body = Vec<u8>, description = "the requested range"),
        (status = 403, description = "downloads are off for this tenant"),
        (status = 404, description = "no such call, or no recording"),
        (status = 416, description = "the range is not satisfiable")),
    security(("token" = []), ("session" = [])))]
pub async fn recording(
    State(state): State<ApiState>,
    caller: Caller,
    Path((domain, call_id)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<DownloadQuery>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let download = q.attachment()?;
    let (tenant, ts) = caller.tenant(&state, &domain, Need::Cdrs).await?;
    if !may_play(&caller, &ts.media_options().await?) {
        return Err(ApiError::Refused(
            "this tenant does not allow playing or downloading recordings".into(),
        ));
    }
    let gone = || ApiError::NotFound("recording".into());
    let data = state.config.data_dir.as_deref().ok_or_else(gone)?;
    let row = ts
        .cdr_by_call_id(&call_id)
        .await?
        .filter(|r| sees_call(&caller, r))
        .ok_or_else(|| ApiError::NotFound("call".into()))?;
    let stored = row.recording.ok_or_else(gone)?;
    let Some(file) = checked_path(data, tenant.id, &stored.path) else {
        tracing::warn!(tenant = %tenant.id, cdr = row.id, "recording path outside the tenant's folder refused");
        return Err(gone());
    };
    let file = locate(data, tenant.id, &file).await.ok_or_else(gone)?;
    serve(&file, method, headers, &call_id, download).await
}

/// `file` as the answer to a `method` request with `headers` (its range and conditions),
/// named after `call_id` (made safe) in `Content-Disposition`.
pub(super) async fn serve(
    file: &std::path::Path,
    method: Method,
    headers: HeaderMap,
    call_id: &str,
    download: bool,
) -> Result<Response, ApiError> {
    let mut request = Request::new(Body::empty());
    *request.method_mut() = method;
    *request.headers_mut() = headers;
    let response = ServeFile::new(file)
        .oneshot(request)
        .await
        .map_err(|e| ApiError::Internal(format!("serving a recording: {e}")))?;
    match response.status() {
        StatusCode::OK | StatusCode::PARTIAL_CONTENT => {}
        StatusCode::NOT_FOUND => return Err(ApiError::NotFound("recording".into())),
        StatusCode::RANGE_NOT_SATISFIABLE => {
            let mut answer = (
                StatusCode::RANGE_NOT_SATISFIABLE,
                Json(json!({"error": "range_not_satisfiable",
                    "message": "send one range within the file, e.g. bytes=0-1023"})),
            )
                .into_response();
            if let Some(range) = response.headers().get(header::CONTENT_RANGE) {
                answer
                    .headers_mut()
                    .insert(header::CONTENT_RANGE, range.clone());
            }
            return Ok(answer);
        }
        _ => return Ok(response.map(Body::new)),
    }
    let mut response = response.map(Body::new);
    let disposition = format!(
        "{}; filename=\"{}.wav\"",
        if download { "attachment" } else { "inline" },
        file_stem(call_id)
    );
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("audio/wav"));
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&disposition).map_err(|e| ApiError::Internal(e.to_string()))?,
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    Ok(response)
}
