//! Tenant rows: create, delete (cascading to everything the tenant owns), enable/disable,
//! look-ups, and the server's start-up load of all tenants with their users.
//!
//! Invariants: domains are unique; every write records a change-feed row in its transaction;
//! `load_all` reads one consistent snapshot in exactly two queries.

use crate::changes::record;
use crate::error::constraint;
use crate::rows::{TenantRow, UserRow, TENANT_COLUMNS, USER_COLUMNS};
use crate::store::{read_tx, write_tx};
use crate::{Store, StoreError, Tenant, User};
use std::collections::HashMap;
use vpbx_model::{Domain, TenantId};

impl Store {
    /// Creates an enabled tenant for `domain`; `AlreadyExists` if the domain is taken.
    pub async fn create_tenant(&self, domain: &Domain, now: i64) -> Result<Tenant, StoreError> {
        let label = format!("tenant {domain}");
        let mut tx = write_tx(&self.pool).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO tenants (domain, enabled, created_at) VALUES (?, TRUE, ?) RETURNING id",
        )
        .bind(domain.as_str())
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| constraint(e, &label, &label))?;
        record(&mut tx, TenantId(id)).await?;
        tx.commit().await?;
        Ok(Tenant {
            id: TenantId(id),
            domain: domain.clone(),
            enabled: true,
            created_at: now,
        })
    }

    /// Deletes the tenant and, by cascade, all its users and bindings; `NotFound` if absent.
    pub async fn delete_tenant(&self, domain: &Domain) -> Result<(), StoreError> {
        let mut tx = write_tx(&self.pool).await?;
        let id: Option<i64> =
            sqlx::query_scalar("DELETE FROM tenants WHERE domain = ? RETURNING id")
                .bind(domain.as_str())
                .fetch_optional(&mut *tx)
                .await?;
        let id = id.ok_or_else(|| StoreError::NotFound(format!("tenant {domain}")))?;
        record(&mut tx, TenantId(id)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Enables or disables the tenant (its data is kept either way); `NotFound` if absent.
    pub async fn set_tenant_enabled(
        &self,
        domain: &Domain,
        enabled: bool,
    ) -> Result<(), StoreError> {
        let mut tx = write_tx(&self.pool).await?;
        let id: Option<i64> =
            sqlx::query_scalar("UPDATE tenants SET enabled = ? WHERE domain = ? RETURNING id")
                .bind(enabled)
                .bind(domain.as_str())
                .fetch_optional(&mut *tx)
                .await?;
        let id = id.ok_or_else(|| StoreError::NotFound(format!("tenant {domain}")))?;
        record(&mut tx, TenantId(id)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The tenant serving `domain`, if any.
    pub async fn tenant_by_domain(&self, domain: &Domain) -> Result<Option<Tenant>, StoreError> {
        let sql = format!("SELECT {TENANT_COLUMNS} FROM tenants WHERE domain = ?");
        sqlx::query_as::<_, TenantRow>(&sql)
            .bind(domain.as_str())
            .fetch_optional(&self.pool)
            .await?
            .map(Tenant::try_from)
            .transpose()
    }

    /// All tenants, ordered by domain.
    pub async fn list_tenants(&self) -> Result<Vec<Tenant>, StoreError> {
        let sql = format!("SELECT {TENANT_COLUMNS} FROM tenants ORDER BY domain");
        sqlx::query_as::<_, TenantRow>(&sql)
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .map(Tenant::try_from)
            .collect()
    }

    /// Everything the server needs in memory at start: all tenants (ordered by domain), each
    /// with its users (ordered by extension), from one snapshot in two queries.
    pub async fn load_all(&self) -> Result<Vec<(Tenant, Vec<User>)>, StoreError> {
        let mut tx = read_tx(&self.pool).await?;
        let tenants_sql = format!("SELECT {TENANT_COLUMNS} FROM tenants ORDER BY domain");
        let tenants = sqlx::query_as::<_, TenantRow>(&tenants_sql)
            .fetch_all(&mut *tx)
            .await?;
        let users_sql = format!("SELECT {USER_COLUMNS} FROM users ORDER BY tenant_id, extension");
        let users = sqlx::query_as::<_, UserRow>(&users_sql)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;

        let mut by_tenant: HashMap<TenantId, Vec<User>> = HashMap::new();
        for row in users {
            let user = User::try_from(row)?;
            by_tenant.entry(user.tenant).or_default().push(user);
        }
        tenants
            .into_iter()
            .map(|row| {
                let tenant = Tenant::try_from(row)?;
                let users = by_tenant.remove(&tenant.id).unwrap_or_default();
                Ok((tenant, users))
            })
            .collect()
    }
}
