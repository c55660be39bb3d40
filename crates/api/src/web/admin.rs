//! `/admin/tenants` (platform admin: create, enable, disable, delete tenants) and
//! `/admin/tenants/{domain}/trunks` (a tenant's SIP trunks: list with status, add,
//! remove; the same rights as the API's trunks, so a tenant admin reaches its own).
//!
//! Invariants: tenant changes need the platform admin (403 otherwise); deleting a tenant
//! needs its confirmation box ticked; a trunk secret is write-only (never shown or echoed
//! back into the form) and sealed by the store.

use super::layout::{page as frame, post_form, problem_for, with_problem, Problem};
use super::session::{NoFields, Posted, Session, WebError};
use crate::auth::Need;
use crate::state::unix_now;
use crate::{ApiError, ApiState};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;
use vpbx_model::{Domain, TrunkTransport};
use vpbx_store::{NewTrunk, Tenant, TenantStore};

/// The create-tenant form.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CreateTenant {
    /// The new tenant's SIP domain.
    pub domain: String,
}

/// The delete-tenant form.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DeleteTenant {
    /// `on` when the confirmation box is ticked.
    pub confirm: String,
}

/// The add-trunk form.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AddTrunk {
    /// Name, unique within the tenant.
    pub name: String,
    /// The carrier's SIP server.
    pub host: String,
    /// Its port (empty: the transport's default).
    pub port: String,
    /// udp, tcp or tls.
    pub transport: String,
    /// Digest user name (optional).
    pub username: String,
    /// Digest password (optional, needs a user name).
    pub secret: String,
    /// `on` to register with the carrier.
    pub register: String,
}

/// `GET /admin/tenants`.
pub async fn tenants(
    State(state): State<ApiState>,
    session: Session,
) -> Result<Response, WebError> {
    render_tenants(&state, &session, None, "").await
}

/// `POST /admin/tenants`: creates a tenant.
pub async fn create(
    State(state): State<ApiState>,
    Posted { session, form }: Posted<CreateTenant>,
) -> Result<Response, WebError> {
    session.caller.require_platform()?;
    let created = match form.domain.trim().parse::<Domain>() {
        Ok(domain) => state
            .store
            .create_tenant(&domain, unix_now())
            .await
            .map_err(ApiError::from),
        Err(e) => Err(e.into()),
    };
    match created {
        Ok(_) => Ok(Redirect::to("/admin/tenants").into_response()),
        Err(e) => {
            let problem = Problem::of("create", e)?;
            render_tenants(&state, &session, Some(problem), &form.domain).await
        }
    }
}

/// `POST /admin/tenants/{domain}/enable`.
pub async fn enable(
    State(state): State<ApiState>,
    Path(domain): Path<String>,
    Posted { session, .. }: Posted<NoFields>,
) -> Result<Response, WebError> {
    set_enabled(&state, &session, &domain, true).await
}

/// `POST /admin/tenants/{domain}/disable`.
pub async fn disable(
    State(state): State<ApiState>,
    Path(domain): Path<String>,
    Posted { session, .. }: Posted<NoFields>,
) -> Result<Response, WebError> {
    set_enabled(&state, &session, &domain, false).await
}

/// Enables or disables tenant `domain` (platform admin).
async fn set_enabled(
    state: &ApiState,
    session: &Session,
    domain: &str,
    enabled: bool,
) -> Result<Response, WebError> {
    session.caller.require_platform()?;
    let (tenant, _) = session.caller.tenant(state, domain, Need::Write).await?;
    state
        .store
        .set_tenant_enabled(&tenant.domain, enabled)
        .await?;
    Ok(Redirect::to("/admin/tenants").into_response())
}

/// `POST /admin/tenants/{domain}/delete`: deletes a tenant and everything it owns.
pub async fn delete(
    State(state): State<ApiState>,
    Path(domain): Path<String>,
    Posted { session, form }: Posted<DeleteTenant>,
) -> Result<Response, WebError> {
    session.caller.require_platform()?;
    let (tenant, _) = session.caller.tenant(&state, &domain, Need::Write).await?;
    if form.confirm != "on" {
        let problem = Problem {
            form: format!("delete-{}", tenant.domain),
            field: "confirm".into(),
            message: "tick the box to confirm: all its users and data are removed".into(),
        };
        return render_tenants(&state, &session, Some(problem), "").await;
    }
    state.store.delete_tenant(&tenant.domain).await?;
    Ok(Redirect::to("/admin/tenants").into_response())
}

/// The tenants page, with `problem` next to its form and `domain` in the create form.
async fn render_tenants(
    state: &ApiState,
    session: &Session,
    problem: Option<Problem>,
    domain: &str,
) -> Result<Response, WebError> {
    session.caller.require_platform()?;
    let mut tenants = state.store.load_all().await?;
    tenants.sort_by(|a, b| a.0.domain.as_str().cmp(b.0.domain.as_str()));
    let problem = problem.as_ref();
    let markup = frame(
        session,
        None,
        "Tenants",
        html! {
            section {
                h2 { "Create a tenant" }
                (problem_for(problem, "create"))
                (post_form(session, "/admin/tenants", "inline", html! {
                    label { "SIP domain" input name="domain" value=(domain) placeholder="pbx.example.com" required; }
                    button type="submit" { "Create" }
                }))
            }
            @if tenants.is_empty() {
                p.muted { "No tenants yet." }
            } @else {
                div.scroll { table.tenants {
                    thead { tr { th { "Domain" } th { "Status" } th { "Users" } th { "Pages" } th {} th {} } }
                    tbody {
                        @for (t, users) in &tenants {
                            @let d = t.domain.to_string();
                            tr {
                                td { (d) }
                                td { @if t.enabled { "enabled" } @else { "disabled" } }
                                td { (users.len()) }
                                td {
                                    a href={ "/t/" (d) "/users" } { "users" } " · "
                                    a href={ "/admin/tenants/" (d) "/trunks" } { "trunks" } " · "
                                    a href={ "/t/" (d) "/cdrs" } { "calls" }
                                }
                                td {
                                    @if t.enabled {
                                        (post_form(session, &format!("/admin/tenants/{d}/disable"), "", html! {
                                            button type="submit" { "Disable" }
                                        }))
                                    } @else {
                                        (post_form(session, &format!("/admin/tenants/{d}/enable"), "", html! {
                                            button type="submit" { "Enable" }
                                        }))
                                    }
                                }
                                td {
                                    (post_form(session, &format!("/admin/tenants/{d}/delete"), "", html! {
                                        label.check { input type="checkbox" name="confirm" value="on"; "sure" }
                                        button.danger type="submit" { "Delete" }
                                    }))
                                    (problem_for(problem, &format!("delete-{d}")))
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

/// `GET /admin/tenants/{domain}/trunks`.
pub async fn trunks(
    State(state): State<ApiState>,
    session: Session,
    Path(domain): Path<String>,
) -> Result<Response, WebError> {
    render_trunks(&state, &session, &domain, None, &AddTrunk::default()).await
}

/// `POST /admin/tenants/{domain}/trunks`: adds a trunk.
pub async fn add_trunk(
    State(state): State<ApiState>,
    Path(domain): Path<String>,
    Posted { session, form }: Posted<AddTrunk>,
) -> Result<Response, WebError> {
    let (tenant, ts) = session.caller.tenant(&state, &domain, Need::Write).await?;
    match insert_trunk(&state, &ts, &form).await {
        Ok(()) => Ok(trunks_page(&tenant)),
        Err(e) => {
            let problem = Problem::of("trunk", e)?;
            render_trunks(&state, &session, &domain, Some(problem), &form).await
        }
    }
}

/// `POST /admin/tenants/{domain}/trunks/{name}/delete`: removes a trunk.
pub async fn remove_trunk(
    State(state): State<ApiState>,
    Path((domain, name)): Path<(String, String)>,
    Posted { session, .. }: Posted<NoFields>,
) -> Result<Response, WebError> {
    let (tenant, ts) = session.caller.tenant(&state, &domain, Need::Write).await?;
    ts.remove_trunk(&name.parse().map_err(ApiError::from)?)
        .await?;
    Ok(trunks_page(&tenant))
}

/// Back to the trunks page after a change.
fn trunks_page(tenant: &Tenant) -> Response {
    Redirect::to(&format!("/admin/tenants/{}/trunks", tenant.domain)).into_response()
}

/// `s` trimmed, or `None` when that leaves nothing.
fn optional(s: &str) -> Option<&str> {
    Some(s.trim()).filter(|s| !s.is_empty())
}

/// Validates the form and adds the trunk.
async fn insert_trunk(state: &ApiState, ts: &TenantStore, f: &AddTrunk) -> Result<(), ApiError> {
    let transport: TrunkTransport = optional(&f.transport).unwrap_or("udp").parse()?;
    let port = match optional(&f.port) {
        None => transport.default_port(),
        Some(p) => p
            .parse::<u16>()
            .ok()
            .filter(|p| *p != 0)
            .ok_or_else(|| ApiError::invalid("port", "must be 1 to 65535"))?,
    };
    let username = optional(&f.username).map(str::parse).transpose()?;
    let secret = optional(&f.secret).map(str::parse).transpose()?;
    if secret.is_some() && username.is_none() {
        return Err(ApiError::invalid("username", "required with a secret"));
    }
    let trunk = NewTrunk {
        port,
        transport,
        username,
        secret,
        register: f.register == "on",
        ..NewTrunk::new(f.name.trim().parse()?, f.host.trim().parse()?)
    };
    ts.add_trunk(&trunk, &state.secrets, unix_now()).await?;
    Ok(())
}

/// The trunks page of `domain`, with `problem` next to the form filled from `add` (never
/// its secret).
async fn render_trunks(
    state: &ApiState,
    session: &Session,
    domain: &str,
    problem: Option<Problem>,
    add: &AddTrunk,
) -> Result<Response, WebError> {
    let (tenant, ts) = session.caller.tenant(state, domain, Need::Read).await?;
    let d = tenant.domain.to_string();
    let trunks = ts.list_trunks().await?;
    let problem = problem.as_ref();
    let markup = frame(
        session,
        Some(&d),
        &format!("Trunks of {d}"),
        html! {
            section {
                h2 { "Add a trunk" }
                (problem_for(problem, "trunk"))
                (post_form(session, &format!("/admin/tenants/{d}/trunks"), "inline", html! {
                    label { "Name" input name="name" value=(add.name) required; }
                    label { "Host" input name="host" value=(add.host) placeholder="sip.carrier.example" required; }
                    label { "Port" input name="port" value=(add.port) inputmode="numeric" size="5" placeholder="5060"; }
                    label { "Transport"
                        select name="transport" {
                            @for t in ["udp", "tcp", "tls"] {
                                option value=(t) selected[add.transport == t] { (t) }
                            }
                        }
                    }
                    label { "User name" input name="username" value=(add.username) autocomplete="off"; }
                    label { "Secret" input type="password" name="secret" autocomplete="new-password"; }
                    label.check { input type="checkbox" name="register" value="on" checked[add.register == "on"]; "Register" }
                    button type="submit" { "Add trunk" }
                }))
            }
            @if trunks.is_empty() {
                p.muted { "No trunks yet." }
            } @else {
                div.scroll { table.trunks {
                    thead { tr {
                        th { "Name" } th { "Server" } th { "Status" } th { "User name" }
                        th { "Register" } th { "Qualify" } th { "Codecs" } th {}
                    } }
                    tbody {
                        @for t in &trunks {
                            tr {
                                td { (t.name) }
                                td { (t.host) ":" (t.port) " " (t.transport) }
                                td { @if t.enabled { "enabled" } @else { "disabled" } }
                                td { (t.username.as_ref().map(ToString::to_string).unwrap_or_default())
                                     @if t.secret.is_some() { " (secret set)" } }
                                td { @if t.register { "yes" } @else { "no" } }
                                td { @if t.qualify { "yes" } @else { "no" } }
                                td { (t.codecs.codecs().iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", ")) }
                                td { (post_form(session, &format!("/admin/tenants/{d}/trunks/{}/delete", t.name), "", html! {
                                    button.danger type="submit" { "Remove" }
                                })) }
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
