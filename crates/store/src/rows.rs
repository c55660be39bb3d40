//! Raw database rows and their checked conversion into domain records.
//!
//! Invariant: every text column is re-parsed through its model type on the way out; a value
//! that no longer validates becomes [`StoreError::Corrupt`], never a panic.

use crate::{CdrRow, Recording, StoreError, StoredBinding, Tenant, User};
use std::str::FromStr;
use vpbx_model::{Extension, TenantId, UserId};

/// Columns of [`TenantRow`], in order, for `SELECT` lists.
pub(crate) const TENANT_COLUMNS: &str = "id, domain, enabled, created_at";
/// Columns of [`UserRow`], in order, for `SELECT` lists.
pub(crate) const USER_COLUMNS: &str =
    "id, tenant_id, extension, name, email, ha1_md5, ha1_sha256, created_at, call_limit, \
     busy_level";
/// Columns of [`BindingRow`], in order, for `SELECT` lists.
pub(crate) const BINDING_COLUMNS: &str = "tenant_id, extension, uri, q, expires_at, call_id, \
     cseq, path, instance, user_agent, source, transport";
/// Columns of [`CdrDbRow`], in order, for `SELECT` lists.
pub(crate) const CDR_COLUMNS: &str = "id, call_id, caller, callee, started_at, answered_at, \
     ended_at, duration_ms, billsec_ms, disposition, hangup_side, hangup_cause, codec_a, \
     codec_b, quality, recording, recording_bytes";

/// A `tenants` row as stored.
#[derive(sqlx::FromRow)]
pub(crate) struct TenantRow {
    id: i64,
    domain: String,
    enabled: bool,
    created_at: i64,
}

/// A `users` row as stored.
#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    id: i64,
    tenant_id: i64,
    extension: String,
    name: Option<String>,
    email: Option<String>,
    ha1_md5: String,
    ha1_sha256: String,
    created_at: i64,
    call_limit: Option<i64>,
    busy_level: Option<i64>,
}

/// A `bindings` row as stored.
#[derive(sqlx::FromRow)]
pub(crate) struct BindingRow {
    tenant_id: i64,
    extension: String,
    uri: String,
    q: Option<f64>,
    expires_at: i64,
    call_id: String,
    cseq: i64,
    path: String,
    instance: Option<String>,
    user_agent: Option<String>,
    source: String,
    transport: String,
}

/// A `cdrs` row as stored.
#[derive(sqlx::FromRow)]
pub(crate) struct CdrDbRow {
    id: i64,
    call_id: String,
    caller: String,
    callee: String,
    started_at: i64,
    answered_at: Option<i64>,
    ended_at: i64,
    duration_ms: i64,
    billsec_ms: i64,
    disposition: String,
    hangup_side: String,
    hangup_cause: String,
    codec_a: Option<String>,
    codec_b: Option<String>,
    quality: Option<String>,
    recording: Option<String>,
    recording_bytes: i64,
}

/// Parses a stored text column through its model type.
pub(crate) fn parse<T: FromStr>(column: &str, value: &str) -> Result<T, StoreError>
where
    T::Err: std::fmt::Display,
{
    value
        .parse()
        .map_err(|e| StoreError::Corrupt(format!("{column} {value:?}: {e}")))
}

impl TryFrom<TenantRow> for Tenant {
    type Error = StoreError;
    fn try_from(r: TenantRow) -> Result<Self, StoreError> {
        Ok(Tenant {
            id: TenantId(r.id),
            domain: parse("tenants.domain", &r.domain)?,
            enabled: r.enabled,
            created_at: r.created_at,
        })
    }
}

impl TryFrom<UserRow> for User {
    type Error = StoreError;
    fn try_from(r: UserRow) -> Result<Self, StoreError> {
        Ok(User {
            id: UserId(r.id),
            tenant: TenantId(r.tenant_id),
            extension: parse("users.extension", &r.extension)?,
            name: r
                .name
                .as_deref()
                .map(|n| parse("users.name", n))
                .transpose()?,
            email: r
                .email
                .as_deref()
                .map(|e| parse("users.email", e))
                .transpose()?,
            ha1_md5: r.ha1_md5,
            ha1_sha256: r.ha1_sha256,
            call_limit: limit("users.call_limit", r.call_limit)?,
            busy_level: limit("users.busy_level", r.busy_level)?,
            created_at: r.created_at,
        })
    }
}

/// Converts a stored limit column back to its `u32`.
fn limit(column: &str, value: Option<i64>) -> Result<Option<u32>, StoreError> {
    value
        .map(|v| u32::try_from(v).map_err(|_| StoreError::Corrupt(format!("{column} {v}"))))
        .transpose()
}

impl TryFrom<CdrDbRow> for CdrRow {
    type Error = StoreError;
    fn try_from(r: CdrDbRow) -> Result<Self, StoreError> {
        let quality = r
            .quality
            .map(|q| {
                serde_json::from_str(&q)
                    .map_err(|e| StoreError::Corrupt(format!("cdrs.quality {q:?}: {e}")))
            })
            .transpose()?;
        Ok(CdrRow {
            id: r.id,
            call_id: r.call_id,
            caller: r.caller,
            callee: r.callee,
            started_at: r.started_at,
            answered_at: r.answered_at,
            ended_at: r.ended_at,
            duration_ms: r.duration_ms,
            billsec_ms: r.billsec_ms,
            disposition: parse("cdrs.disposition", &r.disposition)?,
            hangup_side: parse("cdrs.hangup_side", &r.hangup_side)?,
            hangup_cause: r.hangup_cause,
            codec_a: r.codec_a,
            codec_b: r.codec_b,
            quality,
            recording: r.recording.map(|path| Recording {
                path,
                bytes: r.recording_bytes,
            }),
        })
    }
}

impl BindingRow {
    /// Converts into the owning tenant and the binding.
    pub(crate) fn into_binding(self) -> Result<(TenantId, StoredBinding), StoreError> {
        let extension: Extension = parse("bindings.extension", &self.extension)?;
        let cseq = u32::try_from(self.cseq)
            .map_err(|_| StoreError::Corrupt(format!("bindings.cseq {}", self.cseq)))?;
        let path = serde_json::from_str(&self.path)
            .map_err(|e| StoreError::Corrupt(format!("bindings.path {:?}: {e}", self.path)))?;
        let binding = StoredBinding {
            extension,
            uri: self.uri,
            // Stored from an f32, so narrowing back is exact.
            q: self.q.map(|q| q as f32),
            expires_at: self.expires_at,
            call_id: self.call_id,
            cseq,
            path,
            instance: self.instance,
            user_agent: self.user_agent,
            source: self.source,
            transport: self.transport,
        };
        Ok((TenantId(self.tenant_id), binding))
    }
}

/// Encodes a Path header list (RFC 3327) for the `bindings.path` column.
pub(crate) fn encode_path(path: &[String]) -> Result<String, StoreError> {
    serde_json::to_string(path).map_err(|e| StoreError::Corrupt(format!("bindings.path: {e}")))
}
