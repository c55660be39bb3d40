//! `/t/{domain}/users`: a tenant's SIP users: list, add (with a SIP password), change the
//! password, remove.
//!
//! Invariants: as the API's users resource: only HA1 values of a SIP password are stored
//! and no password is ever shown or echoed back into a form; a tenant admin reaches only
//! its own tenant (404 otherwise), a tenant user none (403).

use super::layout::{page as frame, post_form, problem_for, with_problem, Problem};
use super::session::{NoFields, Posted, Session, WebError};
use crate::auth::Need;
use crate::credentials::sip_ha1s;
use crate::state::unix_now;
use crate::{ApiError, ApiState};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;
use vpbx_model::{DisplayName, Email, Extension, Password};
use vpbx_store::{NewUser, Tenant, TenantStore};

/// The add-user form.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AddUser {
    /// Extension (digits), also the SIP user name.
    pub extension: String,
    /// SIP password.
    pub password: String,
    /// Display name (optional).
    pub name: String,
    /// E-mail address (optional).
    pub email: String,
}

/// The change-password form.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PasswordForm {
    /// The new SIP password.
    pub password: String,
}

/// `GET /t/{domain}/users`.
pub async fn page(
    State(state): State<ApiState>,
    session: Session,
    Path(domain): Path<String>,
) -> Result<Response, WebError> {
    render(&state, &session, &domain, None, &AddUser::default()).await
}

/// `POST /t/{domain}/users`: adds a user.
pub async fn add(
    State(state): State<ApiState>,
    Path(domain): Path<String>,
    Posted { session, form }: Posted<AddUser>,
) -> Result<Response, WebError> {
    let (tenant, ts) = session.caller.tenant(&state, &domain, Need::Write).await?;
    match add_user(&tenant, &ts, &form).await {
        Ok(()) => Ok(back(&tenant)),
        Err(e) => {
            let problem = Problem::of("add", e)?;
            render(&state, &session, &domain, Some(problem), &form).await
        }
    }
}

/// `POST /t/{domain}/users/{ext}/password`: changes a user's SIP password.
pub async fn password(
    State(state): State<ApiState>,
    Path((domain, ext)): Path<(String, String)>,
    Posted { session, form }: Posted<PasswordForm>,
) -> Result<Response, WebError> {
    let (tenant, ts) = session.caller.tenant(&state, &domain, Need::Write).await?;
    let result = async {
        let ext: Extension = ext.parse()?;
        let password: Password = form.password.parse()?;
        let (md5, sha) = sip_ha1s(&tenant.domain, &ext, &password);
        ts.set_password(&ext, &md5, &sha).await?;
        Ok::<(), ApiError>(())
    }
    .await;
    match result {
        Ok(()) => Ok(back(&tenant)),
        Err(e) => {
            let problem = Problem::of(&format!("password-{ext}"), e)?;
            render(
                &state,
                &session,
                &domain,
                Some(problem),
                &AddUser::default(),
            )
            .await
        }
    }
}

/// `POST /t/{domain}/users/{ext}/delete`: removes a user and its registrations.
pub async fn remove(
    State(state): State<ApiState>,
    Path((domain, ext)): Path<(String, String)>,
    Posted { session, .. }: Posted<NoFields>,
) -> Result<Response, WebError> {
    let (tenant, ts) = session.caller.tenant(&state, &domain, Need::Write).await?;
    ts.remove_user(&ext.parse().map_err(ApiError::from)?)
        .await?;
    Ok(back(&tenant))
}

/// Back to the users page after a change.
fn back(tenant: &Tenant) -> Response {
    Redirect::to(&format!("/t/{}/users", tenant.domain)).into_response()
}

/// Validates the form and adds the user.
async fn add_user(tenant: &Tenant, ts: &TenantStore, f: &AddUser) -> Result<(), ApiError> {
    let extension: Extension = f.extension.trim().parse()?;
    let password: Password = f.password.parse()?;
    let optional = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
    let name = optional(&f.name)
        .map(|n| n.parse::<DisplayName>())
        .transpose()?;
    let email = optional(&f.email).map(|e| e.parse::<Email>()).transpose()?;
    let (ha1_md5, ha1_sha256) = sip_ha1s(&tenant.domain, &extension, &password);
    let user = NewUser {
        extension,
        name,
        email,
        ha1_md5,
        ha1_sha256,
        call_limit: None,
        busy_level: None,
    };
    ts.add_user(&user, unix_now()).await?;
    Ok(())
}

/// The users page, with `problem` next to its form and the add form filled from `add`
/// (never its password).
async fn render(
    state: &ApiState,
    session: &Session,
    domain: &str,
    problem: Option<Problem>,
    add: &AddUser,
) -> Result<Response, WebError> {
    let (tenant, ts) = session.caller.tenant(state, domain, Need::Read).await?;
    let users = ts.list_users().await?;
    let d = tenant.domain.to_string();
    let problem = problem.as_ref();
    let markup = frame(
        session,
        Some(&d),
        &format!("Users of {d}"),
        html! {
            section {
                h2 { "Add a user" }
                (problem_for(problem, "add"))
                (post_form(session, &format!("/t/{d}/users"), "inline", html! {
                    label { "Extension" input name="extension" value=(add.extension) inputmode="numeric" required; }
                    label { "SIP password" input type="password" name="password" autocomplete="new-password" required; }
                    label { "Name" input name="name" value=(add.name); }
                    label { "E-mail" input type="email" name="email" value=(add.email); }
                    button type="submit" { "Add" }
                }))
            }
            @if users.is_empty() {
                p.muted { "No users yet." }
            } @else {
                div.scroll { table.users {
                    thead { tr {
                        th { "Extension" } th { "Name" } th { "E-mail" } th { "Call limit" }
                        th { "New SIP password" } th {}
                    } }
                    tbody {
                        @for u in &users {
                            @let ext = u.extension.as_str();
                            tr id={ "user-" (ext) } {
                                td { (ext) }
                                td { (u.name.as_ref().map(ToString::to_string).unwrap_or_default()) }
                                td { (u.email.as_ref().map(ToString::to_string).unwrap_or_default()) }
                                td { (u.call_limit.map(|n| n.to_string()).unwrap_or_else(|| "none".into())) }
                                td {
                                    (post_form(session, &format!("/t/{d}/users/{ext}/password"), "", html! {
                                        input type="password" name="password" aria-label={ "New SIP password of " (ext) } autocomplete="new-password" required;
                                        button type="submit" { "Set" }
                                    }))
                                    (problem_for(problem, &format!("password-{ext}")))
                                }
                                td {
                                    (post_form(session, &format!("/t/{d}/users/{ext}/delete"), "", html! {
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
