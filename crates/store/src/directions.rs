//! A tenant's outbound directions (seed 000 §4.5.3 `directions`), its toll-fraud options
//! (seed 001; issue 4: international off by default, allow-list by prefix) and the
//! one-snapshot load of everything routing needs.
//!
//! Invariants: every statement has `tenant_id = ?` bound to the handle's tenant; a
//! direction is written only if [`Direction::validate`] accepts it and every trunk it names
//! exists in the tenant, checked in the write transaction; `trunks` and `allow_prefixes`
//! are JSON arrays of validated names; a tenant without a `routing_options` row has the
//! default [`Policy`] (international refused); every write records a change-feed row.

use crate::changes::record;
use crate::error::constraint;
use crate::numbers::{fetch_numbers, require_trunk, NumberRow};
use crate::rows::parse;
use crate::store::{read_tx, write_tx};
use crate::{StoreError, TenantStore};
use serde::Serialize;
use sqlx::SqliteConnection;
use vpbx_model::{Extension, TenantId, TrunkName};
use vpbx_routing::{AllowPrefix, Direction, DirectionKind, Pattern, Policy, Prefix, TenantRouting};

/// Columns of [`DirectionDbRow`], in order, for `SELECT` lists.
const DIRECTION_COLUMNS: &str = "id, kind, pattern, strip, prefix, trunks, priority, enabled";

/// A direction to add (its id is assigned by the store).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewDirection {
    /// What the direction is for.
    pub kind: DirectionKind,
    /// Own pattern; `None` uses the kind's built-in patterns (required for `other`).
    pub pattern: Option<Pattern>,
    /// Leading characters to strip (seed `dialplan_rg_substruct`, `substruct4other`).
    pub strip: u8,
    /// Digits to put in front (seed `dial_rg_prefix`, `dial_mn_prefix`, `dial_em_prefix`).
    pub prefix: Prefix,
    /// Trunks in failover order; at least one.
    pub trunks: Vec<TrunkName>,
    /// Among equally specific directions, lower goes first (seed default 1).
    pub priority: u32,
    /// Whether the direction is used.
    pub enabled: bool,
}

/// Everything routing needs about one tenant, read in one snapshot.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RoutingRows {
    /// The tenant's extensions, ordered.
    pub extensions: Vec<Extension>,
    /// The tenant's numbers, ordered by number.
    pub numbers: Vec<NumberRow>,
    /// The tenant's directions, ordered by id.
    pub directions: Vec<Direction>,
    /// The tenant's toll-fraud options.
    pub policy: Policy,
}

impl From<RoutingRows> for TenantRouting {
    fn from(r: RoutingRows) -> TenantRouting {
        TenantRouting {
            extensions: r.extensions.into_iter().collect(),
            numbers: r.numbers.into_iter().map(Into::into).collect(),
            directions: r.directions,
            policy: r.policy,
        }
    }
}

/// A `directions` row as stored.
#[derive(sqlx::FromRow)]
struct DirectionDbRow {
    id: i64,
    kind: String,
    pattern: Option<String>,
    strip: i64,
    prefix: String,
    trunks: String,
    priority: i64,
    enabled: bool,
}

impl TryFrom<DirectionDbRow> for Direction {
    type Error = StoreError;
    fn try_from(r: DirectionDbRow) -> Result<Self, StoreError> {
        let corrupt = |column: &str, value: &dyn std::fmt::Display| {
            StoreError::Corrupt(format!("directions.{column} {value}"))
        };
        let trunks: Vec<String> =
            serde_json::from_str(&r.trunks).map_err(|e| corrupt("trunks", &e))?;
        Ok(Direction {
            id: r.id,
            kind: parse("directions.kind", &r.kind)?,
            pattern: r
                .pattern
                .as_deref()
                .map(|p| parse("directions.pattern", p))
                .transpose()?,
            strip: u8::try_from(r.strip).map_err(|_| corrupt("strip", &r.strip))?,
            prefix: parse("directions.prefix", &r.prefix)?,
            trunks: trunks
                .iter()
                .map(|t| parse("directions.trunks", t))
                .collect::<Result<_, _>>()?,
            priority: u32::try_from(r.priority).map_err(|_| corrupt("priority", &r.priority))?,
            enabled: r.enabled,
        })
    }
}

impl TenantStore {
    /// Adds a direction. `Invalid` naming the field if it cannot route (see
    /// [`Direction::validate`]), `NotFound("trunk NAME")` for a trunk this tenant lacks.
    pub async fn add_direction(
        &self,
        new: &NewDirection,
        now: i64,
    ) -> Result<Direction, StoreError> {
        let mut direction = Direction {
            id: 0,
            kind: new.kind,
            pattern: new.pattern.clone(),
            strip: new.strip,
            prefix: new.prefix.clone(),
            trunks: new.trunks.clone(),
            priority: new.priority,
            enabled: new.enabled,
        };
        direction.validate().map_err(|e| {
            StoreError::Invalid(e.to_string().trim_start_matches("invalid ").to_owned())
        })?;
        let trunks: Vec<&str> = new.trunks.iter().map(TrunkName::as_str).collect();
        let trunks_json = serde_json::to_string(&trunks)
            .map_err(|e| StoreError::Invalid(format!("trunks: {e}")))?;
        let mut tx = write_tx(&self.pool).await?;
        for trunk in &new.trunks {
            require_trunk(&mut tx, self.id, trunk).await?;
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO directions (tenant_id, kind, pattern, strip, prefix, trunks, priority, \
             enabled, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(self.id.0)
        .bind(new.kind.as_str())
        .bind(new.pattern.as_ref().map(Pattern::as_str))
        .bind(i64::from(new.strip))
        .bind(new.prefix.as_str())
        .bind(&trunks_json)
        .bind(i64::from(new.priority))
        .bind(new.enabled)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| constraint(e, "direction", &format!("tenant {}", self.id)))?;
        record(&mut tx, self.id).await?;
        tx.commit().await?;
        direction.id = id;
        Ok(direction)
    }

    /// Removes direction `id`; `NotFound("direction ID")` if it is not this tenant's.
    pub async fn remove_direction(&self, id: i64) -> Result<(), StoreError> {
        let mut tx = write_tx(&self.pool).await?;
        let done = sqlx::query("DELETE FROM directions WHERE tenant_id = ? AND id = ?")
            .bind(self.id.0)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("direction {id}")));
        }
        record(&mut tx, self.id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// This tenant's directions, ordered by id.
    pub async fn list_directions(&self) -> Result<Vec<Direction>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        fetch_directions(&mut conn, self.id).await
    }

    /// This tenant's toll-fraud options (the default, international refused, if never set).
    pub async fn routing_policy(&self) -> Result<Policy, StoreError> {
        let mut conn = self.pool.acquire().await?;
        fetch_policy(&mut conn, self.id).await
    }

    /// Replaces this tenant's toll-fraud options; `NotFound("tenant ID")` if it is gone.
    pub async fn set_routing_policy(&self, policy: &Policy) -> Result<(), StoreError> {
        let prefixes: Vec<&str> = policy
            .allow_prefixes
            .iter()
            .map(AllowPrefix::as_str)
            .collect();
        let prefixes = serde_json::to_string(&prefixes)
            .map_err(|e| StoreError::Invalid(format!("prefix: {e}")))?;
        let mut tx = write_tx(&self.pool).await?;
        sqlx::query(
            "INSERT INTO routing_options (tenant_id, international_allowed, allow_prefixes) \
             VALUES (?, ?, ?) ON CONFLICT (tenant_id) DO UPDATE SET \
             international_allowed = excluded.international_allowed, \
             allow_prefixes = excluded.allow_prefixes",
        )
        .bind(self.id.0)
        .bind(policy.international_allowed)
        .bind(&prefixes)
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

    /// Extensions, numbers, directions and options of this tenant from one snapshot; turn
    /// it into a [`TenantRouting`] with `.into()`.
    pub async fn load_routing(&self) -> Result<RoutingRows, StoreError> {
        let mut tx = read_tx(&self.pool).await?;
        let extensions: Vec<String> = sqlx::query_scalar(
            "SELECT extension FROM users WHERE tenant_id = ? ORDER BY extension",
        )
        .bind(self.id.0)
        .fetch_all(&mut *tx)
        .await?;
        let numbers = fetch_numbers(&mut tx, self.id).await?;
        let directions = fetch_directions(&mut tx, self.id).await?;
        let policy = fetch_policy(&mut tx, self.id).await?;
        tx.commit().await?;
        Ok(RoutingRows {
            extensions: extensions
                .iter()
                .map(|e| parse("users.extension", e))
                .collect::<Result<_, _>>()?,
            numbers,
            directions,
            policy,
        })
    }
}

/// All directions of `tenant`, ordered by id.
async fn fetch_directions(
    conn: &mut SqliteConnection,
    tenant: TenantId,
) -> Result<Vec<Direction>, StoreError> {
    let sql = format!("SELECT {DIRECTION_COLUMNS} FROM directions WHERE tenant_id = ? ORDER BY id");
    sqlx::query_as::<_, DirectionDbRow>(&sql)
        .bind(tenant.0)
        .fetch_all(conn)
        .await?
        .into_iter()
        .map(Direction::try_from)
        .collect()
}

/// The options of `tenant`, or the default when it has no row.
async fn fetch_policy(conn: &mut SqliteConnection, tenant: TenantId) -> Result<Policy, StoreError> {
    let row: Option<(bool, String)> = sqlx::query_as(
        "SELECT international_allowed, allow_prefixes FROM routing_options WHERE tenant_id = ?",
    )
    .bind(tenant.0)
    .fetch_optional(conn)
    .await?;
    let Some((international_allowed, prefixes)) = row else {
        return Ok(Policy::default());
    };
    let prefixes: Vec<String> = serde_json::from_str(&prefixes)
        .map_err(|e| StoreError::Corrupt(format!("routing_options.allow_prefixes {e}")))?;
    Ok(Policy {
        international_allowed,
        allow_prefixes: prefixes
            .iter()
            .map(|p| parse("routing_options.allow_prefixes", p))
            .collect::<Result<_, _>>()?,
    })
}
