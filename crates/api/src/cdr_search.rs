//! CDR search shared by `GET /api/v1/tenants/{domain}/cdrs` and the web cabinet's call
//! list: parsing of the filters, the role rule and the cursor of the next page.
//!
//! Invariants: a tenant user sees only calls from or to its own extension (and nothing
//! without one); `until` must be after `since`; a cursor is `started_at.id` of the last
//! row of a full page and is absent after a short one.

use crate::auth::Caller;
use crate::page::limit;
use crate::ApiError;
use vpbx_store::{CdrCursor, CdrQuery, CdrRow, Disposition, Role, TenantStore};

/// The filters of one search, as the client gave them.
#[derive(Default)]
pub struct CdrSearch {
    /// Only calls started at or after this time, unix ms.
    pub since: Option<i64>,
    /// Only calls started before this time, unix ms.
    pub until: Option<i64>,
    /// Only calls from or to exactly this number or extension (empty is none).
    pub number: Option<String>,
    /// Disposition in any case, `-` or `_` for the space of NO ANSWER.
    pub disposition: Option<String>,
    /// Page size, 1 to 1000 (default 100).
    pub limit: Option<u32>,
    /// The cursor of the previous page.
    pub cursor: Option<String>,
}

/// One page of a search.
pub struct CdrResults {
    /// The calls, newest first.
    pub rows: Vec<CdrRow>,
    /// The cursor of the next page, if this one was full.
    pub next_cursor: Option<String>,
}

/// Searches the calls of `ts` that `caller` may see.
pub async fn search(
    caller: &Caller,
    ts: &TenantStore,
    s: CdrSearch,
) -> Result<CdrResults, ApiError> {
    let mut query = CdrQuery {
        since: s.since,
        until: s.until,
        number: s.number.filter(|n| !n.is_empty()),
        disposition: s
            .disposition
            .as_deref()
            .filter(|d| !d.is_empty())
            .map(disposition)
            .transpose()?,
        limit: limit(s.limit)?,
        before: s
            .cursor
            .as_deref()
            .filter(|c| !c.is_empty())
            .map(cursor)
            .transpose()?,
    };
    if let (Some(since), Some(until)) = (query.since, query.until) {
        if until <= since {
            return Err(ApiError::invalid("until", "must be after since"));
        }
    }
    let mut rows = Vec::new();
    if caller.0.role == Role::User {
        let Some(ext) = &caller.0.extension else {
            return Err(ApiError::Forbidden);
        };
        if query.number.as_deref().is_none_or(|n| n == ext.as_str()) {
            query.number = Some(ext.to_string());
            rows = ts.list_cdrs(&query).await?;
        }
    } else {
        rows = ts.list_cdrs(&query).await?;
    }
    let next_cursor = (rows.len() == query.limit as usize)
        .then(|| {
            rows.last().map(|r| {
                let c = r.cursor();
                format!("{}.{}", c.started_at, c.id)
            })
        })
        .flatten();
    Ok(CdrResults { rows, next_cursor })
}

/// Parses a disposition leniently (any case; `-` or `_` for the space of NO ANSWER).
fn disposition(s: &str) -> Result<Disposition, ApiError> {
    s.to_ascii_uppercase()
        .replace(['-', '_'], " ")
        .parse()
        .map_err(|_| {
            ApiError::invalid(
                "disposition",
                "use ANSWERED, BUSY, NO ANSWER, FAILED or CANCELLED",
            )
        })
}

/// Parses a `started_at.id` cursor.
fn cursor(s: &str) -> Result<CdrCursor, ApiError> {
    let bad = || ApiError::invalid("cursor", "use the next_cursor of the previous page");
    let (started_at, id) = s.split_once('.').ok_or_else(bad)?;
    Ok(CdrCursor {
        started_at: started_at.parse().map_err(|_| bad())?,
        id: id.parse().map_err(|_| bad())?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_and_dispositions() {
        assert_eq!(
            cursor("5.7").unwrap(),
            CdrCursor {
                started_at: 5,
                id: 7
            }
        );
        assert!(cursor("x").is_err());
        assert_eq!(disposition("no_answer").unwrap(), Disposition::NoAnswer);
        assert!(disposition("HELD").is_err());
    }
}
