//! A tenant's IVR menus (issue 5 item 3): put (create or replace), edit, get, list, remove,
//! and the whole set for the server and the numbers that route to a menu.
//!
//! Invariants: every statement binds `tenant_id = ?` to the handle's tenant; a menu is
//! written only when the tenant's whole menu set, with it, passes
//! [`MenuSet::validate`] against the tenant's prompts and extensions, read in the same
//! write transaction; a menu that another menu or a number names is never removed; every
//! write records a change-feed row for the tenant in its transaction.

use crate::changes::record;
use crate::error::constraint;
use crate::rows::parse;
use crate::store::write_tx;
use crate::{StoreError, TenantStore};
use serde::Serialize;
use sqlx::SqliteConnection;
use std::collections::BTreeSet;
use vpbx_ivr::{IvrError, Menu, MenuSet};
use vpbx_model::{Extension, IvrName, PromptName, TenantId};

/// Columns of [`MenuDbRow`], in order, for `SELECT` lists.
const MENU_COLUMNS: &str = "id, name, definition, created_at";

/// One IVR menu of a tenant as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MenuRow {
    /// Row id.
    pub id: i64,
    /// The menu (serialized flat: `name`, `prompts`, `options`...).
    #[serde(flatten)]
    pub menu: Menu,
    /// Creation time, unix seconds (kept when the menu is replaced or edited).
    pub created_at: i64,
}

/// An `ivr_menus` row as stored.
#[derive(sqlx::FromRow)]
struct MenuDbRow {
    id: i64,
    name: String,
    definition: String,
    created_at: i64,
}

impl TryFrom<MenuDbRow> for MenuRow {
    type Error = StoreError;
    fn try_from(r: MenuDbRow) -> Result<Self, StoreError> {
        let name: IvrName = parse("ivr_menus.name", &r.name)?;
        let menu: Menu = serde_json::from_str(&r.definition)
            .map_err(|e| StoreError::Corrupt(format!("ivr_menus.definition of {name}: {e}")))?;
        if menu.name != name {
            return Err(StoreError::Corrupt(format!(
                "ivr_menus.definition of {name} names menu {}",
                menu.name
            )));
        }
        Ok(MenuRow {
            id: r.id,
            menu,
            created_at: r.created_at,
        })
    }
}

/// `Invalid` with the validation message (`options.1 of menu main: no extension 1005`).
fn invalid(e: IvrError) -> StoreError {
    StoreError::Invalid(match e {
        IvrError::Menu {
            menu,
            field,
            reason,
        } => format!("{field} of menu {menu}: {reason}"),
        IvrError::Invalid { field, reason } => format!("{field}: {reason}"),
    })
}

impl TenantStore {
    /// Stores `menu`; with `replace` an existing menu of that name is replaced (keeping
    /// its creation time), else it is `AlreadyExists("ivr menu NAME")`. The tenant's menus
    /// with this one must pass [`MenuSet::validate`] against its prompts and extensions,
    /// else `Invalid("FIELD of menu NAME: ...")`. `NotFound("tenant ID")` if the tenant is
    /// gone. Returns the row and whether it was created (not replaced).
    pub async fn put_menu(
        &self,
        menu: &Menu,
        replace: bool,
        now: i64,
    ) -> Result<(MenuRow, bool), StoreError> {
        let mut tx = write_tx(&self.pool).await?;
        require_tenant(&mut tx, self.id).await?;
        let mut set = fetch_set(&mut tx, self.id).await?;
        let what = format!("ivr menu {}", menu.name);
        let created = set.insert(menu.clone()).is_none();
        if !created && !replace {
            return Err(StoreError::AlreadyExists(what));
        }
        validate(&mut tx, self.id, &set).await?;
        let definition = serde_json::to_string(menu)
            .map_err(|e| StoreError::Invalid(format!("menu {}: {e}", menu.name)))?;
        let sql = format!(
            "INSERT INTO ivr_menus (tenant_id, name, definition, created_at) VALUES (?, ?, ?, ?) \
             ON CONFLICT (tenant_id, name) DO UPDATE SET definition = excluded.definition \
             RETURNING {MENU_COLUMNS}"
        );
        let row = sqlx::query_as::<_, MenuDbRow>(&sql)
            .bind(self.id.0)
            .bind(menu.name.as_str())
            .bind(definition)
            .bind(now)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| constraint(e, &what, &format!("tenant {}", self.id)))?;
        let row = MenuRow::try_from(row)?;
        record(&mut tx, self.id).await?;
        tx.commit().await?;
        Ok((row, created))
    }

    /// Changes menu `name` with `edit` in one write transaction (read, edit, validate as
    /// [`TenantStore::put_menu`] does, write), so concurrent edits never lose each other.
    /// `NotFound("ivr menu NAME")` if absent; an `edit` error is returned as is and nothing
    /// is written. `edit` may not rename the menu.
    pub async fn update_menu(
        &self,
        name: &IvrName,
        edit: impl FnOnce(&mut Menu) -> Result<(), StoreError>,
    ) -> Result<MenuRow, StoreError> {
        let mut tx = write_tx(&self.pool).await?;
        let mut set = fetch_set(&mut tx, self.id).await?;
        let mut menu = set
            .get(name)
            .cloned()
            .ok_or_else(|| StoreError::NotFound(format!("ivr menu {name}")))?;
        edit(&mut menu)?;
        if menu.name != *name {
            return Err(StoreError::Invalid(format!(
                "name: menu {name} cannot be renamed to {}",
                menu.name
            )));
        }
        let definition = serde_json::to_string(&menu)
            .map_err(|e| StoreError::Invalid(format!("menu {name}: {e}")))?;
        set.insert(menu);
        validate(&mut tx, self.id, &set).await?;
        let sql = format!(
            "UPDATE ivr_menus SET definition = ? WHERE tenant_id = ? AND name = ? \
             RETURNING {MENU_COLUMNS}"
        );
        let row = sqlx::query_as::<_, MenuDbRow>(&sql)
            .bind(definition)
            .bind(self.id.0)
            .bind(name.as_str())
            .fetch_one(&mut *tx)
            .await?;
        let row = MenuRow::try_from(row)?;
        record(&mut tx, self.id).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Removes menu `name`. `NotFound("ivr menu NAME")` if absent; `InUse` naming every
    /// menu (with its field) and number that still sends calls to it.
    pub async fn remove_menu(&self, name: &IvrName) -> Result<(), StoreError> {
        let mut tx = write_tx(&self.pool).await?;
        let set = fetch_set(&mut tx, self.id).await?;
        if !set.contains(name) {
            return Err(StoreError::NotFound(format!("ivr menu {name}")));
        }
        let mut users: Vec<String> = set
            .referrers(name)
            .into_iter()
            .map(|(menu, field)| format!("menu {menu} ({field})"))
            .collect();
        let numbers: Vec<String> = sqlx::query_scalar(
            "SELECT display FROM numbers WHERE tenant_id = ? AND target = ? ORDER BY number",
        )
        .bind(self.id.0)
        .bind(format!("ivr:{name}"))
        .fetch_all(&mut *tx)
        .await?;
        users.extend(numbers.into_iter().map(|n| format!("number {n}")));
        if !users.is_empty() {
            return Err(StoreError::InUse(format!(
                "ivr menu {name} is used by {}",
                users.join(", ")
            )));
        }
        sqlx::query("DELETE FROM ivr_menus WHERE tenant_id = ? AND name = ?")
            .bind(self.id.0)
            .bind(name.as_str())
            .execute(&mut *tx)
            .await?;
        record(&mut tx, self.id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Menu `name` of this tenant, if any.
    pub async fn get_menu(&self, name: &IvrName) -> Result<Option<MenuRow>, StoreError> {
        let sql = format!("SELECT {MENU_COLUMNS} FROM ivr_menus WHERE tenant_id = ? AND name = ?");
        sqlx::query_as::<_, MenuDbRow>(&sql)
            .bind(self.id.0)
            .bind(name.as_str())
            .fetch_optional(&self.pool)
            .await?
            .map(MenuRow::try_from)
            .transpose()
    }

    /// This tenant's menus, ordered by name.
    pub async fn list_menus(&self) -> Result<Vec<MenuRow>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        fetch_rows(&mut conn, self.id).await
    }

    /// This tenant's menus as one set, for running calls through them.
    pub async fn load_menus(&self) -> Result<MenuSet, StoreError> {
        let mut conn = self.pool.acquire().await?;
        fetch_set(&mut conn, self.id).await
    }
}

/// All menus of `tenant`, ordered by name.
async fn fetch_rows(
    conn: &mut SqliteConnection,
    tenant: TenantId,
) -> Result<Vec<MenuRow>, StoreError> {
    let sql = format!("SELECT {MENU_COLUMNS} FROM ivr_menus WHERE tenant_id = ? ORDER BY name");
    sqlx::query_as::<_, MenuDbRow>(&sql)
        .bind(tenant.0)
        .fetch_all(conn)
        .await?
        .into_iter()
        .map(MenuRow::try_from)
        .collect()
}

/// All menus of `tenant` as a set.
async fn fetch_set(conn: &mut SqliteConnection, tenant: TenantId) -> Result<MenuSet, StoreError> {
    Ok(fetch_rows(conn, tenant)
        .await?
        .into_iter()
        .map(|r| r.menu)
        .collect())
}

/// `Invalid` unless `set` passes validation against `tenant`'s prompts and extensions.
async fn validate(
    conn: &mut SqliteConnection,
    tenant: TenantId,
    set: &MenuSet,
) -> Result<(), StoreError> {
    let prompts: Vec<String> = sqlx::query_scalar("SELECT name FROM prompts WHERE tenant_id = ?")
        .bind(tenant.0)
        .fetch_all(&mut *conn)
        .await?;
    let prompts = prompts
        .iter()
        .map(|p| parse("prompts.name", p))
        .collect::<Result<BTreeSet<PromptName>, _>>()?;
    let extensions: Vec<String> =
        sqlx::query_scalar("SELECT extension FROM users WHERE tenant_id = ?")
            .bind(tenant.0)
            .fetch_all(&mut *conn)
            .await?;
    let extensions = extensions
        .iter()
        .map(|e| parse("users.extension", e))
        .collect::<Result<BTreeSet<Extension>, _>>()?;
    set.validate(&prompts, &extensions).map_err(invalid)
}

/// `NotFound("tenant ID")` unless the tenant exists.
async fn require_tenant(conn: &mut SqliteConnection, tenant: TenantId) -> Result<(), StoreError> {
    let found: Option<i64> = sqlx::query_scalar("SELECT 1 FROM tenants WHERE id = ?")
        .bind(tenant.0)
        .fetch_optional(conn)
        .await?;
    found
        .map(|_| ())
        .ok_or_else(|| StoreError::NotFound(format!("tenant {tenant}")))
}

/// `NotFound("ivr menu NAME")` unless `tenant` has a menu called `name`.
pub(crate) async fn require_menu(
    conn: &mut SqliteConnection,
    tenant: TenantId,
    name: &IvrName,
) -> Result<(), StoreError> {
    let found: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM ivr_menus WHERE tenant_id = ? AND name = ?")
            .bind(tenant.0)
            .bind(name.as_str())
            .fetch_optional(conn)
            .await?;
    found
        .map(|_| ())
        .ok_or_else(|| StoreError::NotFound(format!("ivr menu {name}")))
}
