//! One tenant's users (extensions) with their digest credentials and call limits.
//!
//! Invariants: every statement here has `tenant_id = ?` bound to the handle's tenant, so a
//! [`TenantStore`] can never see or touch another tenant's rows, even with the same
//! extension; every write records a change-feed row for that tenant in its transaction; a
//! stored call limit or busy level is never 0 (`None` is "no limit").

use crate::changes::record;
use crate::error::constraint;
use crate::rows::{TenantRow, UserRow, TENANT_COLUMNS, USER_COLUMNS};
use crate::store::{read_tx, write_tx};
use crate::{NewUser, StoreError, Tenant, TenantStore, User};
use sqlx::SqliteConnection;
use vpbx_model::{DisplayName, Email, Extension, TenantId, UserId};

impl TenantStore {
    /// This tenant and its users (ordered by extension) from one snapshot, or `None` if the
    /// tenant no longer exists; used to reload a tenant named by the change feed.
    pub async fn load(&self) -> Result<Option<(Tenant, Vec<User>)>, StoreError> {
        let mut tx = read_tx(&self.pool).await?;
        let tenant_sql = format!("SELECT {TENANT_COLUMNS} FROM tenants WHERE id = ?");
        let tenant = sqlx::query_as::<_, TenantRow>(&tenant_sql)
            .bind(self.id.0)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(tenant) = tenant else {
            return Ok(None);
        };
        let users = fetch_users(&mut tx, self.id).await?;
        tx.commit().await?;
        Ok(Some((Tenant::try_from(tenant)?, users)))
    }

    /// Adds one user; `AlreadyExists("extension N")` if the extension is taken in this
    /// tenant, `NotFound("tenant ID")` if the tenant is gone.
    pub async fn add_user(&self, user: &NewUser, now: i64) -> Result<User, StoreError> {
        let mut tx = write_tx(&self.pool).await?;
        let id = insert_user(&mut tx, self.id, user, now).await?;
        record(&mut tx, self.id).await?;
        tx.commit().await?;
        Ok(User {
            id: UserId(id),
            tenant: self.id,
            extension: user.extension.clone(),
            name: user.name.clone(),
            email: user.email.clone(),
            ha1_md5: user.ha1_md5.clone(),
            ha1_sha256: user.ha1_sha256.clone(),
            call_limit: user.call_limit,
            busy_level: user.busy_level,
            created_at: now,
        })
    }

    /// Adds many users in one transaction (bulk import) and returns how many. All or
    /// nothing: the first duplicate (existing, or repeated within `users`) fails the whole
    /// call with `AlreadyExists` naming its extension.
    pub async fn add_users(&self, users: &[NewUser], now: i64) -> Result<usize, StoreError> {
        if users.is_empty() {
            return Ok(0);
        }
        let mut tx = write_tx(&self.pool).await?;
        for user in users {
            insert_user(&mut tx, self.id, user, now).await?;
        }
        record(&mut tx, self.id).await?;
        tx.commit().await?;
        Ok(users.len())
    }

    /// Removes the user and (by cascade) its bindings; `NotFound` if absent in this tenant.
    pub async fn remove_user(&self, ext: &Extension) -> Result<(), StoreError> {
        let mut tx = write_tx(&self.pool).await?;
        let done = sqlx::query("DELETE FROM users WHERE tenant_id = ? AND extension = ?")
            .bind(self.id.0)
            .bind(ext.as_str())
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("extension {ext}")));
        }
        record(&mut tx, self.id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Replaces the user's HA1 values (RFC 8760 §2); `NotFound` if absent in this tenant.
    pub async fn set_password(
        &self,
        ext: &Extension,
        ha1_md5: &str,
        ha1_sha256: &str,
    ) -> Result<(), StoreError> {
        let mut tx = write_tx(&self.pool).await?;
        let done = sqlx::query(
            "UPDATE users SET ha1_md5 = ?, ha1_sha256 = ? WHERE tenant_id = ? AND extension = ?",
        )
        .bind(ha1_md5)
        .bind(ha1_sha256)
        .bind(self.id.0)
        .bind(ext.as_str())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("extension {ext}")));
        }
        record(&mut tx, self.id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets the user's concurrent call limit and busy level (`None` removes a limit);
    /// `Invalid` if either is `Some(0)`, `NotFound` if the user is absent in this tenant.
    pub async fn set_limits(
        &self,
        ext: &Extension,
        call_limit: Option<u32>,
        busy_level: Option<u32>,
    ) -> Result<(), StoreError> {
        check_limits(call_limit, busy_level)?;
        let mut tx = write_tx(&self.pool).await?;
        let done = sqlx::query(
            "UPDATE users SET call_limit = ?, busy_level = ? WHERE tenant_id = ? AND extension = ?",
        )
        .bind(call_limit)
        .bind(busy_level)
        .bind(self.id.0)
        .bind(ext.as_str())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("extension {ext}")));
        }
        record(&mut tx, self.id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The user with this extension in this tenant, if any.
    pub async fn get_user(&self, ext: &Extension) -> Result<Option<User>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE tenant_id = ? AND extension = ?");
        sqlx::query_as::<_, UserRow>(&sql)
            .bind(self.id.0)
            .bind(ext.as_str())
            .fetch_optional(&self.pool)
            .await?
            .map(User::try_from)
            .transpose()
    }

    /// This tenant's users, ordered by extension.
    pub async fn list_users(&self) -> Result<Vec<User>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        fetch_users(&mut conn, self.id).await
    }
}

/// `Invalid` if a limit is `Some(0)` (no calls at all is not a limit the PBX offers; `None`
/// means unlimited).
fn check_limits(call_limit: Option<u32>, busy_level: Option<u32>) -> Result<(), StoreError> {
    if call_limit == Some(0) {
        return Err(StoreError::Invalid(
            "call limit 0 (use none for no limit)".into(),
        ));
    }
    if busy_level == Some(0) {
        return Err(StoreError::Invalid(
            "busy level 0 (use none for no limit)".into(),
        ));
    }
    Ok(())
}

/// Inserts one user row of `tenant` and returns its id.
async fn insert_user(
    conn: &mut SqliteConnection,
    tenant: TenantId,
    user: &NewUser,
    now: i64,
) -> Result<i64, StoreError> {
    check_limits(user.call_limit, user.busy_level)?;
    sqlx::query_scalar(
        "INSERT INTO users (tenant_id, extension, name, email, ha1_md5, ha1_sha256, created_at, \
         call_limit, busy_level) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(tenant.0)
    .bind(user.extension.as_str())
    .bind(user.name.as_ref().map(DisplayName::as_str))
    .bind(user.email.as_ref().map(Email::as_str))
    .bind(&user.ha1_md5)
    .bind(&user.ha1_sha256)
    .bind(now)
    .bind(user.call_limit)
    .bind(user.busy_level)
    .fetch_one(conn)
    .await
    .map_err(|e| {
        constraint(
            e,
            &format!("extension {}", user.extension),
            &format!("tenant {tenant}"),
        )
    })
}

/// All users of `tenant`, ordered by extension.
async fn fetch_users(
    conn: &mut SqliteConnection,
    tenant: TenantId,
) -> Result<Vec<User>, StoreError> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE tenant_id = ? ORDER BY extension");
    sqlx::query_as::<_, UserRow>(&sql)
        .bind(tenant.0)
        .fetch_all(conn)
        .await?
        .into_iter()
        .map(User::try_from)
        .collect()
}
