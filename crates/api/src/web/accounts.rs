//! `/accounts`: web and API accounts — the platform admin manages every account (platform,
//! tenant admins, tenant users), a tenant admin the admin and user accounts of its own
//! tenant: list with role and tenant, create, set a password, remove.
//!
//! Invariants: the rules are [`crate::accounts`]'s, as for the API's `/accounts`: a tenant
//! user manages none (403); an account the caller does not manage is 404 as if absent;
//! only the platform admin creates a platform account; no account removes itself;
//! passwords are hashed there (argon2id) and never shown or echoed back into a form; a
//! bad field or a conflict is shown next to its form (400), an account or tenant the
//! caller may not reach is the 404 page.

use super::cdrs::datetime;
use super::layout::{page as frame, post_form, problem_for, with_problem, Problem};
use super::session::{NoFields, Posted, Session, WebError};
use crate::accounts::{self as shared, AccountBody};
use crate::{ApiError, ApiState};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;
use vpbx_store::Role;

/// The create-account form.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AddAccount {
    /// Login name.
    pub name: String,
    /// `platform`, `admin` or `user`.
    pub role: String,
    /// The tenant's domain; empty for a platform account.
    pub tenant: String,
    /// The extension a tenant user is bound to (optional).
    pub extension: String,
    /// Password.
    pub password: String,
}

impl AddAccount {
    /// The API body the form stands for (its fields are checked by [`shared::create`]).
    fn body(&self) -> AccountBody {
        let optional = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
        AccountBody {
            role: self.role.trim().to_owned(),
            tenant: optional(&self.tenant),
            extension: optional(&self.extension),
            password: self.password.clone(),
        }
    }
}

/// The set-password form.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PasswordForm {
    /// The new password.
    pub password: String,
}

/// `GET /accounts`.
pub async fn page(State(state): State<ApiState>, session: Session) -> Result<Response, WebError> {
    render(&state, &session, None, &AddAccount::default()).await
}

/// `POST /accounts`: creates an account.
pub async fn add(
    State(state): State<ApiState>,
    Posted { session, form }: Posted<AddAccount>,
) -> Result<Response, WebError> {
    let name = form.name.trim();
    match shared::create(&state, &session.caller, name, &form.body()).await {
        Ok(_) => Ok(back()),
        Err(e @ ApiError::NotFound(_)) => Err(e.into()),
        Err(e) => {
            let problem = Problem::of("add", e)?;
            render(&state, &session, Some(problem), &form).await
        }
    }
}

/// `POST /accounts/{name}/password`: sets an account's password (its web sessions end).
pub async fn password(
    State(state): State<ApiState>,
    Path(name): Path<String>,
    Posted { session, form }: Posted<PasswordForm>,
) -> Result<Response, WebError> {
    match shared::set_password(&state, &session.caller, &name, &form.password).await {
        Ok(()) => Ok(back()),
        Err(e @ ApiError::NotFound(_)) => Err(e.into()),
        Err(e) => {
            let problem = Problem::of(&format!("password-{name}"), e)?;
            render(&state, &session, Some(problem), &AddAccount::default()).await
        }
    }
}

/// `POST /accounts/{name}/delete`: removes an account with its tokens and sessions.
pub async fn remove(
    State(state): State<ApiState>,
    Path(name): Path<String>,
    Posted { session, .. }: Posted<NoFields>,
) -> Result<Response, WebError> {
    match shared::remove(&state, &session.caller, &name).await {
        Ok(()) => Ok(back()),
        Err(e @ ApiError::NotFound(_)) => Err(e.into()),
        Err(e) => {
            let problem = Problem::of(&format!("remove-{name}"), e)?;
            render(&state, &session, Some(problem), &AddAccount::default()).await
        }
    }
}

/// Back to the accounts page after a change.
fn back() -> Response {
    Redirect::to("/accounts").into_response()
}

/// The accounts page, with `problem` next to its form and the create form filled from
/// `add` (never its password).
async fn render(
    state: &ApiState,
    session: &Session,
    problem: Option<Problem>,
    add: &AddAccount,
) -> Result<Response, WebError> {
    let caller = &session.caller;
    let accounts = shared::visible(state, caller, None).await?;
    let platform = caller.is_platform();
    let tenants: Vec<String> = if platform {
        state
            .store
            .list_tenants()
            .await?
            .into_iter()
            .map(|t| t.domain.to_string())
            .collect()
    } else {
        caller.0.domain.iter().map(ToString::to_string).collect()
    };
    let roles: &[Role] = if platform {
        &[Role::User, Role::Admin, Role::Platform]
    } else {
        &[Role::User, Role::Admin]
    };
    let title = match (&caller.0.domain, platform) {
        (Some(d), false) => format!("Accounts of {d}"),
        _ => "Accounts".to_owned(),
    };
    let problem = problem.as_ref();
    let markup = frame(
        session,
        None,
        &title,
        html! {
            section {
                h2 { "Add an account" }
                p.muted {
                    "Web and API accounts: an admin manages its tenant, a user sees the calls and "
                    "voicemail of its extension"
                    @if platform { ", a platform account everything" }
                    "."
                }
                (problem_for(problem, "add"))
                (post_form(session, "/accounts", "inline", html! {
                    label { "Login name"
                        input name="name" value=(add.name) autocomplete="off" autocapitalize="none" required;
                    }
                    label { "Role"
                        select name="role" {
                            @for r in roles {
                                option value=(r.as_str()) selected[add.role == r.as_str()] { (r.as_str()) }
                            }
                        }
                    }
                    label { "Tenant"
                        select name="tenant" {
                            @if platform {
                                option value="" selected[add.tenant.is_empty()] { "none (platform)" }
                            }
                            @for d in &tenants {
                                option value=(d) selected[add.tenant == *d] { (d) }
                            }
                        }
                    }
                    label { "Extension (users)"
                        input name="extension" value=(add.extension) inputmode="numeric";
                    }
                    label { "Password"
                        input type="password" name="password" autocomplete="new-password" minlength="8" required;
                    }
                    button type="submit" { "Add" }
                }))
            }
            @if accounts.is_empty() {
                p.muted { "No accounts." }
            } @else {
                div.scroll { table.accounts {
                    thead { tr {
                        th { "Name" } th { "Role" } th { "Tenant" } th { "Extension" }
                        th { "Created (UTC)" } th { "New password" } th {}
                    } }
                    tbody {
                        @for a in &accounts {
                            @let name = a.name.as_str();
                            tr id={ "account-" (name) } {
                                td { (name) }
                                td { (a.role.as_str()) }
                                td { (a.domain.as_ref().map(ToString::to_string).unwrap_or_else(|| "-".into())) }
                                td { (a.extension.as_ref().map(ToString::to_string).unwrap_or_else(|| "-".into())) }
                                td { (datetime(a.created_at.saturating_mul(1000))) }
                                td {
                                    (post_form(session, &format!("/accounts/{name}/password"), "", html! {
                                        input type="password" name="password" aria-label={ "New password of " (name) } autocomplete="new-password" minlength="8" required;
                                        button type="submit" { "Set" }
                                    }))
                                    (problem_for(problem, &format!("password-{name}")))
                                }
                                td {
                                    @if a.id == caller.0.id {
                                        span.muted { "you" }
                                    } @else {
                                        (post_form(session, &format!("/accounts/{name}/delete"), "", html! {
                                            button.danger type="submit" { "Remove" }
                                        }))
                                    }
                                    (problem_for(problem, &format!("remove-{name}")))
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
