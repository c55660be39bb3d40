//! Call detail records: batched write-behind inserts and filtered, paged listings.
//!
//! Invariants: a batch is one transaction of one statement (the rows travel as one JSON
//! parameter expanded by SQLite's `json_each`, as for bindings), so 10,000 CDRs cost one
//! round trip to the database thread; inserts are idempotent per (tenant, Call-ID), so a
//! batch retried after an unclear failure does not duplicate calls; CDRs of a tenant deleted
//! meanwhile are dropped rather than failing the batch; every listing is bound to the
//! handle's tenant and served by the `(tenant_id, started_at)` index (or the
//! `(tenant_id, caller|callee|disposition, started_at)` indexes, migration 0006), so a page
//! costs a bounded index range scan even over millions of rows. CDR writes do not touch
//! the change feed: they change no configuration.

use crate::rows::{CdrDbRow, CDR_COLUMNS};
use crate::store::write_tx;
use crate::{CdrQuery, CdrRow, NewCdr, Store, StoreError, TenantStore};
use sqlx::{QueryBuilder, Sqlite, SqlitePool};
use vpbx_model::TenantId;

impl Store {
    /// Records CDRs of any tenants in one transaction (the engine's write-behind batch) and
    /// returns how many rows were inserted: a CDR whose (tenant, Call-ID) is already stored,
    /// or whose tenant no longer exists, is skipped.
    pub async fn insert_cdrs(&self, batch: &[(TenantId, NewCdr)]) -> Result<u64, StoreError> {
        insert(&self.pool, batch.iter().map(|(t, c)| (*t, c))).await
    }
}

impl TenantStore {
    /// Records this tenant's CDRs in one transaction; returns how many were inserted (a
    /// Call-ID already stored for this tenant is skipped, see [`Store::insert_cdrs`]).
    pub async fn insert_cdrs(&self, cdrs: &[NewCdr]) -> Result<u64, StoreError> {
        insert(&self.pool, cdrs.iter().map(|c| (self.id, c))).await
    }

    /// This tenant's CDRs matching `query`, newest `started_at` first (ties: newest id
    /// first), at most `query.limit` of them.
    ///
    /// A number search is two ordered range scans, one over the `(tenant_id, caller,
    /// started_at)` index and one over `(tenant_id, callee, started_at)`, each stopping after
    /// `limit` rows; the page is the newest `limit` of their union (a row where both sides
    /// equal the number is listed once). Without a number the `(tenant_id, started_at)`
    /// index (or `(tenant_id, disposition, started_at)`) is walked newest first.
    pub async fn list_cdrs(&self, query: &CdrQuery) -> Result<Vec<CdrRow>, StoreError> {
        let limit = i64::from(query.limit);
        let mut sql = QueryBuilder::<Sqlite>::new(format!("SELECT {CDR_COLUMNS} FROM cdrs WHERE "));
        match &query.number {
            None => {
                self.push_filter(&mut sql, query, None);
            }
            Some(number) => {
                // `+tenant_id`: look the few ids up by primary key rather than walking
                // the tenant's whole time index in listing order.
                sql.push("+tenant_id = ")
                    .push_bind(self.id.0)
                    .push(" AND id IN (SELECT id FROM (SELECT id FROM cdrs WHERE ");
                self.push_filter(&mut sql, query, Some(("caller", number)));
                sql.push(" ORDER BY started_at DESC, id DESC LIMIT ")
                    .push_bind(limit)
                    .push(") UNION ALL SELECT id FROM (SELECT id FROM cdrs WHERE ");
                self.push_filter(&mut sql, query, Some(("callee", number)));
                sql.push(" ORDER BY started_at DESC, id DESC LIMIT ")
                    .push_bind(limit)
                    .push("))");
            }
        }
        sql.push(" ORDER BY started_at DESC, id DESC LIMIT ")
            .push_bind(limit);
        sql.build_query_as::<CdrDbRow>()
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .map(CdrRow::try_from)
            .collect()
    }

    /// This tenant's CDR of the call with SIP Call-ID `call_id`, if stored (served by the
    /// `(tenant_id, call_id)` unique index).
    pub async fn cdr_by_call_id(&self, call_id: &str) -> Result<Option<CdrRow>, StoreError> {
        sqlx::query_as::<_, CdrDbRow>(&format!(
            "SELECT {CDR_COLUMNS} FROM cdrs WHERE tenant_id = ? AND call_id = ?"
        ))
        .bind(self.id.0)
        .bind(call_id)
        .fetch_optional(&self.pool)
        .await?
        .map(CdrRow::try_from)
        .transpose()
    }

    /// Pushes the conditions of `query` on this tenant's rows, except the number; with
    /// `side`, the row's `caller` or `callee` column must equal the number.
    fn push_filter<'q>(
        &self,
        sql: &mut QueryBuilder<'q, Sqlite>,
        query: &CdrQuery,
        side: Option<(&'static str, &str)>,
    ) {
        sql.push("tenant_id = ").push_bind(self.id.0);
        if let Some((column, number)) = side {
            sql.push(format_args!(" AND {column} = "))
                .push_bind(number.to_owned());
        }
        if let Some(since) = query.since {
            sql.push(" AND started_at >= ").push_bind(since);
        }
        if let Some(until) = query.until {
            sql.push(" AND started_at < ").push_bind(until);
        }
        if let Some(disposition) = query.disposition {
            // With a number, the number's index is the selective one: the unary `+` keeps
            // the planner from choosing the disposition index instead.
            let column = if side.is_some() {
                "+disposition"
            } else {
                "disposition"
            };
            sql.push(format_args!(" AND {column} = "))
                .push_bind(disposition.as_str());
        }
        if let Some(before) = query.before {
            // The plain bound on started_at lets the index range start at the cursor; the
            // row value comparison then skips the rows of the cursor's own millisecond
            // that were already listed.
            sql.push(" AND started_at <= ")
                .push_bind(before.started_at)
                .push(" AND (started_at, id) < (")
                .push_bind(before.started_at)
                .push(", ")
                .push_bind(before.id)
                .push(")");
        }
    }
}

/// One CDR as a JSON array, in `cdrs` insert column order.
type JsonRow<'a> = (
    i64,
    &'a str,
    &'a str,
    &'a str,
    i64,
    Option<i64>,
    i64,
    i64,
    i64,
    &'static str,
    &'static str,
    &'a str,
    Option<&'a str>,
    Option<&'a str>,
    Option<String>,
    Option<(&'a str, i64)>,
);

/// Inserts `cdrs` in one transaction; see [`Store::insert_cdrs`].
async fn insert<'a>(
    pool: &SqlitePool,
    cdrs: impl Iterator<Item = (TenantId, &'a NewCdr)>,
) -> Result<u64, StoreError> {
    let rows: Vec<JsonRow<'a>> = cdrs.map(|(t, c)| json_row(t, c)).collect();
    if rows.is_empty() {
        return Ok(0);
    }
    let batch = serde_json::to_string(&rows)
        .map_err(|e| StoreError::Corrupt(format!("cdrs batch: {e}")))?;
    let mut tx = write_tx(pool).await?;
    let done = sqlx::query(
        "INSERT INTO cdrs (tenant_id, call_id, caller, callee, started_at, answered_at, \
         ended_at, duration_ms, billsec_ms, disposition, hangup_side, hangup_cause, codec_a, \
         codec_b, quality, recording, recording_bytes) \
         SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, \
         value ->> 6, value ->> 7, value ->> 8, value ->> 9, value ->> 10, value ->> 11, \
         value ->> 12, value ->> 13, value ->> 14, value -> 15 ->> 0, \
         coalesce(value -> 15 ->> 1, 0) \
         FROM json_each(?) AS j \
         WHERE EXISTS (SELECT 1 FROM tenants AS t WHERE t.id = j.value ->> 0) \
         ORDER BY j.key \
         ON CONFLICT (tenant_id, call_id) DO NOTHING",
    )
    .bind(batch)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(done.rows_affected())
}

/// Flattens one CDR of `tenant` into a [`JsonRow`]; the quality object is stored as its
/// JSON text.
fn json_row(tenant: TenantId, c: &NewCdr) -> JsonRow<'_> {
    (
        tenant.0,
        &c.call_id,
        &c.caller,
        &c.callee,
        c.started_at,
        c.answered_at,
        c.ended_at,
        c.duration_ms(),
        c.billsec_ms(),
        c.disposition.as_str(),
        c.hangup_side.as_str(),
        &c.hangup_cause,
        c.codec_a.as_deref(),
        c.codec_b.as_deref(),
        c.quality.as_ref().map(serde_json::Value::to_string),
        c.recording.as_ref().map(|r| (r.path.as_str(), r.bytes)),
    )
}
