//! `/t/{domain}/prompts`: a tenant's voice prompts: list with a player each (the API's
//! `GET /prompts/{name}`, same origin, so the session cookie authenticates the audio
//! element), upload a WAV file (a multipart form, `POST /t/{domain}/prompts/upload`),
//! synthesize one from text (`POST /t/{domain}/prompts/say`), remove one.
//!
//! Invariants: the checks, conversion and storage are [`crate::prompts`]'s, as for the API
//! and the CLI; only the upload route takes bodies up to
//! [`crate::prompts::MAX_PROMPT_BYTES`] (see [`upload_router`]); the upload's CSRF token
//! is checked before anything is stored; a refused file or text is shown next to its form,
//! naming the field; admins only (a tenant user gets 403, another tenant 404).

use super::layout::{page as frame, post_form, problem_for, with_problem, Problem};
use super::session::{csrf_matches, NoFields, Posted, Session, WebError};
use crate::auth::Need;
use crate::prompts::{self, PromptInput, MAX_PROMPT_BYTES};
use crate::state::unix_now;
use crate::{ApiError, ApiState};
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use axum::Router;
use maud::html;
use serde::Deserialize;
use tower_http::limit::RequestBodyLimitLayer;
use vpbx_model::PromptName;

/// The synthesize-from-text form.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SayForm {
    /// The prompt's name.
    pub name: String,
    /// The text to speak.
    pub text: String,
    /// The `espeak-ng` voice; empty: the default.
    pub voice: String,
}

/// `GET /t/{domain}/prompts`.
pub async fn page(
    State(state): State<ApiState>,
    session: Session,
    Path(domain): Path<String>,
) -> Result<Response, WebError> {
    render(&state, &session, &domain, None, &SayForm::default()).await
}

/// `POST /t/{domain}/prompts/say`: stores a prompt spoken from text.
pub async fn say(
    State(state): State<ApiState>,
    Path(domain): Path<String>,
    Posted { session, form }: Posted<SayForm>,
) -> Result<Response, WebError> {
    let (tenant, ts) = session.caller.tenant(&state, &domain, Need::Write).await?;
    let result = async {
        let name = prompt_name(&form.name)?;
        let voice = Some(form.voice.trim().to_owned()).filter(|v| !v.is_empty());
        let input = PromptInput::Say {
            text: form.text.clone(),
            voice,
        };
        store(&state, &ts, &name, input).await
    }
    .await;
    match result {
        Ok(()) => Ok(back(&tenant.domain.to_string())),
        Err(e) => {
            let problem = Problem::of("say", e)?;
            render(&state, &session, &domain, Some(problem), &form).await
        }
    }
}

/// `POST /t/{domain}/prompts/upload` (multipart: `csrf`, `name`, `file`): stores an
/// uploaded WAV file as a prompt, converted to 8 kHz mono.
pub async fn upload(
    State(state): State<ApiState>,
    Path(domain): Path<String>,
    session: Session,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, WebError> {
    let mut multipart = multipart.map_err(|_| WebError::Csrf)?;
    let mut fields = UploadFields::default();
    let read = fields.read(&mut multipart).await;
    if !csrf_matches(&headers, &fields.csrf) {
        return Err(WebError::Csrf);
    }
    let (tenant, ts) = session.caller.tenant(&state, &domain, Need::Write).await?;
    let result = async {
        read?;
        let name = prompt_name(&fields.name)?;
        if fields.file.is_empty() {
            return Err(ApiError::invalid("file", "choose a WAV file"));
        }
        let input = PromptInput::Wav(std::mem::take(&mut fields.file));
        store(&state, &ts, &name, input).await
    }
    .await;
    match result {
        Ok(()) => Ok(back(&tenant.domain.to_string())),
        Err(e) => {
            let problem = match e {
                ApiError::TooLarge => Problem {
                    form: "upload".into(),
                    field: "file".into(),
                    message: format!("prompts are limited to {MAX_PROMPT_BYTES} bytes (20 MB)"),
                },
                other => Problem::of("upload", other)?,
            };
            render(
                &state,
                &session,
                &domain,
                Some(problem),
                &SayForm::default(),
            )
            .await
        }
    }
}

/// `POST /t/{domain}/prompts/{name}/delete`: removes a prompt and its file.
pub async fn remove(
    State(state): State<ApiState>,
    Path((domain, name)): Path<(String, String)>,
    Posted { session, .. }: Posted<NoFields>,
) -> Result<Response, WebError> {
    let (tenant, ts) = session.caller.tenant(&state, &domain, Need::Write).await?;
    let name: PromptName = name.parse().map_err(ApiError::from)?;
    prompts::remove(&ts, data_dir(&state)?, &name)
        .await
        .map_err(ApiError::from)?;
    Ok(back(&tenant.domain.to_string()))
}

/// The fields of the upload form.
#[derive(Default)]
struct UploadFields {
    /// The form's CSRF token.
    csrf: String,
    /// The prompt's name.
    name: String,
    /// The file's bytes.
    file: Vec<u8>,
}

impl UploadFields {
    /// Reads every field of `multipart`; `TooLarge` past the body limit, `Invalid` naming
    /// `file` for a body that is not a readable form.
    async fn read(&mut self, multipart: &mut Multipart) -> Result<(), ApiError> {
        let unreadable = |e: axum::extract::multipart::MultipartError| {
            if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::TooLarge
            } else {
                ApiError::invalid("file", "the form could not be read; send it again")
            }
        };
        while let Some(field) = multipart.next_field().await.map_err(unreadable)? {
            match field.name() {
                Some("csrf") => self.csrf = field.text().await.map_err(unreadable)?,
                Some("name") => self.name = field.text().await.map_err(unreadable)?,
                Some("file") => self.file = field.bytes().await.map_err(unreadable)?.to_vec(),
                _ => {}
            }
        }
        Ok(())
    }
}

/// `name` as a prompt name, or an error naming `name`.
fn prompt_name(name: &str) -> Result<PromptName, ApiError> {
    name.trim()
        .parse()
        .map_err(|e: vpbx_model::ModelError| ApiError::invalid("name", e.reason))
}

/// The data directory prompts live under; 404 when the server runs without one.
fn data_dir(state: &ApiState) -> Result<&std::path::Path, ApiError> {
    state
        .config
        .data_dir
        .as_deref()
        .ok_or_else(|| ApiError::NotFound("prompts (no data directory)".into()))
}

/// Checks, converts and stores `input` as prompt `name` (replacing one of that name); a
/// refused file is named `file`.
async fn store(
    state: &ApiState,
    ts: &vpbx_store::TenantStore,
    name: &PromptName,
    input: PromptInput,
) -> Result<(), ApiError> {
    let data = data_dir(state)?;
    match prompts::save(ts, data, name, input, true, unix_now()).await {
        Ok(_) => Ok(()),
        Err(e) => match ApiError::from(e) {
            ApiError::Invalid { field, message } if field == "body" => {
                Err(ApiError::invalid("file", message))
            }
            ApiError::Invalid { field, message } if field == "say" => {
                Err(ApiError::invalid("text", message))
            }
            other => Err(other),
        },
    }
}

/// Back to the prompts page after a change.
fn back(domain: &str) -> Response {
    Redirect::to(&format!("/t/{domain}/prompts")).into_response()
}

/// The prompts page, with `problem` next to its form and the text form filled from `say`.
async fn render(
    state: &ApiState,
    session: &Session,
    domain: &str,
    problem: Option<Problem>,
    say: &SayForm,
) -> Result<Response, WebError> {
    let (tenant, ts) = session.caller.tenant(state, domain, Need::Read).await?;
    let list = ts.list_prompts().await?;
    let d = tenant.domain.to_string();
    let problem = problem.as_ref();
    let markup = frame(
        session,
        Some(&d),
        &format!("Prompts of {d}"),
        html! {
            section {
                h2 { "Upload a WAV file" }
                p.muted { "Any rate, mono or stereo, at most 20 MB and 10 minutes; stored as 8 kHz mono." }
                (problem_for(problem, "upload"))
                form method="post" action={ "/t/" (d) "/prompts/upload" } enctype="multipart/form-data" class="inline" {
                    input type="hidden" name="csrf" value=(session.csrf);
                    label { "Name" input name="name" pattern="[a-z0-9_-]{1,64}" required; }
                    label { "WAV file" input type="file" name="file" accept=".wav,audio/wav,audio/x-wav" required; }
                    button type="submit" { "Upload" }
                }
            }
            section {
                h2 { "Speak a text" }
                (problem_for(problem, "say"))
                (post_form(session, &format!("/t/{d}/prompts/say"), "inline", html! {
                    label { "Name" input name="name" value=(say.name) pattern="[a-z0-9_-]{1,64}" required; }
                    label { "Text" textarea name="text" rows="2" required { (say.text) } }
                    label { "Voice" input name="voice" value=(say.voice) placeholder="en"; }
                    button type="submit" { "Speak" }
                }))
            }
            @if list.is_empty() {
                p.muted { "No prompts yet." }
            } @else {
                div.scroll { table.prompts {
                    thead { tr { th { "Name" } th { "Seconds" } th { "Source" } th { "Listen" } th {} } }
                    tbody {
                        @for p in &list {
                            @let name = p.name.as_str();
                            tr id={ "prompt-" (name) } {
                                td { (name) }
                                td { (format!("{:.1}", p.duration_ms as f64 / 1000.0)) }
                                td { @match &p.source {
                                    vpbx_store::PromptSource::Upload => "upload",
                                    vpbx_store::PromptSource::Tts { text, .. } => { "text: " (text) },
                                } }
                                td.recording {
                                    audio controls preload="none" src={ "/api/v1/tenants/" (d) "/prompts/" (name) } {}
                                }
                                td {
                                    (post_form(session, &format!("/t/{d}/prompts/{name}/delete"), "", html! {
                                        button.danger type="submit" { "Remove" }
                                    }))
                                }
                            }
                        }
                    }
                } }
            }
        },
    );
    Ok(match problem {
        Some(_) => with_problem(markup),
        None => markup.into_response(),
    })
}

/// `POST /t/{domain}/prompts/upload` alone, with a body limit of [`MAX_PROMPT_BYTES`]
/// plus room for the form's other fields; merge it outside the global
/// [`crate::BODY_LIMIT`] layer.
pub fn upload_router() -> Router<ApiState> {
    let limit = usize::try_from(MAX_PROMPT_BYTES)
        .unwrap_or(usize::MAX)
        .saturating_add(64 * 1024);
    Router::new()
        .route("/t/{domain}/prompts/upload", post(upload))
        .layer(DefaultBodyLimit::max(limit))
        .layer(RequestBodyLimitLayer::new(limit))
}
