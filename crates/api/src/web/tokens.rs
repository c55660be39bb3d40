//! `/tokens`: API tokens of the signed-in account (the platform admin may look at another
//! account's with `?account=NAME`): list, create — the secret is shown once, on the page
//! that answers the form —, revoke.
//!
//! Invariants: the rules are [`crate::tokens`]'s, as for the API's `/tokens`: a token is
//! created only for the signed-in account; another account's list is 403 and its token
//! 404 except for the platform admin; the secret is never stored (only its hash) nor
//! shown again, and the page carrying it is not cached.

use super::cdrs::datetime;
use super::layout::{page as frame, post_form, problem_for, with_problem, Problem};
use super::session::{NoFields, Posted, Session, WebError};
use crate::tokens::{self as shared, MAX_LABEL};
use crate::{ApiError, ApiState};
use axum::extract::{Path, Query, State};
use axum::http::header::CACHE_CONTROL;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;

/// The create-token form.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CreateToken {
    /// A label to recognise the token by.
    pub label: String,
}

/// `GET /tokens` query.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TokensQuery {
    /// Another account whose tokens to show (platform admin only); empty: the caller's.
    pub account: String,
}

/// `GET /tokens`.
pub async fn page(
    State(state): State<ApiState>,
    session: Session,
    Query(q): Query<TokensQuery>,
) -> Result<Response, WebError> {
    render(&state, &session, q.account.trim(), None, "").await
}

/// `POST /tokens`: creates a token for the signed-in account and shows its secret once.
pub async fn create(
    State(state): State<ApiState>,
    Posted { session, form }: Posted<CreateToken>,
) -> Result<Response, WebError> {
    let (row, secret) = match shared::create(&state, &session.caller, &form.label).await {
        Ok(created) => created,
        Err(e) => {
            let problem = Problem::of("create", e)?;
            return render(&state, &session, "", Some(problem), &form.label).await;
        }
    };
    let markup = frame(
        &session,
        None,
        "New API token",
        html! {
            section {
                p.warning role="alert" {
                    strong { "Copy this token now: it will not be shown again." }
                    " Only its hash is kept; if it is lost, revoke it and create another."
                }
                p { "Token " strong { (row.name) } " (id " (row.id) ") of " (row.account.as_str()) ":" }
                pre.secret { code { (secret) } }
                p.muted { "Send it as " code { "Authorization: Bearer TOKEN" } "." }
                p { a href="/tokens" { "Back to the tokens" } }
            }
        },
    );
    Ok(([(CACHE_CONTROL, "no-store")], markup).into_response())
}

/// `POST /tokens/{id}/revoke`: revokes a token.
pub async fn revoke(
    State(state): State<ApiState>,
    Path(id): Path<String>,
    Posted { session, .. }: Posted<NoFields>,
) -> Result<Response, WebError> {
    let id: i64 = id.parse().map_err(|_| ApiError::NotFound("token".into()))?;
    shared::revoke(&state, &session.caller, id).await?;
    Ok(Redirect::to("/tokens").into_response())
}

/// The tokens page of `account` (empty: the caller's), with `problem` next to the create
/// form and its label field filled from `label`.
async fn render(
    state: &ApiState,
    session: &Session,
    account: &str,
    problem: Option<Problem>,
    label: &str,
) -> Result<Response, WebError> {
    let caller = &session.caller;
    let shown = (!account.is_empty()).then_some(account);
    let tokens = shared::list(state, caller, shown).await?;
    let whose = shown.unwrap_or(caller.0.name.as_str());
    let own = whose == caller.0.name.as_str();
    let problem = problem.as_ref();
    let markup = frame(
        session,
        None,
        &format!("API tokens of {whose}"),
        html! {
            @if own {
                section {
                    h2 { "Create a token" }
                    p.muted {
                        "A token acts as your account (" (caller.0.role.as_str()) ") in the API: "
                        code { "Authorization: Bearer TOKEN" } "."
                    }
                    (problem_for(problem, "create"))
                    (post_form(session, "/tokens", "inline", html! {
                        label { "Label"
                            input name="label" value=(label) maxlength=(MAX_LABEL) required;
                        }
                        button type="submit" { "Create" }
                    }))
                }
            }
            @if caller.is_platform() {
                form method="get" action="/tokens" class="inline" {
                    label { "Tokens of account"
                        input name="account" value=(account) placeholder=(caller.0.name.as_str()) autocapitalize="none";
                    }
                    button type="submit" { "Show" }
                }
            }
            @if tokens.is_empty() {
                p.muted { "No tokens." }
            } @else {
                div.scroll { table.tokens {
                    thead { tr { th { "Id" } th { "Label" } th { "Created (UTC)" } th {} } }
                    tbody {
                        @for t in &tokens {
                            tr id={ "token-" (t.id) } {
                                td { (t.id) }
                                td { (t.name) }
                                td { (datetime(t.created_at.saturating_mul(1000))) }
                                td {
                                    (post_form(session, &format!("/tokens/{}/revoke", t.id), "", html! {
                                        button.danger type="submit" { "Revoke" }
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
