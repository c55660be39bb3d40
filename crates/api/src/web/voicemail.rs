//! `/t/{domain}/voicemail`: a tenant's voicemail boxes (the list, with a form setting up a
//! box for an extension that has none) and one box (`/t/{domain}/voicemail/{ext}`): its
//! settings form and its messages, each with a player (the API's audio route, same
//! origin, so the session cookie authenticates the audio element), whether it is new or
//! heard with a button marking it the other way, and a delete button.
//!
//! Invariants: the rules are [`crate::voicemail`]'s, as for the API: admins change boxes
//! and delete messages of their tenant; a tenant user sees only its own extension's box and
//! messages and only marks them heard or new (another extension is 404, any other change
//! 403); a bad setting changes nothing and is shown next to the form, naming the field
//! (the API's names).

use super::cdrs::datetime;
use super::layout::{page as frame, post_form, problem_for, with_problem, Problem};
use super::session::{NoFields, Posted, Session, WebError};
use crate::auth::Need;
use crate::voicemail::{
    audio_url, box_of, boxes, mark_heard, remove_message as remove_file_and_row, save_box,
    visible_extension, BoxBody,
};
use crate::{ApiError, ApiState};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;
use vpbx_model::Extension;
use vpbx_store::{Role, VoicemailBox, MAX_VOICEMAIL_SECONDS, MIN_VOICEMAIL_SECONDS};

/// The set-up form: the extension to give a box.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CreateForm {
    /// The extension.
    pub extension: String,
}

/// The mark-heard form: `1` marks the message heard, anything else new again.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct HeardForm {
    /// `1`: heard; `0`: new.
    pub heard: String,
}

/// The settings form of a box.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct BoxForm {
    /// `on` when calls go to the box.
    pub enabled: String,
    /// The box's own address; empty: the user's.
    pub email: String,
    /// A prompt name; empty: the built-in greeting.
    pub greeting: String,
    /// `on` to delete a message's file once mailed.
    pub delete_after_send: String,
    /// Longest message, seconds.
    pub max_seconds: String,
}

impl BoxForm {
    /// The form of the stored box `vm`.
    fn of(vm: &VoicemailBox) -> BoxForm {
        let on = |b: bool| if b { "on" } else { "" }.to_owned();
        BoxForm {
            enabled: on(vm.enabled),
            email: vm
                .email
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            greeting: vm
                .greeting
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            delete_after_send: on(vm.delete_after_send),
            max_seconds: vm.max_seconds.to_string(),
        }
    }

    /// The API body the form stands for (the fields are checked by [`box_of`]).
    fn body(&self) -> Result<BoxBody, ApiError> {
        let max_seconds = self
            .max_seconds
            .trim()
            .parse()
            .map_err(|_| ApiError::invalid("max_seconds", "use a whole number of seconds"))?;
        Ok(BoxBody {
            enabled: Some(self.enabled == "on"),
            email: Some(self.email.clone()),
            greeting: Some(self.greeting.clone()),
            delete_after_send: Some(self.delete_after_send == "on"),
            max_seconds: Some(max_seconds),
        })
    }
}

/// `GET /t/{domain}/voicemail`: the boxes the caller may see.
pub async fn list(
    State(state): State<ApiState>,
    session: Session,
    Path(domain): Path<String>,
) -> Result<Response, WebError> {
    render_list(&state, &session, &domain, None).await
}

/// `POST /t/{domain}/voicemail`: sets up a box with the default settings for an
/// extension, then shows it.
pub async fn create(
    State(state): State<ApiState>,
    Path(domain): Path<String>,
    Posted { session, form }: Posted<CreateForm>,
) -> Result<Response, WebError> {
    let (tenant, ts) = session.caller.tenant(&state, &domain, Need::Write).await?;
    let result = async {
        let ext: Extension = form.extension.trim().parse()?;
        if ts.voicemail_box(&ext).await?.is_some() {
            return Err(ApiError::invalid(
                "extension",
                format!("{ext} has a box already"),
            ));
        }
        save_box(&ts, &VoicemailBox::new(ext.clone())).await?;
        Ok(ext)
    }
    .await;
    match result {
        Ok(ext) => Ok(box_page(&tenant.domain.to_string(), &ext)),
        Err(e) => {
            let problem = Problem::of("create", e)?;
            render_list(&state, &session, &domain, Some(problem)).await
        }
    }
}

/// `GET /t/{domain}/voicemail/{ext}`: one box's settings and messages.
pub async fn show(
    State(state): State<ApiState>,
    session: Session,
    Path((domain, ext)): Path<(String, String)>,
) -> Result<Response, WebError> {
    render_box(&state, &session, &domain, &ext, None, None).await
}

/// `POST /t/{domain}/voicemail/{ext}`: replaces the box's settings (creating it).
pub async fn save(
    State(state): State<ApiState>,
    Path((domain, ext)): Path<(String, String)>,
    Posted { session, form }: Posted<BoxForm>,
) -> Result<Response, WebError> {
    let (tenant, ts) = session.caller.tenant(&state, &domain, Need::Write).await?;
    let parsed: Extension = ext.parse().map_err(ApiError::from)?;
    let result = async {
        let vm = box_of(parsed.clone(), &form.body()?)?;
        save_box(&ts, &vm).await
    }
    .await;
    match result {
        Ok(()) => Ok(box_page(&tenant.domain.to_string(), &parsed)),
        Err(e) => {
            let problem = Problem::of("settings", e)?;
            render_box(&state, &session, &domain, &ext, Some(problem), Some(&form)).await
        }
    }
}

/// `POST /t/{domain}/voicemail/{ext}/delete`: removes the box (messages are kept).
pub async fn remove(
    State(state): State<ApiState>,
    Path((domain, ext)): Path<(String, String)>,
    Posted { session, .. }: Posted<NoFields>,
) -> Result<Response, WebError> {
    let (tenant, ts) = session.caller.tenant(&state, &domain, Need::Write).await?;
    ts.remove_voicemail_box(&ext.parse().map_err(ApiError::from)?)
        .await?;
    Ok(Redirect::to(&format!("/t/{}/voicemail", tenant.domain)).into_response())
}

/// `POST /t/{domain}/voicemail/{ext}/messages/{id}/delete`: deletes a message and its file.
pub async fn remove_message(
    State(state): State<ApiState>,
    Path((domain, ext, id)): Path<(String, String, String)>,
    Posted { session, .. }: Posted<NoFields>,
) -> Result<Response, WebError> {
    let (tenant, ts) = session.caller.tenant(&state, &domain, Need::Write).await?;
    let ext: Extension = ext.parse().map_err(ApiError::from)?;
    let id: i64 = id
        .parse()
        .map_err(|_| ApiError::NotFound("voicemail message".into()))?;
    remove_file_and_row(&ts, state.config.data_dir.as_deref(), &ext, id).await?;
    Ok(box_page(&tenant.domain.to_string(), &ext))
}

/// `POST /t/{domain}/voicemail/{ext}/messages/{id}/heard`: marks a message heard or new
/// (admins; a tenant user in its own box), so the phones' message-waiting light follows.
pub async fn heard(
    State(state): State<ApiState>,
    Path((domain, ext, id)): Path<(String, String, String)>,
    Posted { session, form }: Posted<HeardForm>,
) -> Result<Response, WebError> {
    let (tenant, ts) = session
        .caller
        .tenant(&state, &domain, Need::Mailbox)
        .await?;
    let id: i64 = id
        .parse()
        .map_err(|_| ApiError::NotFound("voicemail message".into()))?;
    let row = mark_heard(&session.caller, &ts, &ext, id, form.heard == "1").await?;
    Ok(box_page(&tenant.domain.to_string(), &row.extension))
}

/// A redirect to the page of box `ext`.
fn box_page(domain: &str, ext: &Extension) -> Response {
    Redirect::to(&format!("/t/{domain}/voicemail/{ext}")).into_response()
}

/// The list page, with `problem` next to the set-up form.
async fn render_list(
    state: &ApiState,
    session: &Session,
    domain: &str,
    problem: Option<Problem>,
) -> Result<Response, WebError> {
    let (tenant, ts) = session.caller.tenant(state, domain, Need::Mailbox).await?;
    let list = boxes(&session.caller, &ts).await?;
    let admin = session.caller.0.role != Role::User;
    let without_box: Vec<String> = if admin {
        ts.list_users()
            .await?
            .into_iter()
            .map(|u| u.extension.to_string())
            .filter(|e| !list.iter().any(|b| &b.extension == e))
            .collect()
    } else {
        Vec::new()
    };
    let d = tenant.domain.to_string();
    let markup = frame(
        session,
        Some(&d),
        &format!("Voicemail of {d}"),
        html! {
            @if list.is_empty() {
                p.muted { "No voicemail boxes yet." }
            } @else {
                div.scroll { table.boxes {
                    thead { tr {
                        th { "Extension" } th { "On" } th { "Mailed to" } th { "Greeting" }
                        th { "Max s" } th { "New" } th { "Old" }
                    } }
                    tbody {
                        @for b in &list {
                            tr id={ "box-" (b.extension) } {
                                td { a href={ "/t/" (d) "/voicemail/" (b.extension) } { (b.extension) } }
                                td { @if b.enabled { "yes" } @else { "no" } }
                                td { (b.mail_to.as_deref().unwrap_or("nobody (kept only)")) }
                                td { (b.greeting.as_deref().unwrap_or("built-in")) }
                                td { (b.max_seconds) }
                                td { (b.new) }
                                td { (b.old) }
                            }
                        }
                    }
                } }
            }
            @if admin {
                section {
                    h2 { "Set up a box" }
                    (problem_for(problem.as_ref(), "create"))
                    @if without_box.is_empty() {
                        p.muted { "Every extension has a box." }
                    } @else {
                        (post_form(session, &format!("/t/{d}/voicemail"), "inline", html! {
                            label { "Extension"
                                select name="extension" {
                                    @for e in &without_box { option value=(e) { (e) } }
                                }
                            }
                            button type="submit" { "Set up" }
                        }))
                    }
                }
            }
        },
    );
    Ok(match problem {
        Some(_) => with_problem(markup),
        None => markup.into_response(),
    })
}

/// The page of box `ext`, with `problem` next to its form and the settings form filled
/// from `draft` (else from the stored box, or a new box's defaults).
async fn render_box(
    state: &ApiState,
    session: &Session,
    domain: &str,
    ext: &str,
    problem: Option<Problem>,
    draft: Option<&BoxForm>,
) -> Result<Response, WebError> {
    let (tenant, ts) = session.caller.tenant(state, domain, Need::Mailbox).await?;
    let ext = visible_extension(&session.caller, ext)?;
    let user = ts
        .get_user(&ext)
        .await?
        .ok_or_else(|| ApiError::NotFound("extension".into()))?;
    let stored = ts.voicemail_box(&ext).await?;
    let messages = ts.list_voicemail(&ext).await?;
    let prompts = ts.list_prompts().await?;
    let admin = session.caller.0.role != Role::User;
    let shown = BoxForm::of(stored.as_ref().unwrap_or(&VoicemailBox::new(ext.clone())));
    let form = draft.unwrap_or(&shown);
    let d = tenant.domain.to_string();
    let mail_to = stored
        .as_ref()
        .and_then(|vm| vm.mail_to(user.email.as_ref()))
        .map(ToString::to_string);
    let markup = frame(
        session,
        Some(&d),
        &format!("Voicemail of {ext}"),
        html! {
            p { a href={ "/t/" (d) "/voicemail" } { "All boxes" } }
            section {
                h2 { "Settings" }
                @match &stored {
                    None => p { "Extension " (ext) " has no box: calls are not sent to voicemail." },
                    Some(vm) => p {
                        @if vm.enabled { "Unanswered calls go to this box" } @else { "The box is off" }
                        "; messages are "
                        @match &mail_to {
                            Some(to) => { "mailed to " strong { (to) } }
                            None => "kept, not mailed (no e-mail address)",
                        }
                        @if vm.delete_after_send { " and deleted once mailed" }
                        "."
                    },
                }
                @if admin {
                    (problem_for(problem.as_ref(), "settings"))
                    (post_form(session, &format!("/t/{d}/voicemail/{ext}"), "grid", html! {
                        label.check {
                            input type="checkbox" name="enabled" value="on" checked[form.enabled == "on"];
                            "Send unanswered calls to the box"
                        }
                        label { "E-mail (empty: the user's)" input type="email" name="email" value=(form.email); }
                        label { "Greeting"
                            select name="greeting" {
                                option value="" selected[form.greeting.is_empty()] { "built-in" }
                                @for p in &prompts {
                                    option value=(p.name) selected[form.greeting == p.name.as_str()] { (p.name) }
                                }
                            }
                        }
                        label.check {
                            input type="checkbox" name="delete_after_send" value="on" checked[form.delete_after_send == "on"];
                            "Delete a message once mailed"
                        }
                        label { "Longest message (s, " (MIN_VOICEMAIL_SECONDS) " to " (MAX_VOICEMAIL_SECONDS) ")"
                            input name="max_seconds" value=(form.max_seconds) inputmode="numeric" required;
                        }
                        button type="submit" { "Save" }
                    }))
                    @if stored.is_some() {
                        (post_form(session, &format!("/t/{d}/voicemail/{ext}/delete"), "inline", html! {
                            button.danger type="submit" { "Remove the box" }
                        }))
                    }
                }
            }
            section {
                h2 { "Messages" }
                @if messages.is_empty() {
                    p.muted { "No messages." }
                } @else {
                    div.scroll { table.messages {
                        thead { tr {
                            th { "Received (UTC)" } th { "From" } th { "Seconds" } th { "Mailed" } th { "Status" }
                            th { "Listen" }
                            @if admin { th {} }
                        } }
                        tbody {
                            @for m in &messages {
                                tr id={ "message-" (m.id) } {
                                    td { (datetime(m.created_at)) }
                                    td { (m.caller.chars().filter(|c| !c.is_control()).collect::<String>()) }
                                    td { (format!("{:.1}", m.duration_ms as f64 / 1000.0)) }
                                    td { (m.emailed_at.map(datetime).unwrap_or_else(|| "no".into())) }
                                    td.heard {
                                        @if m.heard { "heard" } @else { strong { "new" } }
                                        " "
                                        (post_form(session, &format!("/t/{d}/voicemail/{ext}/messages/{}/heard", m.id), "", html! {
                                            @if m.heard {
                                                input type="hidden" name="heard" value="0";
                                                button type="submit" { "Mark new" }
                                            } @else {
                                                input type="hidden" name="heard" value="1";
                                                button type="submit" { "Mark heard" }
                                            }
                                        }))
                                    }
                                    td.recording {
                                        @if m.path.is_some() {
                                            audio controls preload="none" src=(audio_url(&d, &ext, m.id)) {}
                                            " " a href={ (audio_url(&d, &ext, m.id)) "?download=1" } { "Download" }
                                        } @else {
                                            "deleted after mailing"
                                        }
                                    }
                                    @if admin {
                                        td {
                                            (post_form(session, &format!("/t/{d}/voicemail/{ext}/messages/{}/delete", m.id), "", html! {
                                                button.danger type="submit" { "Delete" }
                                            }))
                                        }
                                    }
                                }
                            }
                        }
                    } }
                }
            }
        },
    );
    Ok(match problem {
        Some(_) => with_problem(markup),
        None => markup.into_response(),
    })
}
