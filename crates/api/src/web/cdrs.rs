//! `GET /t/{domain}/cdrs`: call records searched by date range (UTC days), number and
//! disposition, newest first, with an "Older" link per page (the search's cursor) and a
//! CSV export link to the API's `?format=csv` with the same filters, and per recorded call
//! a player and a download link to the API's recording (same origin, so the session
//! cookie authenticates the audio element's requests).
//!
//! Invariants: the search is [`crate::cdr_search::search`], the API's, so a tenant user
//! sees only its own calls; a bad filter is shown next to the form, naming it; a
//! recording gets a player and a link only when [`crate::recordings::may_play`] allows the
//! caller (the API checks again), else the word "recorded".

use super::layout::{self, problem_for, with_problem, Problem};
use super::session::{Session, WebError};
use crate::auth::Need;
use crate::cdr_search::{search, CdrResults, CdrSearch};
use crate::recordings::{self, may_play};
use crate::{ApiError, ApiState};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use serde::Deserialize;
use vpbx_store::{CdrRow, Disposition};

/// Calls per page.
const PAGE: u32 = 50;
/// Milliseconds in a day.
const DAY_MS: i64 = 86_400_000;

/// The search form's fields (all optional).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CdrForm {
    /// First day, `YYYY-MM-DD` (UTC).
    pub since: String,
    /// Last day, `YYYY-MM-DD` (UTC), included.
    pub until: String,
    /// Calls from or to this number or extension.
    pub number: String,
    /// ANSWERED, BUSY, NO ANSWER, FAILED or CANCELLED.
    pub disposition: String,
    /// Where the page starts (the previous page's cursor).
    pub cursor: String,
}

/// `GET /t/{domain}/cdrs`: the search form and one page of results.
pub async fn page(
    State(state): State<ApiState>,
    session: Session,
    Path(domain): Path<String>,
    Query(f): Query<CdrForm>,
) -> Result<Response, WebError> {
    let (tenant, ts) = session.caller.tenant(&state, &domain, Need::Cdrs).await?;
    let domain = tenant.domain.to_string();
    let playback = Playback {
        domain: &domain,
        allowed: may_play(&session.caller, &ts.media_options().await?),
    };
    let found = match filters(&f) {
        Ok(s) => search(&session.caller, &ts, s)
            .await
            .map_err(|e| Problem::of("search", e)),
        Err(e) => Err(Problem::of("search", e)),
    };
    let (results, problem) = match found {
        Ok(r) => (r, None),
        Err(Ok(problem)) => (
            CdrResults {
                rows: Vec::new(),
                next_cursor: None,
            },
            Some(problem),
        ),
        Err(Err(e)) => return Err(e.into()),
    };
    let markup = layout::page(
        &session,
        Some(&domain),
        &format!("Calls of {domain}"),
        html! {
            section {
                form.grid method="get" action={ "/t/" (domain) "/cdrs" } {
                    label { "From day" input type="date" name="since" value=(f.since); }
                    label { "To day" input type="date" name="until" value=(f.until); }
                    label { "Number" input name="number" value=(f.number) inputmode="tel"; }
                    label { "Disposition"
                        select name="disposition" {
                            option value="" { "any" }
                            @for d in Disposition::ALL {
                                option value=(d.as_str()) selected[f.disposition == d.as_str()] { (d.as_str()) }
                            }
                        }
                    }
                    button type="submit" { "Search" }
                }
                (problem_for(problem.as_ref(), "search"))
                p.muted { "Days are UTC." }
            }
            @if problem.is_none() {
                (table(&results.rows, Some(&playback)))
                div.pager {
                    @if !f.cursor.is_empty() {
                        a href=(link(&domain, &f, "")) { "Newest" }
                    }
                    @if let Some(c) = &results.next_cursor {
                        a href=(link(&domain, &f, c)) rel="next" { "Older" }
                    }
                    a href=(csv_link(&domain, &f)) download { "Export CSV" }
                }
            }
        },
    );
    Ok(match problem {
        Some(_) => with_problem(markup),
        None => markup.into_response(),
    })
}

/// The search of form `f` (dates turned into unix ms).
fn filters(f: &CdrForm) -> Result<CdrSearch, ApiError> {
    let some = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
    Ok(CdrSearch {
        since: day_start("since", &f.since)?,
        until: day_start("until", &f.until)?.map(|ms| ms + DAY_MS),
        number: some(&f.number),
        disposition: some(&f.disposition),
        limit: Some(PAGE),
        cursor: some(&f.cursor),
    })
}

/// This search page with `cursor` (empty: the newest page).
fn link(domain: &str, f: &CdrForm, cursor: &str) -> String {
    let mut q = form_urlencoded::Serializer::new(String::new());
    for (k, v) in [
        ("since", f.since.as_str()),
        ("until", f.until.as_str()),
        ("number", f.number.as_str()),
        ("disposition", f.disposition.as_str()),
        ("cursor", cursor),
    ] {
        if !v.is_empty() {
            q.append_pair(k, v);
        }
    }
    format!("/t/{domain}/cdrs?{}", q.finish())
}

/// The API's CSV export of the same search (this page's calls and the ones after).
fn csv_link(domain: &str, f: &CdrForm) -> String {
    let mut q = form_urlencoded::Serializer::new(String::new());
    q.append_pair("format", "csv");
    if let Ok(s) = filters(f) {
        q.append_pair("limit", "1000");
        for (k, v) in [
            ("since", s.since.map(|ms| ms.to_string())),
            ("until", s.until.map(|ms| ms.to_string())),
            ("number", s.number),
            ("disposition", s.disposition),
            ("cursor", s.cursor),
        ] {
            if let Some(v) = v {
                q.append_pair(k, &v);
            }
        }
    }
    format!("/api/v1/tenants/{domain}/cdrs?{}", q.finish())
}

/// Where a tenant's recordings are played from, and whether the viewer may play them.
struct Playback<'a> {
    /// The tenant's domain.
    domain: &'a str,
    /// [`may_play`] for the viewer.
    allowed: bool,
}

/// The table of `rows` (or a line saying there are none), without recordings.
pub fn calls_table(rows: &[CdrRow]) -> Markup {
    table(rows, None)
}

/// The table of `rows` (or a line saying there are none); with `playback`, a
/// "Recording" column.
fn table(rows: &[CdrRow], playback: Option<&Playback>) -> Markup {
    html! {
        @if rows.is_empty() {
            p.muted { "No calls." }
        } @else {
            div.scroll { table.calls {
                thead { tr {
                    th { "Started (UTC)" } th { "Caller" } th { "Callee" } th { "Disposition" }
                    th { "Duration" } th { "Talk" } th { "Ended by" }
                    @if playback.is_some() { th { "Recording" } }
                } }
                tbody {
                    @for r in rows {
                        tr {
                            td { (datetime(r.started_at)) }
                            td { (r.caller) }
                            td { (r.callee) }
                            td { (r.disposition.as_str()) }
                            td { (seconds(r.duration_ms)) }
                            td { (seconds(r.billsec_ms)) }
                            td { (r.hangup_side.as_str()) ": " (r.hangup_cause) }
                            @if let Some(p) = playback {
                                td.recording { (recording_cell(r, p)) }
                            }
                        }
                    }
                }
            } }
        }
    }
}

/// The recording of call `r`: a player and a download link, "recorded" when the viewer
/// may not play it, nothing when the call was not recorded.
fn recording_cell(r: &CdrRow, p: &Playback) -> Markup {
    let url = recordings::url(p.domain, &r.call_id);
    html! {
        @if r.recording.is_some() {
            @if p.allowed {
                audio controls preload="none" src=(url) {}
                " "
                a href={ (url) "?download=1" } download { "Download" }
            } @else {
                span.muted { "recorded" }
            }
        }
    }
}

/// `ms` as whole seconds, e.g. `12 s`.
fn seconds(ms: i64) -> String {
    format!("{} s", ms / 1000)
}

/// Unix ms as `YYYY-MM-DD HH:MM:SS` (UTC).
pub fn datetime(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let t = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        t / 3600,
        t % 3600 / 60,
        t % 60
    )
}

/// The start of day `s` (`YYYY-MM-DD`, UTC) in unix ms; `None` for an empty field.
fn day_start(field: &str, s: &str) -> Result<Option<i64>, ApiError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let bad = || ApiError::invalid(field, "use a date like 2025-01-31");
    let mut parts = s.splitn(3, '-');
    let mut next = || -> Result<i64, ApiError> {
        parts
            .next()
            .filter(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|p| p.parse().ok())
            .ok_or_else(bad)
    };
    let (y, m, d) = (next()?, next()?, next()?);
    if !(1970..=9999).contains(&y) || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return Err(bad());
    }
    let days = days_from_civil(y, m, d);
    if civil_from_days(days) != (y, m, d) {
        return Err(bad());
    }
    Ok(Some(days * DAY_MS))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01 (inverse of [`days_from_civil`]).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(day_start("since", "1970-01-01").unwrap(), Some(0));
        assert_eq!(
            day_start("since", "2024-02-29").unwrap(),
            Some(1_709_164_800_000)
        );
        assert_eq!(day_start("since", " ").unwrap(), None);
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "24-1-1x",
            "x",
            "2024-01-00",
            "1969-12-31",
        ] {
            assert!(
                matches!(day_start("since", bad), Err(ApiError::Invalid { field, .. }) if field == "since"),
                "{bad}"
            );
        }
        assert_eq!(
            datetime(1_709_164_800_000 + 3_723_000),
            "2024-02-29 01:02:03"
        );
        assert_eq!(datetime(0), "1970-01-01 00:00:00");
    }
}
