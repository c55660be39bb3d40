//! `/tenants/{domain}/voicemail`: a tenant's voicemail boxes (list; get, replace and
//! remove one box's settings) and the messages left in a box (list, play or download the
//! WAV, mark heard or new, delete).
//!
//! Invariants: the access rules and file checks are [`crate::voicemail`]'s, shared with
//! the web cabinet: admins read and change their tenant's boxes, a tenant user reads only
//! its own extension's box and messages (another extension is 404) and changes nothing
//! but whether its messages are heard (403); a message's file is streamed by
//! [`super::media::serve`] (Range requests) and opened only inside
//! `voicemail/<tenant id>/`.

use super::media::{serve, DownloadQuery};
use crate::auth::{Caller, Need};
use crate::extract::{ApiJson, ApiQuery};
use crate::page::{paginate, Page};
use crate::voicemail::{
    audio_file, box_of, box_out, boxes, mark_heard, remove_message, save_box, visible_extension,
    BoxBody, BoxOut, MessageOut, MessagePatch,
};
use crate::{ApiError, ApiState};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;

/// `GET /voicemail` and `GET /voicemail/{ext}/messages` query.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct VoicemailQuery {
    /// Page size, 1 to 1000 (default 100).
    pub limit: Option<u32>,
    /// Items to skip.
    pub offset: Option<usize>,
}

/// Lists the tenant's voicemail boxes, ordered by extension (a tenant user: its own).
#[utoipa::path(get, path = "/api/v1/tenants/{domain}/voicemail", tag = "voicemail",
    params(("domain" = String, Path, description = "SIP domain"), VoicemailQuery),
    responses((status = 200, body = Page<BoxOut>)), security(("token" = []), ("session" = [])))]
pub async fn list(
    State(state): State<ApiState>,
    caller: Caller,
    Path(domain): Path<String>,
    ApiQuery(q): ApiQuery<VoicemailQuery>,
) -> Result<Json<Page<BoxOut>>, ApiError> {
    let (_, ts) = caller.tenant(&state, &domain, Need::Mailbox).await?;
    Ok(Json(paginate(
        boxes(&caller, &ts).await?,
        q.limit,
        q.offset,
    )?))
}

/// One extension's box and its message counts.
#[utoipa::path(get, path = "/api/v1/tenants/{domain}/voicemail/{ext}", tag = "voicemail",
    params(("domain" = String, Path, description = "SIP domain"), ("ext" = String, Path, description = "extension")),
    responses((status = 200, body = BoxOut), (status = 404, description = "no such box")),
    security(("token" = []), ("session" = [])))]
pub async fn get(
    State(state): State<ApiState>,
    caller: Caller,
    Path((domain, ext)): Path<(String, String)>,
) -> Result<Json<BoxOut>, ApiError> {
    let (_, ts) = caller.tenant(&state, &domain, Need::Mailbox).await?;
    let ext = visible_extension(&caller, &ext)?;
    let vm = ts
        .voicemail_box(&ext)
        .await?
        .ok_or_else(|| ApiError::NotFound("voicemail box".into()))?;
    let user = ts.get_user(&ext).await?;
    let email = user.as_ref().and_then(|u| u.email.as_ref());
    Ok(Json(box_out(&ts, &vm, email).await?))
}

/// Creates the extension's box or replaces its settings (admins): the body is the whole
/// box, absent fields take a new box's values. A running server uses it for the next call.
#[utoipa::path(put, path = "/api/v1/tenants/{domain}/voicemail/{ext}", tag = "voicemail",
    params(("domain" = String, Path, description = "SIP domain"), ("ext" = String, Path, description = "extension")),
    request_body = BoxBody,
    responses((status = 201, body = BoxOut), (status = 200, body = BoxOut),
        (status = 400, description = "a field is invalid, named in `field`"),
        (status = 404, description = "no such extension")),
    security(("token" = []), ("session" = [])))]
pub async fn put(
    State(state): State<ApiState>,
    caller: Caller,
    Path((domain, ext)): Path<(String, String)>,
    ApiJson(body): ApiJson<BoxBody>,
) -> Result<(StatusCode, Json<BoxOut>), ApiError> {
    let (_, ts) = caller.tenant(&state, &domain, Need::Write).await?;
    let ext: vpbx_model::Extension = ext.parse()?;
    let user = ts
        .get_user(&ext)
        .await?
        .ok_or_else(|| ApiError::NotFound("extension".into()))?;
    let vm = box_of(ext, &body)?;
    let existed = ts.voicemail_box(&vm.extension).await?.is_some();
    save_box(&ts, &vm).await?;
    let status = if existed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(box_out(&ts, &vm, user.email.as_ref()).await?)))
}

/// Removes the extension's box (admins): its calls no longer go to voicemail; messages
/// already left are kept.
#[utoipa::path(delete, path = "/api/v1/tenants/{domain}/voicemail/{ext}", tag = "voicemail",
    params(("domain" = String, Path, description = "SIP domain"), ("ext" = String, Path, description = "extension")),
    responses((status = 204), (status = 404)), security(("token" = []), ("session" = [])))]
pub async fn delete(
    State(state): State<ApiState>,
    caller: Caller,
    Path((domain, ext)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let (_, ts) = caller.tenant(&state, &domain, Need::Write).await?;
    ts.remove_voicemail_box(&ext.parse()?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The messages left for the extension, newest first.
#[utoipa::path(get, path = "/api/v1/tenants/{domain}/voicemail/{ext}/messages", tag = "voicemail",
    params(("domain" = String, Path, description = "SIP domain"), ("ext" = String, Path, description = "extension"), VoicemailQuery),
    responses((status = 200, body = Page<MessageOut>), (status = 404)),
    security(("token" = []), ("session" = [])))]
pub async fn messages(
    State(state): State<ApiState>,
    caller: Caller,
    Path((domain, ext)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<VoicemailQuery>,
) -> Result<Json<Page<MessageOut>>, ApiError> {
    let (_, ts) = caller.tenant(&state, &domain, Need::Mailbox).await?;
    let ext = visible_extension(&caller, &ext)?;
    let items: Vec<MessageOut> = ts
        .list_voicemail(&ext)
        .await?
        .into_iter()
        .map(MessageOut::from)
        .collect();
    Ok(Json(paginate(items, q.limit, q.offset)?))
}

/// The message's audio: an 8 kHz mono WAV file, streamed, with single-range requests;
/// 404 once its file was deleted after mailing.
#[utoipa::path(get, path = "/api/v1/tenants/{domain}/voicemail/{ext}/messages/{id}/audio", tag = "voicemail",
    params(("domain" = String, Path, description = "SIP domain"), ("ext" = String, Path, description = "extension"),
        ("id" = i64, Path, description = "message id"), DownloadQuery),
    responses((status = 200, content_type = "audio/wav", body = Vec<u8>),
        (status = 206, content_type = "audio/wav", body = Vec<u8>, description = "the requested range"),
        (status = 404, description = "no such message, or its audio is gone"),
        (status = 416, description = "the range is not satisfiable")),
    security(("token" = []), ("session" = [])))]
pub async fn audio(
    State(state): State<ApiState>,
    caller: Caller,
    Path((domain, ext, id)): Path<(String, String, String)>,
    ApiQuery(q): ApiQuery<DownloadQuery>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let download = q.attachment()?;
    let (tenant, ts) = caller.tenant(&state, &domain, Need::Mailbox).await?;
    let ext = visible_extension(&caller, &ext)?;
    let id = message_id(&id)?;
    let gone = || ApiError::NotFound("voicemail message".into());
    let message = ts.voicemail_message(&ext, id).await?.ok_or_else(gone)?;
    let data = state.config.data_dir.as_deref().ok_or_else(gone)?;
    let file = audio_file(data, tenant.id, &message)
        .await
        .ok_or_else(gone)?;
    serve(
        &file,
        method,
        headers,
        &format!("voicemail-{ext}-{id}"),
        download,
    )
    .await
}

/// Deletes the message and its audio file (admins).
#[utoipa::path(delete, path = "/api/v1/tenants/{domain}/voicemail/{ext}/messages/{id}", tag = "voicemail",
    params(("domain" = String, Path, description = "SIP domain"), ("ext" = String, Path, description = "extension"),
        ("id" = i64, Path, description = "message id")),
    responses((status = 204), (status = 404)), security(("token" = []), ("session" = [])))]
pub async fn delete_message(
    State(state): State<ApiState>,
    caller: Caller,
    Path((domain, ext, id)): Path<(String, String, String)>,
) -> Result<StatusCode, ApiError> {
    let (_, ts) = caller.tenant(&state, &domain, Need::Write).await?;
    let ext: vpbx_model::Extension = ext.parse()?;
    let id = message_id(&id)?;
    remove_message(&ts, state.config.data_dir.as_deref(), &ext, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Marks the message heard (`{"heard": true}`) or new again (`false`): admins any box of
/// the tenant, a tenant user its own. A running server sends the box's new message counts
/// to subscribed phones (RFC 3842).
#[utoipa::path(patch, path = "/api/v1/tenants/{domain}/voicemail/{ext}/messages/{id}", tag = "voicemail",
    params(("domain" = String, Path, description = "SIP domain"), ("ext" = String, Path, description = "extension"),
        ("id" = i64, Path, description = "message id")),
    request_body = MessagePatch,
    responses((status = 200, body = MessageOut),
        (status = 400, description = "a field is invalid, named in `field`"),
        (status = 404, description = "no such message, or not the caller's box")),
    security(("token" = []), ("session" = [])))]
pub async fn patch_message(
    State(state): State<ApiState>,
    caller: Caller,
    Path((domain, ext, id)): Path<(String, String, String)>,
    ApiJson(body): ApiJson<MessagePatch>,
) -> Result<Json<MessageOut>, ApiError> {
    let (_, ts) = caller.tenant(&state, &domain, Need::Mailbox).await?;
    let id = message_id(&id)?;
    let row = mark_heard(&caller, &ts, &ext, id, body.heard).await?;
    Ok(Json(row.into()))
}

/// A message id from the path, or an error naming `id`.
fn message_id(id: &str) -> Result<i64, ApiError> {
    id.parse()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| ApiError::invalid("id", "must be a positive whole number"))
}
