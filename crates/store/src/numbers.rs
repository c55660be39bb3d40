//! A tenant's numbers (DIDs, seed 000 §4.5.1 `dial_numbers`): add, list, remove, and the
//! store-wide look-up of the tenant owning a number for inbound calls.
//!
//! Invariants: a number is stored once across all tenants in canonical digits (UNIQUE
//! `numbers.number`), so [`Store::tenant_by_number`] has at most one answer; every statement
//! of a [`TenantStore`] has `tenant_id = ?` bound to its tenant; a number is written only
//! when its trunk (and target extension or menu) exist in the same tenant, checked in the
//! write transaction; every write records a change-feed row for the tenant.

use crate::changes::record;
use crate::error::constraint;
use crate::ivr::require_menu;
use crate::rows::parse;
use crate::store::write_tx;
use crate::{Store, StoreError, TenantStore};
use serde::Serialize;
use sqlx::SqliteConnection;
use vpbx_model::{TenantId, TrunkName};
use vpbx_routing::{InboundNumber, InboundTarget, PhoneNumber};

/// Columns of [`NumberDbRow`], in order, for `SELECT` lists.
pub(crate) const NUMBER_COLUMNS: &str = "id, number, display, trunk, target, created_at";

/// One number of a tenant as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NumberRow {
    /// Row id.
    pub id: i64,
    /// Canonical digits, as matched against what carriers send (`74952216005`).
    pub number: PhoneNumber,
    /// As the cabinet shows it (`+7(495)2216005`).
    pub display: String,
    /// The trunk the carrier delivers the number on.
    pub trunk: TrunkName,
    /// Where incoming calls go (`ext:1000`).
    pub target: InboundTarget,
    /// Creation time, unix seconds.
    pub created_at: i64,
}

impl From<NumberRow> for InboundNumber {
    fn from(r: NumberRow) -> InboundNumber {
        InboundNumber {
            number: r.number,
            trunk: r.trunk,
            target: r.target,
        }
    }
}

/// A `numbers` row as stored.
#[derive(sqlx::FromRow)]
pub(crate) struct NumberDbRow {
    id: i64,
    number: String,
    display: String,
    trunk: String,
    target: String,
    created_at: i64,
}

impl TryFrom<NumberDbRow> for NumberRow {
    type Error = StoreError;
    fn try_from(r: NumberDbRow) -> Result<Self, StoreError> {
        Ok(NumberRow {
            id: r.id,
            number: parse("numbers.number", &r.number)?,
            display: r.display,
            trunk: parse("numbers.trunk", &r.trunk)?,
            target: parse("numbers.target", &r.target)?,
            created_at: r.created_at,
        })
    }
}

impl TenantStore {
    /// Adds `number`, delivered on trunk `trunk` and ringing `target`.
    /// `NotFound("trunk NAME")` / `NotFound("extension N")` if they are not this tenant's,
    /// `AlreadyExists("number +7(495)2216005")` if any tenant has the number.
    pub async fn add_number(
        &self,
        number: &PhoneNumber,
        trunk: &TrunkName,
        target: &InboundTarget,
        now: i64,
    ) -> Result<NumberRow, StoreError> {
        let display = number.display();
        let mut tx = write_tx(&self.pool).await?;
        require_trunk(&mut tx, self.id, trunk).await?;
        require_target(&mut tx, self.id, target).await?;
        let sql = format!(
            "INSERT INTO numbers (tenant_id, number, display, trunk, target, created_at) \
             VALUES (?, ?, ?, ?, ?, ?) RETURNING {NUMBER_COLUMNS}"
        );
        let row = sqlx::query_as::<_, NumberDbRow>(&sql)
            .bind(self.id.0)
            .bind(number.as_str())
            .bind(&display)
            .bind(trunk.as_str())
            .bind(target.to_string())
            .bind(now)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| {
                constraint(
                    e,
                    &format!("number {display}"),
                    &format!("tenant {}", self.id),
                )
            })?;
        record(&mut tx, self.id).await?;
        tx.commit().await?;
        row.try_into()
    }

    /// Removes `number` from this tenant; `NotFound("number ...")` if it is not this
    /// tenant's.
    pub async fn remove_number(&self, number: &PhoneNumber) -> Result<(), StoreError> {
        let mut tx = write_tx(&self.pool).await?;
        let done = sqlx::query("DELETE FROM numbers WHERE tenant_id = ? AND number = ?")
            .bind(self.id.0)
            .bind(number.as_str())
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("number {}", number.display())));
        }
        record(&mut tx, self.id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// This tenant's numbers, ordered by number.
    pub async fn list_numbers(&self) -> Result<Vec<NumberRow>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        fetch_numbers(&mut conn, self.id).await
    }
}

impl Store {
    /// Tenants that have any trunk, number, direction or routing option: the only ones
    /// whose routing must be loaded row by row at start (the others route only to their
    /// own extensions).
    pub async fn tenants_with_routing(&self) -> Result<Vec<TenantId>, StoreError> {
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT tenant_id FROM trunks UNION SELECT tenant_id FROM numbers \
             UNION SELECT tenant_id FROM directions UNION SELECT tenant_id FROM routing_options \
             UNION SELECT tenant_id FROM media_options UNION SELECT tenant_id FROM ivr_menus \
             UNION SELECT tenant_id FROM moh UNION SELECT tenant_id FROM voicemail_boxes \
             UNION SELECT tenant_id FROM disa",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(ids.into_iter().map(TenantId).collect())
    }

    /// The tenant that owns `number` (canonical digits; parse what the carrier sent with
    /// [`PhoneNumber::parse`] first), if any: the first step of an inbound call.
    pub async fn tenant_by_number(
        &self,
        number: &PhoneNumber,
    ) -> Result<Option<TenantId>, StoreError> {
        let id: Option<i64> = sqlx::query_scalar("SELECT tenant_id FROM numbers WHERE number = ?")
            .bind(number.as_str())
            .fetch_optional(&self.pool)
            .await?;
        Ok(id.map(TenantId))
    }
}

/// All numbers of `tenant`, ordered by number.
pub(crate) async fn fetch_numbers(
    conn: &mut SqliteConnection,
    tenant: TenantId,
) -> Result<Vec<NumberRow>, StoreError> {
    let sql = format!("SELECT {NUMBER_COLUMNS} FROM numbers WHERE tenant_id = ? ORDER BY number");
    sqlx::query_as::<_, NumberDbRow>(&sql)
        .bind(tenant.0)
        .fetch_all(conn)
        .await?
        .into_iter()
        .map(NumberRow::try_from)
        .collect()
}

/// `NotFound("trunk NAME")` unless `tenant` has a trunk called `name`.
pub(crate) async fn require_trunk(
    conn: &mut SqliteConnection,
    tenant: TenantId,
    name: &TrunkName,
) -> Result<(), StoreError> {
    let found: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM trunks WHERE tenant_id = ? AND name = ?")
            .bind(tenant.0)
            .bind(name.as_str())
            .fetch_optional(conn)
            .await?;
    found
        .map(|_| ())
        .ok_or_else(|| StoreError::NotFound(format!("trunk {name}")))
}

/// `NotFound("extension N")` unless the target's extension is one of `tenant`'s users,
/// `NotFound("ivr menu NAME")` unless its menu is one of `tenant`'s.
async fn require_target(
    conn: &mut SqliteConnection,
    tenant: TenantId,
    target: &InboundTarget,
) -> Result<(), StoreError> {
    let ext = match target {
        InboundTarget::Extension(ext) => ext,
        InboundTarget::Ivr(name) => return require_menu(conn, tenant, name).await,
        _ => return Ok(()),
    };
    let found: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM users WHERE tenant_id = ? AND extension = ?")
            .bind(tenant.0)
            .bind(ext.as_str())
            .fetch_optional(conn)
            .await?;
    found
        .map(|_| ())
        .ok_or_else(|| StoreError::NotFound(format!("extension {ext}")))
}
