//! `/tenants/{domain}/prompts`: a tenant's voice prompts (issue 5 item 2): list, download
//! the WAV, create-or-replace by name (PUT: a WAV file or text to synthesize), delete.
//!
//! Invariants: the checks, conversion and storage are [`crate::prompts`]'s, shared with
//! the CLI; only `PUT /prompts/{name}` accepts bodies up to
//! [`crate::prompts::MAX_PROMPT_BYTES`] (see [`upload_router`]), every other route keeps
//! the global [`crate::BODY_LIMIT`]; a prompt of a tenant the caller may not see is 404.

use crate::auth::{Caller, Need};
use crate::extract::{ApiJson, ApiQuery};
use crate::page::{paginate, Page};
use crate::prompts::{self, PromptError, PromptInput, MAX_PROMPT_BYTES};
use crate::state::unix_now;
use crate::{ApiError, ApiState};
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, Path, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::put as put_route;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tower_http::limit::RequestBodyLimitLayer;
use utoipa::{IntoParams, ToSchema};
use vpbx_model::PromptName;
use vpbx_store::{PromptRow, PromptSource};

/// A prompt as the API shows it.
#[derive(Serialize, ToSchema, PartialEq, Debug)]
pub struct PromptOut {
    /// Name, unique within the tenant.
    pub name: String,
    /// Length, milliseconds.
    pub duration_ms: u64,
    /// Size of the stored 8 kHz mono 16-bit WAV file, bytes.
    pub bytes: u64,
    /// `upload` or `tts`.
    pub source: String,
    /// The text spoken (`tts` only).
    pub text: Option<String>,
    /// The synthesizer voice (`tts` only).
    pub voice: Option<String>,
    /// When the current audio was stored, unix seconds.
    pub created_at: i64,
}

impl From<PromptRow> for PromptOut {
    fn from(p: PromptRow) -> PromptOut {
        let source = p.source.kind().to_owned();
        let (text, voice) = match p.source {
            PromptSource::Upload => (None, None),
            PromptSource::Tts { text, voice } => (Some(text), Some(voice)),
        };
        PromptOut {
            name: p.name.to_string(),
            duration_ms: p.duration_ms,
            bytes: p.bytes,
            source,
            text,
            voice,
            created_at: p.created_at,
        }
    }
}

/// `PUT /prompts/{name}` JSON body: text to synthesize with `espeak-ng`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SayBody {
    /// The text to speak, 1 to 2000 characters.
    pub say: String,
    /// The `espeak-ng` voice (`en`, `ru`, `de`...); default `en`.
    pub voice: Option<String>,
}

/// `GET /prompts` query.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PromptQuery {
    /// Page size, 1 to 1000 (default 100).
    pub limit: Option<u32>,
    /// Items to skip.
    pub offset: Option<usize>,
}

impl From<PromptError> for ApiError {
    fn from(e: PromptError) -> ApiError {
        match e {
            PromptError::TooLarge { .. } => ApiError::TooLarge,
            e @ PromptError::Wav(_) => ApiError::invalid("body", e.to_string()),
            PromptError::Text(reason) => ApiError::invalid("say", reason),
            e @ PromptError::Voice(_) => ApiError::invalid("voice", e.to_string()),
            PromptError::NotFound(what) => ApiError::NotFound(what),
            PromptError::Store(e) => e.into(),
            e @ (PromptError::NoSynthesizer | PromptError::Synthesis(_) | PromptError::Io(_)) => {
                ApiError::Internal(e.to_string())
            }
        }
    }
}

/// The data directory prompts live under; 404 when the API runs without one.
fn data_dir(state: &ApiState) -> Result<&std::path::Path, ApiError> {
    state
        .config
        .data_dir
        .as_deref()
        .ok_or_else(|| ApiError::NotFound("prompts (no data directory)".into()))
}

/// Lists a tenant's prompts, ordered by name.
#[utoipa::path(get, path = "/api/v1/tenants/{domain}/prompts", tag = "prompts",
    params(("domain" = String, Path, description = "SIP domain"), PromptQuery),
    responses((status = 200, body = Page<PromptOut>)), security(("token" = []), ("session" = [])))]
pub async fn list(
    State(state): State<ApiState>,
    caller: Caller,
    Path(domain): Path<String>,
    ApiQuery(q): ApiQuery<PromptQuery>,
) -> Result<Json<Page<PromptOut>>, ApiError> {
    let (_, ts) = caller.tenant(&state, &domain, Need::Read).await?;
    let items: Vec<PromptOut> = ts
        .list_prompts()
        .await?
        .into_iter()
        .map(PromptOut::from)
        .collect();
    Ok(Json(paginate(items, q.limit, q.offset)?))
}

/// The prompt's audio: an 8 kHz mono 16-bit PCM WAV file.
#[utoipa::path(get, path = "/api/v1/tenants/{domain}/prompts/{name}", tag = "prompts",
    params(("domain" = String, Path, description = "SIP domain"), ("name" = String, Path, description = "prompt name")),
    responses((status = 200, content_type = "audio/wav", body = Vec<u8>), (status = 404)),
    security(("token" = []), ("session" = [])))]
pub async fn get(
    State(state): State<ApiState>,
    caller: Caller,
    Path((domain, name)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let (_, ts) = caller.tenant(&state, &domain, Need::Read).await?;
    let name: PromptName = name.parse()?;
    let (_, wav) = prompts::read(&ts, data_dir(&state)?, &name).await?;
    let disposition = format!("inline; filename=\"{name}.wav\"");
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("audio/wav")),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&disposition)
                    .map_err(|e| ApiError::Internal(e.to_string()))?,
            ),
        ],
        wav,
    )
        .into_response())
}

/// Stores the prompt, or replaces its audio: the body is a WAV file (`Content-Type:
/// audio/wav` or `audio/x-wav`; any rate, 8 to 32 bits, mono or stereo, at most 20 MB and
/// 10 minutes) or JSON `{"say": "text", "voice": "en"}` to synthesize with `espeak-ng`.
/// Either is converted to 8 kHz mono 16-bit PCM.
#[utoipa::path(put, path = "/api/v1/tenants/{domain}/prompts/{name}", tag = "prompts",
    request_body(description = "A WAV file, or text to speak",
        content((Vec<u8> = "audio/wav"), (Vec<u8> = "audio/x-wav"), (SayBody = "application/json"))),
    params(("domain" = String, Path, description = "SIP domain"), ("name" = String, Path, description = "prompt name: 1 to 64 of a-z, 0-9, _ and -")),
    responses((status = 201, body = PromptOut), (status = 200, body = PromptOut), (status = 400),
        (status = 413)),
    security(("token" = []), ("session" = [])))]
pub async fn put(
    State(state): State<ApiState>,
    caller: Caller,
    Path((domain, name)): Path<(String, String)>,
    request: Request,
) -> Result<(StatusCode, Json<PromptOut>), ApiError> {
    let (_, ts) = caller.tenant(&state, &domain, Need::Write).await?;
    let name: PromptName = name.parse()?;
    let data = data_dir(&state)?;
    let input = input(request).await?;
    let (row, created) = prompts::save(&ts, data, &name, input, true, unix_now()).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(row.into())))
}

/// The prompt a `PUT` body describes, by its content type.
async fn input(request: Request) -> Result<PromptInput, ApiError> {
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    match content_type.as_str() {
        "audio/wav" | "audio/x-wav" | "audio/wave" | "audio/vnd.wave" => {
            let bytes = Bytes::from_request(request, &()).await.map_err(|e| {
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::TooLarge
                } else {
                    ApiError::invalid("body", "could not read the request body")
                }
            })?;
            Ok(PromptInput::Wav(bytes.to_vec()))
        }
        "application/json" => {
            let ApiJson(body) = ApiJson::<SayBody>::from_request(request, &()).await?;
            Ok(PromptInput::Say {
                text: body.say,
                voice: body.voice,
            })
        }
        _ => Err(ApiError::invalid(
            "content-type",
            "send a WAV file as audio/wav, or application/json {\"say\": \"text\"}",
        )),
    }
}

/// Removes the prompt and its audio file.
#[utoipa::path(delete, path = "/api/v1/tenants/{domain}/prompts/{name}", tag = "prompts",
    params(("domain" = String, Path, description = "SIP domain"), ("name" = String, Path, description = "prompt name")),
    responses((status = 204), (status = 404)), security(("token" = []), ("session" = [])))]
pub async fn delete(
    State(state): State<ApiState>,
    caller: Caller,
    Path((domain, name)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let (_, ts) = caller.tenant(&state, &domain, Need::Write).await?;
    let name: PromptName = name.parse()?;
    prompts::remove(&ts, data_dir(&state)?, &name).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `PUT {tenant}/prompts/{name}` alone, with a body limit of [`MAX_PROMPT_BYTES`] (both
/// the early Content-Length check and axum's extractor limit); merge it outside the
/// global [`crate::BODY_LIMIT`] layer.
pub fn upload_router(state: ApiState, tenant: &str) -> Router {
    let limit = usize::try_from(MAX_PROMPT_BYTES).unwrap_or(usize::MAX);
    Router::new()
        .route(&format!("{tenant}/prompts/{{name}}"), put_route(put))
        .layer(DefaultBodyLimit::max(limit))
        .layer(RequestBodyLimitLayer::new(limit))
        .with_state(state)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;

    /// A request with `content_type` and `body`, for [`input`].
    fn request(content_type: &str, body: &'static [u8]) -> Request {
        let mut r = Request::new(Body::from(body));
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_str(content_type).unwrap(),
        );
        r
    }

    #[tokio::test]
    async fn input_by_content_type() {
        let wav = input(request("audio/x-wav", b"RIFF")).await.unwrap();
        assert!(matches!(wav, PromptInput::Wav(b) if b == b"RIFF"));
        let say = input(request(
            "application/json; charset=utf-8",
            br#"{"say":"hi"}"#,
        ))
        .await
        .unwrap();
        assert!(matches!(say, PromptInput::Say { text, voice: None } if text == "hi"));
        let bad = input(request("text/plain", b"hi")).await;
        assert!(matches!(bad, Err(ApiError::Invalid { field, .. }) if field == "content-type"));
        let unknown = input(request("application/json", br#"{"sat":"hi"}"#)).await;
        assert!(matches!(unknown, Err(ApiError::Invalid { .. })));
    }
}
