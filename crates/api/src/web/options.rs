//! `/t/{domain}/options`: the tenant's toll-fraud options (what `vpbx tenant allow`
//! changes): whether international calls are allowed, and only to which country or
//! number prefixes (emergency calls are always allowed); and its call-recording options
//! (`POST /t/{domain}/options/recording`): record calls, allow playing and downloading,
//! retention days and quota, with the recordings' current disk use; its music on hold
//! (`POST /t/{domain}/options/moh`): one of its prompts, or off; and DISA (`POST
//! /t/{domain}/options/disa`, `.../disa/pin`, `.../disa/{ext}/remove`): the switch and
//! the extensions allowed to dial out through it with a PIN (never shown back).
//!
//! Invariants: each form replaces its options as a whole; an invalid field changes
//! nothing and is shown next to its form, naming the field (the API's names:
//! `retention_days`, `quota_mb`), with the other form showing the stored options.

use super::layout::{page as frame, post_form, problem_for, with_problem, Problem};
use super::session::{Posted, Session, WebError};
use crate::auth::Need;
use crate::{ApiError, ApiState};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;
use std::str::FromStr;
use vpbx_routing::{AllowPrefix, Policy};
use vpbx_store::{MediaOptions, MAX_RETENTION_DAYS};

/// The music-on-hold form.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MohForm {
    /// A prompt name; empty turns music on hold off.
    pub prompt: String,
}

/// The DISA switch form.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DisaForm {
    /// `on` when DISA numbers answer (an unticked checkbox sends nothing).
    pub enabled: String,
}

/// The DISA PIN form.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DisaPinForm {
    /// The extension allowed.
    pub ext: String,
    /// Its PIN, 4 to 12 digits.
    pub pin: String,
}

/// Bytes in a MiB.
const MIB: f64 = 1024.0 * 1024.0;

/// The options form.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct OptionsForm {
    /// `on` when international calls are allowed (an unticked checkbox sends nothing).
    pub international: String,
    /// E.164 prefixes separated by commas or spaces; empty allows every country.
    pub prefixes: String,
}

/// The call-recording form.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RecordingForm {
    /// `on` to record every answered call.
    pub record_calls: String,
    /// `on` to let the tenant's accounts play and download recordings.
    pub allow_download: String,
    /// Days recordings are kept.
    pub retention_days: String,
    /// The recordings' quota, MiB.
    pub quota_mb: String,
}

impl RecordingForm {
    /// The form of the stored `options`.
    fn of(options: &MediaOptions) -> RecordingForm {
        let on = |b: bool| if b { "on" } else { "" }.to_owned();
        RecordingForm {
            record_calls: on(options.record_calls),
            allow_download: on(options.allow_download),
            retention_days: options.retention_days.to_string(),
            quota_mb: options.quota_mb.to_string(),
        }
    }

    /// The options the form asks for (ranges are checked by the store).
    fn options(&self) -> Result<MediaOptions, ApiError> {
        Ok(MediaOptions {
            record_calls: self.record_calls == "on",
            allow_download: self.allow_download == "on",
            retention_days: whole("retention_days", &self.retention_days, "days")?,
            quota_mb: whole("quota_mb", &self.quota_mb, "MiB")?,
        })
    }
}

/// `value` as a whole number, or an error naming `field`.
fn whole<T: FromStr>(field: &str, value: &str, unit: &str) -> Result<T, ApiError> {
    value
        .trim()
        .parse()
        .map_err(|_| ApiError::invalid(field, format!("use a whole number of {unit}")))
}

/// A form sent back with a problem, to show as it was filled.
enum Draft<'a> {
    /// None: both forms show the stored options.
    Stored,
    /// The calls-abroad form.
    Calls(&'a OptionsForm),
    /// The call-recording form.
    Recording(&'a RecordingForm),
}

/// `GET /t/{domain}/options`.
pub async fn page(
    State(state): State<ApiState>,
    session: Session,
    Path(domain): Path<String>,
) -> Result<Response, WebError> {
    render(&state, &session, &domain, None, Draft::Stored).await
}

/// `POST /t/{domain}/options/recording`: replaces the call-recording options.
pub async fn save_recording(
    State(state): State<ApiState>,
    Path(domain): Path<String>,
    Posted { session, form }: Posted<RecordingForm>,
) -> Result<Response, WebError> {
    let (tenant, ts) = session.caller.tenant(&state, &domain, Need::Write).await?;
    let saved = match form.options() {
        Ok(options) => ts.set_media_options(&options).await.map_err(ApiError::from),
        Err(e) => Err(e),
    };
    match saved {
        Ok(()) => Ok(Redirect::to(&format!("/t/{}/options", tenant.domain)).into_response()),
        Err(e) => {
            let problem = Problem::of("recording", e)?;
            render(
                &state,
                &session,
                &domain,
                Some(problem),
                Draft::Recording(&form),
            )
            .await
        }
    }
}

/// `POST /t/{domain}/options/moh`: sets the music on hold (a prompt, or off).
pub async fn save_moh(
    State(state): State<ApiState>,
    Path(domain): Path<String>,
    Posted { session, form }: Posted<MohForm>,
) -> Result<Response, WebError> {
    let (tenant, ts) = session.caller.tenant(&state, &domain, Need::Write).await?;
    match crate::routes::moh::set(&ts, Some(&form.prompt)).await {
        Ok(()) => Ok(Redirect::to(&format!("/t/{}/options", tenant.domain)).into_response()),
        Err(e) => {
            let problem = Problem::of("moh", e)?;
            render(&state, &session, &domain, Some(problem), Draft::Stored).await
        }
    }
}

/// `POST /t/{domain}/options/disa`: switches DISA on or off.
pub async fn save_disa(
    State(state): State<ApiState>,
    Path(domain): Path<String>,
    Posted { session, form }: Posted<DisaForm>,
) -> Result<Response, WebError> {
    let (tenant, ts) = session.caller.tenant(&state, &domain, Need::Write).await?;
    ts.set_disa_enabled(form.enabled == "on").await?;
    Ok(Redirect::to(&format!("/t/{}/options", tenant.domain)).into_response())
}

/// `POST /t/{domain}/options/disa/pin`: lets an extension use DISA with a PIN.
pub async fn save_disa_pin(
    State(state): State<ApiState>,
    Path(domain): Path<String>,
    Posted { session, form }: Posted<DisaPinForm>,
) -> Result<Response, WebError> {
    let (tenant, ts) = session.caller.tenant(&state, &domain, Need::Write).await?;
    let set = match form.ext.trim().parse::<vpbx_model::Extension>() {
        Ok(ext) => crate::routes::disa::set_pin(&ts, &ext, &form.pin).await,
        Err(e) => Err(ApiError::invalid("ext", e.to_string())),
    };
    match set {
        Ok(()) => Ok(Redirect::to(&format!("/t/{}/options", tenant.domain)).into_response()),
        Err(e) => {
            let problem = Problem::of("disa", e)?;
            render(&state, &session, &domain, Some(problem), Draft::Stored).await
        }
    }
}

/// `POST /t/{domain}/options/disa/{ext}/remove`: takes DISA away from an extension.
pub async fn remove_disa_pin(
    State(state): State<ApiState>,
    Path((domain, ext)): Path<(String, String)>,
    Posted { session, .. }: Posted<super::session::NoFields>,
) -> Result<Response, WebError> {
    let (tenant, ts) = session.caller.tenant(&state, &domain, Need::Write).await?;
    let ext: vpbx_model::Extension = ext.parse().map_err(ApiError::from)?;
    ts.set_disa_pin(&ext, None).await?;
    Ok(Redirect::to(&format!("/t/{}/options", tenant.domain)).into_response())
}

/// `POST /t/{domain}/options`: replaces the options.
pub async fn save(
    State(state): State<ApiState>,
    Path(domain): Path<String>,
    Posted { session, form }: Posted<OptionsForm>,
) -> Result<Response, WebError> {
    let (tenant, ts) = session.caller.tenant(&state, &domain, Need::Write).await?;
    let prefixes: Result<Vec<AllowPrefix>, ApiError> = form
        .prefixes
        .split([',', ' '])
        .filter(|p| !p.is_empty())
        .map(|p| p.parse().map_err(ApiError::from))
        .collect();
    match prefixes {
        Ok(allow_prefixes) => {
            let policy = Policy {
                international_allowed: form.international == "on",
                allow_prefixes,
            };
            ts.set_routing_policy(&policy).await?;
            Ok(Redirect::to(&format!("/t/{}/options", tenant.domain)).into_response())
        }
        Err(e) => {
            let problem = Problem::of("options", e)?;
            render(
                &state,
                &session,
                &domain,
                Some(problem),
                Draft::Calls(&form),
            )
            .await
        }
    }
}

/// The page, with `problem` next to its form, the form of `draft` filled as it was sent
/// and the other from the stored options.
async fn render(
    state: &ApiState,
    session: &Session,
    domain: &str,
    problem: Option<Problem>,
    draft: Draft<'_>,
) -> Result<Response, WebError> {
    let (tenant, ts) = session.caller.tenant(state, domain, Need::Read).await?;
    let d = tenant.domain.to_string();
    let policy = ts.routing_policy().await?;
    let media = ts.media_options().await?;
    let used_mib = ts.recording_bytes().await? as f64 / MIB;
    let moh = ts.moh().await?;
    let prompts = ts.list_prompts().await?;
    let mut disa = crate::routes::disa::disa_out(&ts).await?;
    disa.users.sort();
    let users = ts.list_users().await?;
    let stored_recording;
    let recording = match draft {
        Draft::Recording(f) => f,
        _ => {
            stored_recording = RecordingForm::of(&media);
            &stored_recording
        }
    };
    let (international, prefixes) = match draft {
        Draft::Calls(f) => (f.international == "on", f.prefixes.clone()),
        _ => (
            policy.international_allowed,
            policy
                .allow_prefixes
                .iter()
                .map(AllowPrefix::as_str)
                .collect::<Vec<_>>()
                .join(", "),
        ),
    };
    let markup = frame(
        session,
        Some(&d),
        &format!("Options of {d}"),
        html! {
            section {
                h2 { "Calls abroad" }
                p {
                    @if !policy.international_allowed {
                        "International calls are refused."
                    } @else if policy.allow_prefixes.is_empty() {
                        "International calls are allowed to every country."
                    } @else {
                        "International calls are allowed only to the prefixes below."
                    }
                    " Emergency calls are always allowed."
                }
                (problem_for(problem.as_ref(), "options"))
                (post_form(session, &format!("/t/{d}/options"), "grid", html! {
                    label.check {
                        input type="checkbox" name="international" value="on" checked[international];
                        "Allow international calls"
                    }
                    label { "Only to these prefixes (E.164, e.g. 39, 375; empty: every country)"
                        input name="prefixes" value=(prefixes) inputmode="numeric";
                    }
                    button type="submit" { "Save" }
                }))
            }
            section {
                h2 { "Call recording" }
                p {
                    @if media.record_calls { "Answered calls are recorded" } @else { "Calls are not recorded" }
                    "; recordings use " strong { (format!("{used_mib:.1}")) " MiB" }
                    " of " (media.quota_mb) " MiB and are kept " (media.retention_days) " days."
                    @if !media.allow_download { " Playing and downloading them is off." }
                }
                (problem_for(problem.as_ref(), "recording"))
                (post_form(session, &format!("/t/{d}/options/recording"), "grid", html! {
                    label.check {
                        input type="checkbox" name="record_calls" value="on" checked[recording.record_calls == "on"];
                        "Record answered calls (stereo WAV: caller left, callee right)"
                    }
                    label.check {
                        input type="checkbox" name="allow_download" value="on" checked[recording.allow_download == "on"];
                        "Allow playing and downloading recordings"
                    }
                    label { "Keep recordings (days, 1 to " (MAX_RETENTION_DAYS) ")"
                        input name="retention_days" value=(recording.retention_days) inputmode="numeric" required;
                    }
                    label { "Quota (MiB)"
                        input name="quota_mb" value=(recording.quota_mb) inputmode="numeric" required;
                    }
                    button type="submit" { "Save" }
                }))
            }
            section {
                h2 { "Music on hold" }
                p {
                    @match &moh {
                        Some(p) => { "Held callers hear the prompt " strong { (p) } " in a loop." }
                        None => "Music on hold is off: held callers hear silence.",
                    }
                }
                (problem_for(problem.as_ref(), "moh"))
                (post_form(session, &format!("/t/{d}/options/moh"), "inline", html! {
                    label { "Prompt"
                        select name="prompt" {
                            option value="" selected[moh.is_none()] { "off" }
                            @for p in &prompts {
                                option value=(p.name) selected[moh.as_ref() == Some(&p.name)] { (p.name) }
                            }
                        }
                    }
                    button type="submit" { "Save" }
                }))
            }
            section {
                h2 { "DISA" }
                p {
                    @if disa.enabled { "DISA numbers answer: " } @else { "DISA is off: DISA numbers are refused. " }
                    "a caller keys an extension and #, its PIN and #, then the number, which is called as that extension."
                }
                (post_form(session, &format!("/t/{d}/options/disa"), "inline", html! {
                    label.check {
                        input type="checkbox" name="enabled" value="on" checked[disa.enabled];
                        "DISA on"
                    }
                    button type="submit" { "Save" }
                }))
                @if disa.users.is_empty() {
                    p.muted { "No extension may use DISA yet." }
                } @else {
                    div.scroll { table.disa {
                        thead { tr { th { "Extension" } th { "PIN" } th {} } }
                        tbody {
                            @for ext in &disa.users {
                                tr {
                                    td { (ext) }
                                    td { "set" }
                                    td { (post_form(session, &format!("/t/{d}/options/disa/{ext}/remove"), "inline", html! {
                                        button type="submit" { "Remove" }
                                    })) }
                                }
                            }
                        }
                    } }
                }
                (problem_for(problem.as_ref(), "disa"))
                (post_form(session, &format!("/t/{d}/options/disa/pin"), "inline", html! {
                    label { "Extension"
                        select name="ext" {
                            @for u in &users {
                                option value=(u.extension) { (u.extension) }
                            }
                        }
                    }
                    label { "PIN (4 to 12 digits)"
                        input name="pin" type="password" inputmode="numeric" autocomplete="off" required;
                    }
                    button type="submit" { "Allow DISA" }
                }))
            }
            section {
                h2 { "Service" }
                p { "The tenant is " strong { @if tenant.enabled { "enabled" } @else { "disabled" } } "." }
            }
        },
    );
    Ok(match problem {
        Some(_) => with_problem(markup),
        None => markup.into_response(),
    })
}
