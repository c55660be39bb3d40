//! The change feed: how a running server learns about writes made by other processes
//! (CLI commands) within one poll interval.
//!
//! Invariants: every tenant or user write inserts one row `(seq, tenant_id)` in its own
//! transaction, so a reader sees the row if and only if it can see the write. `seq` values
//! are strictly increasing and gap-free (AUTOINCREMENT; rows are only removed by trimming
//! the oldest). Only the newest [`RETAINED_CHANGES`] rows are kept; a reader that fell
//! further behind is told about every tenant instead (see [`Store::changes_since`]).

use crate::store::read_tx;
use crate::{Store, StoreError, TenantChange};
use sqlx::SqliteConnection;
use std::collections::HashMap;
use vpbx_model::TenantId;

/// How many change rows are kept; older ones are deleted as new ones are written.
pub(crate) const RETAINED_CHANGES: i64 = 10_000;

/// Appends a change row for `tenant` and trims the feed. Call inside the write transaction.
pub(crate) async fn record(
    conn: &mut SqliteConnection,
    tenant: TenantId,
) -> Result<(), StoreError> {
    let seq: i64 = sqlx::query_scalar("INSERT INTO changes (tenant_id) VALUES (?) RETURNING seq")
        .bind(tenant.0)
        .fetch_one(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM changes WHERE seq <= ?")
        .bind(seq - RETAINED_CHANGES)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

impl Store {
    /// Highest change seq now (0 when none). Take it before [`Store::load_all`] and poll
    /// [`Store::changes_since`] from it, so a write racing the load is replayed, not lost.
    pub async fn change_seq(&self) -> Result<i64, StoreError> {
        let seq: Option<i64> = sqlx::query_scalar("SELECT MAX(seq) FROM changes")
            .fetch_one(&self.pool)
            .await?;
        Ok(seq.unwrap_or(0))
    }

    /// Tenants changed after `seq` (each once, in order of their latest change) and the new
    /// highest seq. If rows after `seq` were already trimmed, every tenant id ever assigned
    /// is reported instead: existing ones with their domain, deleted ones with `None`.
    pub async fn changes_since(&self, seq: i64) -> Result<(i64, Vec<TenantChange>), StoreError> {
        let mut tx = read_tx(&self.pool).await?;
        let (oldest, newest): (Option<i64>, Option<i64>) =
            sqlx::query_as("SELECT MIN(seq), MAX(seq) FROM changes")
                .fetch_one(&mut *tx)
                .await?;
        let (Some(oldest), Some(newest)) = (oldest, newest) else {
            return Ok((0, Vec::new()));
        };
        if newest <= seq {
            return Ok((newest, Vec::new()));
        }
        let changes = if oldest > seq.saturating_add(1) {
            every_tenant(&mut tx).await?
        } else {
            let rows: Vec<(i64, Option<String>)> = sqlx::query_as(
                "SELECT c.tenant_id, t.domain \
                 FROM (SELECT tenant_id, MAX(seq) AS last FROM changes \
                       WHERE seq > ? GROUP BY tenant_id) AS c \
                 LEFT JOIN tenants AS t ON t.id = c.tenant_id \
                 ORDER BY c.last",
            )
            .bind(seq)
            .fetch_all(&mut *tx)
            .await?;
            rows.into_iter()
                .map(|(id, domain)| change(id, domain))
                .collect::<Result<_, _>>()?
        };
        tx.commit().await?;
        Ok((newest, changes))
    }
}

/// The full resynchronisation answer: ids `1..=` the highest ever assigned (never reused),
/// each with its domain or `None` if deleted.
async fn every_tenant(conn: &mut SqliteConnection) -> Result<Vec<TenantChange>, StoreError> {
    let highest: Option<i64> =
        sqlx::query_scalar("SELECT seq FROM sqlite_sequence WHERE name = 'tenants'")
            .fetch_optional(&mut *conn)
            .await?;
    let rows: Vec<(i64, String)> = sqlx::query_as("SELECT id, domain FROM tenants")
        .fetch_all(&mut *conn)
        .await?;
    let mut domains: HashMap<i64, String> = rows.into_iter().collect();
    (1..=highest.unwrap_or(0))
        .map(|id| change(id, domains.remove(&id)))
        .collect()
}

/// Builds one [`TenantChange`], validating the stored domain.
fn change(id: i64, domain: Option<String>) -> Result<TenantChange, StoreError> {
    Ok(TenantChange {
        tenant_id: TenantId(id),
        domain: domain
            .as_deref()
            .map(|d| crate::rows::parse("tenants.domain", d))
            .transpose()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use vpbx_model::Domain;

    fn domain(s: &str) -> Domain {
        s.parse().unwrap()
    }

    /// Appends `n` change rows for `tenant` in one statement (cheaper than `n` writes).
    async fn flood(store: &Store, tenant: TenantId, n: i64) {
        sqlx::query(
            "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < ?) \
             INSERT INTO changes (tenant_id) SELECT ? FROM k",
        )
        .bind(n)
        .bind(tenant.0)
        .execute(&store.pool)
        .await
        .unwrap();
    }

    #[tokio::test]
    async fn feed_is_trimmed_to_the_retained_window() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).await.unwrap();
        let a = store.create_tenant(&domain("a.example"), 1).await.unwrap();
        flood(&store, a.id, RETAINED_CHANGES + 500).await;
        store.set_tenant_enabled(&a.domain, false).await.unwrap();
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM changes")
            .fetch_one(&store.pool)
            .await
            .unwrap();
        assert_eq!(count, RETAINED_CHANGES);
        assert_eq!(store.change_seq().await.unwrap(), RETAINED_CHANGES + 502);
    }

    #[tokio::test]
    async fn reader_behind_the_window_gets_every_tenant() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).await.unwrap();
        let a = store.create_tenant(&domain("a.example"), 1).await.unwrap();
        let gone = store
            .create_tenant(&domain("gone.example"), 1)
            .await
            .unwrap();
        let c = store.create_tenant(&domain("c.example"), 1).await.unwrap();
        let cursor = store.change_seq().await.unwrap();
        store.delete_tenant(&gone.domain).await.unwrap();
        flood(&store, a.id, RETAINED_CHANGES).await;
        store.set_tenant_enabled(&c.domain, false).await.unwrap();

        let (seq, changes) = store.changes_since(cursor).await.unwrap();
        assert_eq!(seq, store.change_seq().await.unwrap());
        assert_eq!(
            changes,
            vec![
                TenantChange {
                    tenant_id: a.id,
                    domain: Some(a.domain.clone())
                },
                TenantChange {
                    tenant_id: gone.id,
                    domain: None
                },
                TenantChange {
                    tenant_id: c.id,
                    domain: Some(c.domain.clone())
                },
            ]
        );
        // Caught up: the next poll is incremental again.
        assert_eq!(store.changes_since(seq).await.unwrap(), (seq, Vec::new()));
    }

    #[tokio::test]
    async fn window_boundary() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).await.unwrap();
        let a = store.create_tenant(&domain("a.example"), 1).await.unwrap();
        let b = store.create_tenant(&domain("b.example"), 1).await.unwrap();
        flood(&store, a.id, RETAINED_CHANGES - 1).await;
        store.set_tenant_enabled(&a.domain, false).await.unwrap();
        // Rows 3..=10002 remain: a cursor at 2 missed nothing, one at 1 missed row 2 (b).
        let only_a = vec![TenantChange {
            tenant_id: a.id,
            domain: Some(a.domain.clone()),
        }];
        assert_eq!(store.changes_since(2).await.unwrap().1, only_a);
        let both = vec![
            TenantChange {
                tenant_id: a.id,
                domain: Some(a.domain.clone()),
            },
            TenantChange {
                tenant_id: b.id,
                domain: Some(b.domain.clone()),
            },
        ];
        assert_eq!(store.changes_since(1).await.unwrap().1, both);
    }
}
