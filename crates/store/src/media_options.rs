//! A tenant's media options (seed 000 `options`: record_enabled, allow_rec_download), its
//! music on hold, and the bookkeeping of its call recordings: disk use against the quota, and expiry after the
//! retention period.
//!
//! Invariants: a tenant without a `media_options` row has [`MediaOptions::default`]
//! (recording off, 90 days, 1 GiB); every change of options goes to the change feed, so a
//! running server applies it to the next call without a restart; expiring recordings
//! clears them from their CDRs in the same statement that returns their paths, so a file
//! is deleted at most once and never left referenced.

use crate::changes::record;
use crate::error::constraint;
use crate::rows::parse;
use crate::store::write_tx;
use crate::{Store, StoreError, TenantStore};
use serde::Serialize;
use vpbx_model::{PromptName, TenantId};

/// Longest retention period accepted, days.
pub const MAX_RETENTION_DAYS: u32 = 3650;
/// Largest recording quota accepted, MiB (10 TiB).
pub const MAX_QUOTA_MB: u64 = 10 * 1024 * 1024;

/// What a tenant records and how long it keeps it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct MediaOptions {
    /// Record every answered call (stereo WAV, caller left, callee right).
    pub record_calls: bool,
    /// The tenant's accounts may play and download recordings in the cabinet and API
    /// (tenant users those of their own calls; the platform admin always may).
    pub allow_download: bool,
    /// Recordings older than this many days are deleted (1 to [`MAX_RETENTION_DAYS`]).
    pub retention_days: u32,
    /// Recordings may use at most this many MiB; beyond it new calls are not recorded
    /// (1 to [`MAX_QUOTA_MB`]).
    pub quota_mb: u64,
}

impl Default for MediaOptions {
    /// Recording off, downloads off, 90 days, 1 GiB.
    fn default() -> Self {
        MediaOptions {
            record_calls: false,
            allow_download: false,
            retention_days: 90,
            quota_mb: 1024,
        }
    }
}

impl MediaOptions {
    /// Checks the ranges, naming the field that is out of range.
    pub fn validate(&self) -> Result<(), StoreError> {
        if !(1..=MAX_RETENTION_DAYS).contains(&self.retention_days) {
            return Err(StoreError::Invalid(format!(
                "retention_days: must be 1 to {MAX_RETENTION_DAYS}"
            )));
        }
        if !(1..=MAX_QUOTA_MB).contains(&self.quota_mb) {
            return Err(StoreError::Invalid(format!(
                "quota_mb: must be 1 to {MAX_QUOTA_MB}"
            )));
        }
        Ok(())
    }

    /// The quota in bytes.
    pub fn quota_bytes(&self) -> u64 {
        self.quota_mb.saturating_mul(1024 * 1024)
    }
}

impl TenantStore {
    /// This tenant's media options (the defaults if never set).
    pub async fn media_options(&self) -> Result<MediaOptions, StoreError> {
        let row: Option<(bool, bool, i64, i64)> = sqlx::query_as(
            "SELECT record_calls, allow_download, retention_days, quota_mb \
             FROM media_options WHERE tenant_id = ?",
        )
        .bind(self.id.0)
        .fetch_optional(&self.pool)
        .await?;
        let Some((record_calls, allow_download, days, quota)) = row else {
            return Ok(MediaOptions::default());
        };
        let corrupt = |c: &str| StoreError::Corrupt(format!("media_options.{c}"));
        Ok(MediaOptions {
            record_calls,
            allow_download,
            retention_days: u32::try_from(days).map_err(|_| corrupt("retention_days"))?,
            quota_mb: u64::try_from(quota).map_err(|_| corrupt("quota_mb"))?,
        })
    }

    /// Replaces this tenant's media options; `Invalid` naming a field out of range,
    /// `NotFound("tenant ID")` if the tenant is gone.
    pub async fn set_media_options(&self, options: &MediaOptions) -> Result<(), StoreError> {
        options.validate()?;
        let quota = i64::try_from(options.quota_mb)
            .map_err(|_| StoreError::Invalid("quota_mb: too large".into()))?;
        let mut tx = write_tx(&self.pool).await?;
        sqlx::query(
            "INSERT INTO media_options (tenant_id, record_calls, allow_download, retention_days, \
             quota_mb) VALUES (?, ?, ?, ?, ?) ON CONFLICT (tenant_id) DO UPDATE SET \
             record_calls = excluded.record_calls, allow_download = excluded.allow_download, \
             retention_days = excluded.retention_days, quota_mb = excluded.quota_mb",
        )
        .bind(self.id.0)
        .bind(options.record_calls)
        .bind(options.allow_download)
        .bind(options.retention_days)
        .bind(quota)
        .execute(&mut *tx)
        .await
        .map_err(|e| {
            let tenant = format!("tenant {}", self.id);
            constraint(e, &tenant, &tenant)
        })?;
        record(&mut tx, self.id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Bytes of this tenant's kept recordings.
    pub async fn recording_bytes(&self) -> Result<u64, StoreError> {
        let sum: i64 = sqlx::query_scalar(
            "SELECT coalesce(sum(recording_bytes), 0) FROM cdrs \
             WHERE tenant_id = ? AND recording IS NOT NULL",
        )
        .bind(self.id.0)
        .fetch_one(&self.pool)
        .await?;
        Ok(u64::try_from(sum).unwrap_or(0))
    }

    /// Clears the recordings of calls started before `before_ms` (unix ms) from their CDRs
    /// and returns their paths (relative to the data directory) for deletion.
    pub async fn expire_recordings(&self, before_ms: i64) -> Result<Vec<String>, StoreError> {
        let mut tx = write_tx(&self.pool).await?;
        let paths: Vec<String> = sqlx::query_scalar(
            "SELECT recording FROM cdrs \
             WHERE tenant_id = ? AND recording IS NOT NULL AND started_at < ?",
        )
        .bind(self.id.0)
        .bind(before_ms)
        .fetch_all(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE cdrs SET recording = NULL, recording_bytes = 0 \
             WHERE tenant_id = ? AND recording IS NOT NULL AND started_at < ?",
        )
        .bind(self.id.0)
        .bind(before_ms)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(paths)
    }
}

impl TenantStore {
    /// The prompt this tenant's held callers hear (music on hold), if any.
    pub async fn moh(&self) -> Result<Option<PromptName>, StoreError> {
        let prompt: Option<Option<String>> =
            sqlx::query_scalar("SELECT prompt FROM moh WHERE tenant_id = ?")
                .bind(self.id.0)
                .fetch_optional(&self.pool)
                .await?;
        prompt
            .flatten()
            .map(|p| parse("moh.prompt", &p))
            .transpose()
    }

    /// Sets (or with `None` turns off) music on hold; `NotFound("prompt NAME")` when the
    /// tenant has no such prompt.
    pub async fn set_moh(&self, prompt: Option<&PromptName>) -> Result<(), StoreError> {
        let mut tx = write_tx(&self.pool).await?;
        if let Some(p) = prompt {
            let known: Option<i64> =
                sqlx::query_scalar("SELECT id FROM prompts WHERE tenant_id = ? AND name = ?")
                    .bind(self.id.0)
                    .bind(p.as_str())
                    .fetch_optional(&mut *tx)
                    .await?;
            if known.is_none() {
                return Err(StoreError::NotFound(format!("prompt {p}")));
            }
        }
        sqlx::query(
            "INSERT INTO moh (tenant_id, prompt) VALUES (?, ?) \
             ON CONFLICT (tenant_id) DO UPDATE SET prompt = excluded.prompt",
        )
        .bind(self.id.0)
        .bind(prompt.map(PromptName::as_str))
        .execute(&mut *tx)
        .await
        .map_err(|e| {
            let tenant = format!("tenant {}", self.id);
            constraint(e, &tenant, &tenant)
        })?;
        record(&mut tx, self.id).await?;
        tx.commit().await?;
        Ok(())
    }
}

impl Store {
    /// Tenants that have kept recordings (for the retention sweep).
    pub async fn tenants_with_recordings(&self) -> Result<Vec<TenantId>, StoreError> {
        let ids: Vec<i64> =
            sqlx::query_scalar("SELECT DISTINCT tenant_id FROM cdrs WHERE recording IS NOT NULL")
                .fetch_all(&self.pool)
                .await?;
        Ok(ids.into_iter().map(TenantId).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Disposition, HangupSide, NewCdr, Recording};

    fn cdr(call_id: &str, started_at: i64, recording: Option<&str>) -> NewCdr {
        NewCdr {
            call_id: call_id.into(),
            caller: "1000".into(),
            callee: "1001".into(),
            started_at,
            answered_at: Some(started_at),
            ended_at: started_at + 1000,
            disposition: Disposition::Answered,
            hangup_side: HangupSide::Caller,
            hangup_cause: "bye".into(),
            codec_a: None,
            codec_b: None,
            quality: None,
            recording: recording.map(|p| Recording {
                path: p.into(),
                bytes: 32_044,
            }),
        }
    }

    #[tokio::test]
    async fn options_default_set_validated_and_recordings_expire() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).await.unwrap();
        let t = store
            .create_tenant(&"a.example".parse().unwrap(), 1)
            .await
            .unwrap();
        let ts = store.tenant(t.id);
        assert_eq!(ts.media_options().await.unwrap(), MediaOptions::default());
        let on = MediaOptions {
            record_calls: true,
            retention_days: 7,
            ..MediaOptions::default()
        };
        ts.set_media_options(&on).await.unwrap();
        assert_eq!(ts.media_options().await.unwrap(), on);
        let bad = MediaOptions {
            retention_days: 0,
            ..on
        };
        let err = ts.set_media_options(&bad).await.unwrap_err().to_string();
        assert!(err.contains("retention_days"), "{err}");

        ts.insert_cdrs(&[
            cdr("old", 1_000, Some("recordings/1/old.wav")),
            cdr("new", 9_000, Some("recordings/1/new.wav")),
            cdr("plain", 500, None),
        ])
        .await
        .unwrap();
        assert_eq!(ts.recording_bytes().await.unwrap(), 64_088);
        assert_eq!(store.tenants_with_recordings().await.unwrap(), [t.id]);
        let expired = ts.expire_recordings(5_000).await.unwrap();
        assert_eq!(expired, ["recordings/1/old.wav"]);
        assert!(ts.expire_recordings(5_000).await.unwrap().is_empty());
        assert_eq!(ts.recording_bytes().await.unwrap(), 32_044);
        let rows = ts.list_cdrs(&crate::CdrQuery::default()).await.unwrap();
        let new = rows.iter().find(|r| r.call_id == "new").unwrap();
        assert_eq!(new.recording.as_ref().unwrap().path, "recordings/1/new.wav");

        assert_eq!(ts.moh().await.unwrap(), None);
        let music: PromptName = "music".parse().unwrap();
        let err = ts.set_moh(Some(&music)).await.unwrap_err().to_string();
        assert!(err.contains("prompt music"), "{err}");
        ts.set_moh(None).await.unwrap();
        assert_eq!(ts.moh().await.unwrap(), None);

        let other = store
            .create_tenant(&"b.example".parse().unwrap(), 1)
            .await
            .unwrap();
        let other = store.tenant(other.id);
        assert_eq!(other.recording_bytes().await.unwrap(), 0);
        assert!(other.expire_recordings(i64::MAX).await.unwrap().is_empty());
        assert_eq!(ts.recording_bytes().await.unwrap(), 32_044);
    }
}
