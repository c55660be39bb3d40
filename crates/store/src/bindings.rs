//! Registrar bindings (RFC 3261 §10.3) persisted write-behind, so registrations survive a
//! server restart.
//!
//! Invariants: a save replaces the whole binding set of each (tenant, extension) it names,
//! in one transaction of two statements (the batch travels as one JSON parameter that
//! SQLite's `json_each` expands, so a row costs SQLite work, not a round trip to the
//! database worker thread); bindings of a user that no longer exists are dropped rather
//! than failing the batch (another process may have removed the user after the registrar
//! accepted the REGISTER); a saved set reads back in the order it was saved.

use crate::rows::{encode_path, BindingRow, BINDING_COLUMNS};
use crate::store::write_tx;
use crate::{Store, StoreError, StoredBinding, TenantStore};
use vpbx_model::{Extension, TenantId};

impl Store {
    /// Unexpired bindings of all tenants (`expires_at > now`), for the registrar at start;
    /// expired rows are deleted in the same transaction.
    pub async fn load_bindings(
        &self,
        now: i64,
    ) -> Result<Vec<(TenantId, StoredBinding)>, StoreError> {
        let mut tx = write_tx(&self.pool).await?;
        sqlx::query("DELETE FROM bindings WHERE expires_at <= ?")
            .bind(now)
            .execute(&mut *tx)
            .await?;
        let sql =
            format!("SELECT {BINDING_COLUMNS} FROM bindings ORDER BY tenant_id, extension, id");
        let rows = sqlx::query_as::<_, BindingRow>(&sql)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        rows.into_iter().map(BindingRow::into_binding).collect()
    }

    /// Write-behind from the registrar: for each (tenant, extension) replace all its bindings
    /// with the given set (possibly empty), all in one transaction. Each row is stored under
    /// the entry's extension (the binding's own `extension` field is not consulted).
    pub async fn save_bindings(
        &self,
        batch: &[(TenantId, Extension, Vec<StoredBinding>)],
    ) -> Result<(), StoreError> {
        if batch.is_empty() {
            return Ok(());
        }
        let keys: Vec<(i64, &str)> = batch.iter().map(|(t, e, _)| (t.0, e.as_str())).collect();
        let mut rows = Vec::new();
        for (tenant, ext, set) in batch {
            for b in set {
                rows.push(json_row(*tenant, ext, b)?);
            }
        }
        let mut tx = write_tx(&self.pool).await?;
        sqlx::query(
            "DELETE FROM bindings WHERE (tenant_id, extension) IN \
             (SELECT value ->> 0, value ->> 1 FROM json_each(?))",
        )
        .bind(to_json(&keys)?)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO bindings (tenant_id, extension, uri, q, expires_at, call_id, cseq, \
             path, instance, user_agent, source, transport) \
             SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, \
             value ->> 5, value ->> 6, value ->> 7, value ->> 8, value ->> 9, value ->> 10, \
             value ->> 11 \
             FROM json_each(?) AS j \
             WHERE EXISTS (SELECT 1 FROM users AS u \
                           WHERE u.tenant_id = j.value ->> 0 AND u.extension = j.value ->> 1) \
             ORDER BY j.key",
        )
        .bind(to_json(&rows)?)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// One binding as a JSON array, in `bindings` column order.
type JsonRow<'a> = (
    i64,
    &'a str,
    &'a str,
    Option<f64>,
    i64,
    &'a str,
    u32,
    String,
    Option<&'a str>,
    Option<&'a str>,
    &'a str,
    &'a str,
);

/// Flattens one binding of `(tenant, ext)` into a [`JsonRow`].
fn json_row<'a>(
    tenant: TenantId,
    ext: &'a Extension,
    b: &'a StoredBinding,
) -> Result<JsonRow<'a>, StoreError> {
    Ok((
        tenant.0,
        ext.as_str(),
        &b.uri,
        b.q.map(f64::from),
        b.expires_at,
        &b.call_id,
        b.cseq,
        encode_path(&b.path)?,
        b.instance.as_deref(),
        b.user_agent.as_deref(),
        &b.source,
        &b.transport,
    ))
}

/// Serializes a batch parameter for `json_each`.
fn to_json<T: serde::Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(format!("bindings batch: {e}")))
}

impl TenantStore {
    /// This tenant's unexpired bindings (`expires_at > now`), ordered by extension, each
    /// extension's in saved order.
    pub async fn list_bindings(&self, now: i64) -> Result<Vec<StoredBinding>, StoreError> {
        let sql = format!(
            "SELECT {BINDING_COLUMNS} FROM bindings WHERE tenant_id = ? AND expires_at > ? \
             ORDER BY extension, id"
        );
        sqlx::query_as::<_, BindingRow>(&sql)
            .bind(self.id.0)
            .bind(now)
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .map(|row| row.into_binding().map(|(_, b)| b))
            .collect()
    }
}
