//! `/t/{domain}/numbers`: a tenant's numbers (DIDs, with their inbound target such as
//! `ext:1000`) and outbound directions, each listed, added and removed, and a route trace
//! form that prints where a call would go and why (nothing is dialled).
//!
//! Invariants: the same parsing as the API (numbers in any usual form stored canonical,
//! patterns, prefixes and trunk names validated, the error naming the field); reads need
//! tenant admin rights, as in the API.

use super::layout::{page as frame, post_form, problem_for, with_problem, Problem};
use super::session::{NoFields, Posted, Session, WebError};
use crate::auth::Need;
use crate::state::unix_now;
use crate::{ApiError, ApiState};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use serde::Deserialize;
use vpbx_model::{Extension, TrunkName};
use vpbx_routing::{
    decide, Decision, DirectionKind, InboundTarget, Pattern, PhoneNumber, Prefix, Target,
    TenantRouting,
};
use vpbx_store::{NewDirection, Tenant, TenantStore};

/// The add-number form.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AddNumber {
    /// The number in any usual form.
    pub number: String,
    /// The trunk the carrier delivers it on.
    pub trunk: String,
    /// Where its calls go: `ext:NNNN`.
    pub target: String,
}

/// The add-direction form.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AddDirection {
    /// regional, international, emergency or other.
    pub kind: String,
    /// Own Asterisk pattern (needed for `other`).
    pub pattern: String,
    /// Leading characters to strip.
    pub strip: String,
    /// Digits to put in front.
    pub prefix: String,
    /// Trunks in failover order, separated by commas or spaces.
    pub trunks: String,
    /// Lower first among equally specific directions (default 1).
    pub priority: String,
}

/// The route trace form (a GET: it changes nothing).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TraceForm {
    /// The calling extension.
    pub from: String,
    /// The dialled number.
    pub to: String,
}

/// What the forms of a re-rendered page hold.
#[derive(Default)]
struct Filled {
    number: AddNumber,
    direction: AddDirection,
}

/// `GET /t/{domain}/numbers`, with the trace of `?from=&to=` when given.
pub async fn page(
    State(state): State<ApiState>,
    session: Session,
    Path(domain): Path<String>,
    Query(trace): Query<TraceForm>,
) -> Result<Response, WebError> {
    render(&state, &session, &domain, None, &Filled::default(), &trace).await
}

/// `POST /t/{domain}/numbers`: adds a number.
pub async fn add(
    State(state): State<ApiState>,
    Path(domain): Path<String>,
    Posted { session, form }: Posted<AddNumber>,
) -> Result<Response, WebError> {
    let (tenant, ts) = session.caller.tenant(&state, &domain, Need::Write).await?;
    match add_number(&ts, &form).await {
        Ok(()) => Ok(back(&tenant)),
        Err(e) => {
            let problem = Problem::of("number", e)?;
            let filled = Filled {
                number: form,
                ..Filled::default()
            };
            let trace = TraceForm::default();
            render(&state, &session, &domain, Some(problem), &filled, &trace).await
        }
    }
}

/// `POST /t/{domain}/numbers/{number}/delete`: removes a number.
pub async fn remove(
    State(state): State<ApiState>,
    Path((domain, number)): Path<(String, String)>,
    Posted { session, .. }: Posted<NoFields>,
) -> Result<Response, WebError> {
    let (tenant, ts) = session.caller.tenant(&state, &domain, Need::Write).await?;
    ts.remove_number(&PhoneNumber::parse("number", &number).map_err(ApiError::from)?)
        .await?;
    Ok(back(&tenant))
}

/// `POST /t/{domain}/directions`: adds a direction.
pub async fn add_direction(
    State(state): State<ApiState>,
    Path(domain): Path<String>,
    Posted { session, form }: Posted<AddDirection>,
) -> Result<Response, WebError> {
    let (tenant, ts) = session.caller.tenant(&state, &domain, Need::Write).await?;
    let added = match new_direction(&form) {
        Ok(new) => ts
            .add_direction(&new, unix_now())
            .await
            .map_err(ApiError::from),
        Err(e) => Err(e),
    };
    match added {
        Ok(_) => Ok(back(&tenant)),
        Err(e) => {
            let problem = Problem::of("direction", e)?;
            let filled = Filled {
                direction: form,
                ..Filled::default()
            };
            let trace = TraceForm::default();
            render(&state, &session, &domain, Some(problem), &filled, &trace).await
        }
    }
}

/// `POST /t/{domain}/directions/{id}/delete`: removes a direction.
pub async fn remove_direction(
    State(state): State<ApiState>,
    Path((domain, id)): Path<(String, String)>,
    Posted { session, .. }: Posted<NoFields>,
) -> Result<Response, WebError> {
    let (tenant, ts) = session.caller.tenant(&state, &domain, Need::Write).await?;
    let id: i64 = id
        .parse()
        .map_err(|_| ApiError::invalid("id", "must be a direction id (a number)"))?;
    ts.remove_direction(id).await?;
    Ok(back(&tenant))
}

/// Back to the numbers page after a change.
fn back(tenant: &Tenant) -> Response {
    Redirect::to(&format!("/t/{}/numbers", tenant.domain)).into_response()
}

/// Validates the form and adds the number.
async fn add_number(ts: &TenantStore, f: &AddNumber) -> Result<(), ApiError> {
    let number = PhoneNumber::parse("number", f.number.trim())?;
    let trunk: TrunkName = f.trunk.trim().parse()?;
    let target: InboundTarget = f.target.trim().parse()?;
    ts.add_number(&number, &trunk, &target, unix_now()).await?;
    Ok(())
}

/// The direction of the form, validated.
fn new_direction(f: &AddDirection) -> Result<NewDirection, ApiError> {
    let number = |field: &str, s: &str, default: u32| -> Result<u32, ApiError> {
        match s.trim() {
            "" => Ok(default),
            n => n
                .parse()
                .map_err(|_| ApiError::invalid(field, "must be a whole number")),
        }
    };
    let trunks: Vec<TrunkName> = f
        .trunks
        .split([',', ' '])
        .filter(|t| !t.is_empty())
        .map(str::parse)
        .collect::<Result<_, _>>()?;
    if trunks.is_empty() {
        return Err(ApiError::invalid("trunks", "name at least one trunk"));
    }
    let strip = u8::try_from(number("strip", &f.strip, 0)?)
        .map_err(|_| ApiError::invalid("strip", "must be 0 to 255"))?;
    let pattern = Some(f.pattern.trim()).filter(|p| !p.is_empty());
    Ok(NewDirection {
        kind: f.kind.parse::<DirectionKind>()?,
        pattern: pattern.map(Pattern::parse).transpose()?,
        strip,
        prefix: f.prefix.trim().parse::<Prefix>()?,
        trunks,
        priority: number("priority", &f.priority, 1)?,
        enabled: true,
    })
}

/// The decision of the trace form, if it was filled in.
async fn trace(ts: &TenantStore, f: &TraceForm) -> Result<Option<Decision>, ApiError> {
    if f.from.trim().is_empty() && f.to.trim().is_empty() {
        return Ok(None);
    }
    let from: Extension = f
        .from
        .trim()
        .parse()
        .map_err(|e: vpbx_model::ModelError| ApiError::invalid("from", e.reason))?;
    if f.to.trim().is_empty() {
        return Err(ApiError::invalid("to", "give the dialled number"));
    }
    let routing: TenantRouting = ts.load_routing().await?.into();
    Ok(Some(decide(&routing, &from, f.to.trim())))
}

/// The page, with `problem` next to its form and the forms filled from `filled` and
/// `trace_form`.
async fn render(
    state: &ApiState,
    session: &Session,
    domain: &str,
    problem: Option<Problem>,
    filled: &Filled,
    trace_form: &TraceForm,
) -> Result<Response, WebError> {
    let (tenant, ts) = session.caller.tenant(state, domain, Need::Read).await?;
    let d = tenant.domain.to_string();
    let numbers = ts.list_numbers().await?;
    let directions = ts.list_directions().await?;
    let trunks = ts.list_trunks().await?;
    let (decision, problem) = match (problem, trace(&ts, trace_form).await) {
        (Some(p), _) => (None, Some(p)),
        (None, Ok(decision)) => (decision, None),
        (None, Err(e)) => (None, Some(Problem::of("trace", e)?)),
    };
    let problem = problem.as_ref();
    let (n, dir) = (&filled.number, &filled.direction);
    let markup = frame(
        session,
        Some(&d),
        &format!("Numbers and directions of {d}"),
        html! {
            section {
                h2 { "Numbers" }
                (problem_for(problem, "number"))
                (post_form(session, &format!("/t/{d}/numbers"), "inline", html! {
                    label { "Number" input name="number" value=(n.number) inputmode="tel" required; }
                    label { "Trunk"
                        select name="trunk" required {
                            @for t in &trunks {
                                option value=(t.name) selected[n.trunk == t.name.as_str()] { (t.name) }
                            }
                        }
                    }
                    label { "Target" input name="target" value=(n.target) placeholder="ext:1000" required; }
                    button type="submit" { "Add number" }
                }))
                @if trunks.is_empty() {
                    p.muted { "Add a trunk first: numbers arrive on a trunk." }
                }
                @if !numbers.is_empty() {
                    div.scroll { table.numbers {
                        thead { tr { th { "Number" } th { "Trunk" } th { "Target" } th {} } }
                        tbody {
                            @for row in &numbers {
                                tr {
                                    td { (row.display) }
                                    td { (row.trunk) }
                                    td { (row.target) }
                                    td { (post_form(session, &format!("/t/{d}/numbers/{}/delete", row.number), "", html! {
                                        button.danger type="submit" { "Remove" }
                                    })) }
                                }
                            }
                        }
                    } }
                }
            }
            section {
                h2 { "Directions" }
                (problem_for(problem, "direction"))
                (post_form(session, &format!("/t/{d}/directions"), "inline", html! {
                    label { "Kind"
                        select name="kind" {
                            @for k in DirectionKind::ALL {
                                option value=(k.as_str()) selected[dir.kind == k.as_str()] { (k.as_str()) }
                            }
                        }
                    }
                    label { "Pattern" input name="pattern" value=(dir.pattern) placeholder="built-in"; }
                    label { "Strip" input name="strip" value=(dir.strip) inputmode="numeric" size="3"; }
                    label { "Prefix" input name="prefix" value=(dir.prefix) inputmode="numeric" size="6"; }
                    label { "Trunks" input name="trunks" value=(dir.trunks) placeholder="main, backup" required; }
                    label { "Priority" input name="priority" value=(dir.priority) inputmode="numeric" size="3"; }
                    button type="submit" { "Add direction" }
                }))
                @if !directions.is_empty() {
                    div.scroll { table.directions {
                        thead { tr {
                            th { "Id" } th { "Kind" } th { "Pattern" } th { "Strip" } th { "Prefix" }
                            th { "Trunks" } th { "Priority" } th { "Enabled" } th {}
                        } }
                        tbody {
                            @for x in &directions {
                                tr {
                                    td { (x.id) }
                                    td { (x.kind.as_str()) }
                                    td { (x.pattern.as_ref().map(ToString::to_string).unwrap_or_else(|| "built-in".into())) }
                                    td { (x.strip) }
                                    td { (x.prefix) }
                                    td { (x.trunks.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")) }
                                    td { (x.priority) }
                                    td { @if x.enabled { "yes" } @else { "no" } }
                                    td { (post_form(session, &format!("/t/{d}/directions/{}/delete", x.id), "", html! {
                                        button.danger type="submit" { "Remove" }
                                    })) }
                                }
                            }
                        }
                    } }
                }
            }
            section #trace {
                h2 { "Route trace" }
                (problem_for(problem, "trace"))
                form.inline method="get" action={ "/t/" (d) "/numbers#trace" } {
                    label { "From extension" input name="from" value=(trace_form.from) inputmode="numeric" required; }
                    label { "Dialled number" input name="to" value=(trace_form.to) inputmode="tel" required; }
                    button type="submit" { "Trace" }
                }
                @if let Some(decision) = &decision { (trace_result(decision)) }
            }
        },
    );
    Ok(match problem {
        Some(_) => with_problem(markup),
        None => markup.into_response(),
    })
}

/// A decision: every rule considered, then where the call goes.
fn trace_result(decision: &Decision) -> Markup {
    html! {
        div.scroll { table.trace {
            thead { tr { th { "Verdict" } th { "Rule" } th { "Why" } } }
            tbody {
                @for step in &decision.trace {
                    tr { td { (step.verdict.as_str()) } td { (step.rule) } td { (step.why) } }
                }
            }
        } }
        p.result {
            strong { "Routing result: " }
            @match &decision.target {
                Target::Extension { extension } => { "local extension " (extension) }
                Target::Trunks { attempts } => {
                    "external, " (attempts.len()) " attempt(s)"
                    ol {
                        @for a in attempts {
                            li { "trunk " (a.trunk) ", number sent " (a.number) " (direction " (a.direction) ")" }
                        }
                    }
                }
                Target::Refused { refusal } => { "refused: " (refusal) }
            }
        }
    }
}
