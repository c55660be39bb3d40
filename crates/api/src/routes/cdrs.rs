//! `GET /tenants/{domain}/cdrs`: call detail records, newest first, filtered by time,
//! number and disposition, paged by cursor; `?format=csv` exports the page as CSV.
//!
//! Invariants: a tenant user sees only calls from or to its own extension (and nothing
//! without one; see [`crate::cdr_search`], shared with the web cabinet); times are unix
//! milliseconds; CSV cells that a spreadsheet would run as a
//! formula (`=`, `+`, `-`, `@` first) are prefixed with `'`.

use crate::auth::{Caller, Need};
use crate::cdr_search::{search, CdrResults, CdrSearch};
use crate::extract::ApiQuery;
use crate::{ApiError, ApiState};
use axum::extract::{Path, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use vpbx_store::CdrRow;

/// `GET /cdrs` query.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CdrParams {
    /// Only calls started at or after this time, unix ms.
    pub since: Option<i64>,
    /// Only calls started before this time, unix ms.
    pub until: Option<i64>,
    /// Only calls from or to exactly this number or extension.
    pub number: Option<String>,
    /// ANSWERED, BUSY, NO ANSWER (or no_answer), FAILED, CANCELLED; any case.
    pub disposition: Option<String>,
    /// Page size, 1 to 1000 (default 100).
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// `json` (default) or `csv`.
    pub format: Option<String>,
}

/// One page of CDRs.
#[derive(Serialize, ToSchema)]
pub struct CdrPage {
    /// The calls, newest first.
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<CdrRow>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Lists a tenant's calls.
#[utoipa::path(get, path = "/api/v1/tenants/{domain}/cdrs", tag = "cdrs",
    params(("domain" = String, Path, description = "SIP domain"), CdrParams),
    responses((status = 200, body = CdrPage), (status = 200, content_type = "text/csv", description = "with format=csv")),
    security(("token" = []), ("session" = [])))]
pub async fn list(
    State(state): State<ApiState>,
    caller: Caller,
    Path(domain): Path<String>,
    ApiQuery(p): ApiQuery<CdrParams>,
) -> Result<Response, ApiError> {
    let (_, ts) = caller.tenant(&state, &domain, Need::Cdrs).await?;
    let csv = match p.format.as_deref() {
        None | Some("json") => false,
        Some("csv") => true,
        Some(_) => return Err(ApiError::invalid("format", "use json or csv")),
    };
    let CdrResults { rows, next_cursor } = search(
        &caller,
        &ts,
        CdrSearch {
            since: p.since,
            until: p.until,
            number: p.number,
            disposition: p.disposition,
            limit: p.limit,
            cursor: p.cursor,
        },
    )
    .await?;
    if csv {
        let mut response = to_csv(&rows).into_response();
        let headers = response.headers_mut();
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("text/csv; charset=utf-8"),
        );
        headers.insert(
            CONTENT_DISPOSITION,
            HeaderValue::from_static("attachment; filename=\"cdrs.csv\""),
        );
        if let Some(c) = next_cursor.and_then(|c| HeaderValue::from_str(&c).ok()) {
            headers.insert("x-next-cursor", c);
        }
        return Ok(response);
    }
    Ok(Json(CdrPage {
        items: rows,
        next_cursor,
    })
    .into_response())
}

/// The rows as CSV with a header line (RFC 4180 quoting).
fn to_csv(rows: &[CdrRow]) -> String {
    let mut out = String::from(
        "id,call_id,caller,callee,started_at,answered_at,ended_at,duration_ms,billsec_ms,\
         disposition,hangup_side,hangup_cause,codec_a,codec_b\r\n",
    );
    for r in rows {
        let opt = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
        let cells = [
            r.id.to_string(),
            cell(&r.call_id),
            cell(&r.caller),
            cell(&r.callee),
            r.started_at.to_string(),
            opt(r.answered_at),
            r.ended_at.to_string(),
            r.duration_ms.to_string(),
            r.billsec_ms.to_string(),
            cell(r.disposition.as_str()),
            cell(r.hangup_side.as_str()),
            cell(&r.hangup_cause),
            cell(r.codec_a.as_deref().unwrap_or_default()),
            cell(r.codec_b.as_deref().unwrap_or_default()),
        ];
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

/// One text cell: formula-safe, quoted when needed.
fn cell(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    if s.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells() {
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("=1+1"), "'=1+1");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
