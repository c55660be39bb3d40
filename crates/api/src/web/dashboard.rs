//! `GET /`: the dashboard. The platform admin sees every tenant with its counts (calls in
//! progress included); a tenant admin its users count, registrations, calls in progress and
//! recent calls; a tenant user its own calls in progress and recent calls.

use super::cdrs::{calls_table, datetime};
use super::layout::page as frame;
use super::session::{Session, WebError};
use crate::auth::Need;
use crate::cdr_search::{search, CdrSearch};
use crate::live::{self, ActiveCall};
use crate::state::unix_now;
use crate::{ApiError, ApiState};
use axum::extract::State;
use maud::{html, Markup};
use vpbx_store::Role;

/// Calls shown on the dashboard.
const RECENT_CALLS: u32 = 10;

/// The dashboard of the logged-in account.
pub async fn page(State(state): State<ApiState>, session: Session) -> Result<Markup, WebError> {
    let account = &session.caller.0;
    if account.role == Role::Platform {
        return platform(&state, &session).await;
    }
    let domain = account
        .domain
        .as_ref()
        .ok_or_else(|| ApiError::NotFound("tenant".into()))?
        .to_string();
    let is_admin = account.role == Role::Admin;
    let need = if is_admin { Need::Read } else { Need::Cdrs };
    let (tenant, ts) = session.caller.tenant(&state, &domain, need).await?;
    let active = live::visible(&state, &session.caller, tenant.id);
    let recent = search(
        &session.caller,
        &ts,
        CdrSearch {
            limit: Some(RECENT_CALLS),
            ..CdrSearch::default()
        },
    )
    .await?;
    let admin_part = if is_admin {
        let users = ts.list_users().await?.len();
        let numbers = ts.list_numbers().await?.len();
        let bindings = ts.list_bindings(unix_now()).await?;
        html! {
            div.stats {
                div { b { (users) } a href={ "/t/" (domain) "/users" } { "users" } }
                div { b { (bindings.len()) } "registrations" }
                div { b { (numbers) } a href={ "/t/" (domain) "/numbers" } { "numbers" } }
            }
            h2 { "Registrations" }
            @if bindings.is_empty() {
                p.muted { "No phone is registered." }
            } @else {
                div.scroll { table {
                    thead { tr { th { "Extension" } th { "Contact" } th { "From" } th { "Device" } th { "Expires" } } }
                    tbody {
                        @for b in &bindings {
                            tr {
                                td { (b.extension) }
                                td { (b.uri) }
                                td { (b.source) " " (b.transport) }
                                td { (b.user_agent.as_deref().unwrap_or("")) }
                                td { (datetime(b.expires_at.saturating_mul(1000))) }
                            }
                        }
                    }
                } }
            }
        }
    } else {
        html! {
            @if let Some(ext) = &account.extension {
                p { "Your extension: " strong { (ext) } }
            }
        }
    };
    Ok(frame(
        &session,
        Some(&domain),
        &tenant.domain.to_string(),
        html! {
            @if !tenant.enabled { p.error { "This tenant is disabled: it gets no service." } }
            (admin_part)
            h2 { "Active calls" }
            (active_calls(&active, unix_now_ms()))
            p { a href="/" { "Refresh" } }
            h2 { "Recent calls" }
            (calls_table(&recent.rows))
            p { a href={ "/t/" (domain) "/cdrs" } { "Search calls" } }
        },
    ))
}

/// The platform admin's dashboard: every tenant with its users and registrations, and the
/// addresses blocked now after failed logins (seed 000 FAQ).
async fn platform(state: &ApiState, session: &Session) -> Result<Markup, WebError> {
    let now = unix_now();
    let blocked = state.guard.blocked(std::time::Instant::now(), now);
    let calls = live::counts(state);
    let mut rows = Vec::new();
    for (tenant, users) in state.store.load_all().await? {
        let registrations = state
            .store
            .tenant(tenant.id)
            .list_bindings(now)
            .await?
            .len();
        let active = calls.get(&tenant.id).copied().unwrap_or(0);
        rows.push((tenant, users.len(), registrations, active));
    }
    rows.sort_by(|a, b| a.0.domain.as_str().cmp(b.0.domain.as_str()));
    Ok(frame(
        session,
        None,
        "Platform",
        html! {
            div.stats {
                div { b { (rows.len()) } a href="/admin/tenants" { "tenants" } }
                div { b { (rows.iter().map(|r| r.1).sum::<usize>()) } "users" }
                div { b { (rows.iter().map(|r| r.2).sum::<usize>()) } "registrations" }
                div { b { (rows.iter().map(|r| r.3).sum::<usize>()) } "active calls" }
            }
            p { a href="/" { "Refresh" } }
            h2 { "Tenants" }
            @if rows.is_empty() {
                p.muted { "No tenant yet: " a href="/admin/tenants" { "create one" } "." }
            } @else {
                div.scroll { table {
                    thead { tr { th { "Domain" } th { "Enabled" } th { "Users" } th { "Registrations" } th { "Active calls" } th { "Calls" } } }
                    tbody {
                        @for (t, users, regs, active) in &rows {
                            tr {
                                td { a href={ "/t/" (t.domain) "/users" } { (t.domain) } }
                                td { @if t.enabled { "yes" } @else { "no" } }
                                td { (users) }
                                td { (regs) }
                                td.active-calls { (active) }
                                td { a href={ "/t/" (t.domain) "/cdrs" } { "calls" } }
                            }
                        }
                    }
                } }
            }
            h2 { "Blocked addresses" }
            @if blocked.is_empty() {
                p.muted { "No address is blocked after failed logins." }
            } @else {
                div.scroll { table.blocked {
                    thead { tr { th { "Address" } th { "Blocked since" } th { "Until" } } }
                    tbody {
                        @for b in &blocked {
                            tr {
                                td { (b.address) }
                                td { (datetime(b.since.saturating_mul(1000))) }
                                td { (datetime(b.until.saturating_mul(1000))) }
                            }
                        }
                    }
                } }
            }
        },
    ))
}

/// The calls in progress as a table (caller, callee, state, duration so far at `now_ms`),
/// or a line saying there are none.
fn active_calls(calls: &[ActiveCall], now_ms: i64) -> Markup {
    html! {
        @if calls.is_empty() {
            p.muted { "No call in progress." }
        } @else {
            div.scroll { table.active-calls {
                thead { tr { th { "Caller" } th { "Callee" } th { "State" } th { "Duration" } } }
                tbody {
                    @for c in calls {
                        tr {
                            td { (c.caller) }
                            td { (c.callee) }
                            td { (c.state.label()) }
                            td { (minutes(now_ms.saturating_sub(c.started_at))) }
                        }
                    }
                }
            } }
        }
    }
}

/// `ms` as `M:SS` (0:00 for a negative span, e.g. a clock that stepped back).
fn minutes(ms: i64) -> String {
    let secs = ms.max(0) / 1000;
    format!("{}:{:02}", secs / 60, secs % 60)
}

/// Unix ms now (0 if the clock is before 1970).
fn unix_now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::minutes;

    #[test]
    fn durations() {
        assert_eq!(minutes(0), "0:00");
        assert_eq!(minutes(65_999), "1:05");
        assert_eq!(minutes(-5), "0:00");
    }
}
