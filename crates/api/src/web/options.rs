//! `/t/{domain}/options`: the tenant's toll-fraud options (what `vpbx tenant allow`
//! changes): whether international calls are allowed, and only to which country or
//! number prefixes. Emergency calls are always allowed.
//!
//! Invariants: the options are replaced as a whole from the form; an invalid prefix
//! changes nothing and is shown next to the form, naming the field.

use super::layout::{page as frame, post_form, problem_for, with_problem, Problem};
use super::session::{Posted, Session, WebError};
use crate::auth::Need;
use crate::{ApiError, ApiState};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;
use vpbx_routing::{AllowPrefix, Policy};

/// The options form.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct OptionsForm {
    /// `on` when international calls are allowed (an unticked checkbox sends nothing).
    pub international: String,
    /// E.164 prefixes separated by commas or spaces; empty allows every country.
    pub prefixes: String,
}

/// `GET /t/{domain}/options`.
pub async fn page(
    State(state): State<ApiState>,
    session: Session,
    Path(domain): Path<String>,
) -> Result<Response, WebError> {
    render(&state, &session, &domain, None, None).await
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
            render(&state, &session, &domain, Some(problem), Some(&form)).await
        }
    }
}

/// The page, with `problem` next to the form, filled from `form` or the stored options.
async fn render(
    state: &ApiState,
    session: &Session,
    domain: &str,
    problem: Option<Problem>,
    form: Option<&OptionsForm>,
) -> Result<Response, WebError> {
    let (tenant, ts) = session.caller.tenant(state, domain, Need::Read).await?;
    let d = tenant.domain.to_string();
    let policy = ts.routing_policy().await?;
    let (international, prefixes) = match form {
        Some(f) => (f.international == "on", f.prefixes.clone()),
        None => (
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
