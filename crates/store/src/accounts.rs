//! Web and API accounts (issue 6): the platform admin, tenant admins and tenant users who
//! log in to the REST API and the cabinet. Not SIP users: those are [`crate::User`].
//!
//! Invariants: account names are unique across the platform (they are the login name);
//! a platform account has no tenant, a tenant account exactly one (CHECK in the schema);
//! only a tenant user may be bound to an extension; the password is stored as the PHC
//! string the caller hashed (argon2id in the API crate), never in clear, and is never
//! serialized. Account writes do not touch the change feed: the SIP engine does not use
//! them.

use crate::error::constraint;
use crate::rows::parse;
use crate::store::write_tx;
use crate::{Store, StoreError};
use serde::Serialize;
use std::fmt;
use std::str::FromStr;
use vpbx_model::{Domain, Extension, TenantId};

/// Longest account name accepted.
const MAX_NAME: usize = 64;

/// Columns of [`AccountDbRow`], in order; `a` is `accounts`, `t` the joined `tenants`.
pub(crate) const ACCOUNT_COLUMNS: &str =
    "a.id, a.name, a.password_hash, a.role, a.tenant_id, t.domain, a.extension, a.created_at";
/// The join every account query selects from.
pub(crate) const ACCOUNT_FROM: &str = "accounts AS a LEFT JOIN tenants AS t ON t.id = a.tenant_id";

/// A login name: 1 to 64 of `a-z`, `0-9`, `.`, `_`, `-` and `@`, starting with a letter or
/// digit.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct AccountName(String);

impl AccountName {
    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AccountName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for AccountName {
    type Err = StoreError;

    /// Checks length and characters; `Invalid("username ...")` otherwise.
    fn from_str(s: &str) -> Result<Self, StoreError> {
        let ok_char = |c: char| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-' | '@')
        };
        let first_ok = s
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
        if s.len() > MAX_NAME || !first_ok || !s.chars().all(ok_char) {
            return Err(StoreError::Invalid(format!(
                "username {s:?}: 1 to {MAX_NAME} of a-z, 0-9, '.', '_', '-', '@', \
                 starting with a letter or digit"
            )));
        }
        Ok(AccountName(s.to_owned()))
    }
}

/// What an account may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The platform admin: every tenant, every resource.
    Platform,
    /// A tenant admin: everything of its own tenant.
    Admin,
    /// A tenant user: reads its own call records only.
    User,
}

impl Role {
    /// The stored name: `platform`, `admin` or `user`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Platform => "platform",
            Role::Admin => "admin",
            Role::User => "user",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = StoreError;

    /// Parses `platform`, `admin` or `user` exactly.
    fn from_str(s: &str) -> Result<Self, StoreError> {
        [Role::Platform, Role::Admin, Role::User]
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| StoreError::Invalid(format!("role {s:?} (use admin or user)")))
    }
}

/// A stored account.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Account {
    /// Row id; never reused.
    pub id: i64,
    /// The login name.
    pub name: AccountName,
    /// The argon2id PHC string of the password.
    #[serde(skip)]
    pub password_hash: String,
    /// What the account may do.
    pub role: Role,
    /// The tenant of an admin or user account; `None` for the platform admin.
    pub tenant: Option<TenantId>,
    /// That tenant's domain.
    pub domain: Option<Domain>,
    /// The extension a tenant user is bound to, if any.
    pub extension: Option<Extension>,
    /// Creation time, unix seconds.
    pub created_at: i64,
}

/// An account to add.
#[derive(Clone, Debug)]
pub struct NewAccount {
    /// The login name, unique.
    pub name: AccountName,
    /// The argon2id PHC string of the password.
    pub password_hash: String,
    /// What the account may do.
    pub role: Role,
    /// The tenant (required for `Admin` and `User`, absent for `Platform`).
    pub tenant: Option<TenantId>,
    /// The extension a `User` is bound to, if any.
    pub extension: Option<Extension>,
}

/// An account row joined with its tenant's domain.
#[derive(sqlx::FromRow)]
pub(crate) struct AccountDbRow {
    id: i64,
    name: String,
    password_hash: String,
    role: String,
    tenant_id: Option<i64>,
    domain: Option<String>,
    extension: Option<String>,
    created_at: i64,
}

impl TryFrom<AccountDbRow> for Account {
    type Error = StoreError;
    fn try_from(r: AccountDbRow) -> Result<Self, StoreError> {
        Ok(Account {
            id: r.id,
            name: parse("accounts.name", &r.name)?,
            password_hash: r.password_hash,
            role: parse("accounts.role", &r.role)?,
            tenant: r.tenant_id.map(TenantId),
            domain: r
                .domain
                .as_deref()
                .map(|d| parse("tenants.domain", d))
                .transpose()?,
            extension: r
                .extension
                .as_deref()
                .map(|e| parse("accounts.extension", e))
                .transpose()?,
            created_at: r.created_at,
        })
    }
}

impl Store {
    /// Adds an account. `Invalid` if the role and tenant/extension do not fit together,
    /// `AlreadyExists("account NAME")` if the name is taken, `NotFound("tenant ID")` if the
    /// tenant is gone.
    pub async fn add_account(&self, new: &NewAccount, now: i64) -> Result<Account, StoreError> {
        match (new.role, new.tenant) {
            (Role::Platform, Some(_)) => {
                return Err(StoreError::Invalid("tenant for a platform account".into()))
            }
            (Role::Admin | Role::User, None) => {
                return Err(StoreError::Invalid(
                    "tenant missing for a tenant account".into(),
                ))
            }
            _ => {}
        }
        if new.extension.is_some() && new.role != Role::User {
            return Err(StoreError::Invalid(
                "extension: only a tenant user is bound to one".into(),
            ));
        }
        let label = format!("account {}", new.name);
        let missing = new
            .tenant
            .map_or_else(|| "tenant".to_owned(), |t| format!("tenant {t}"));
        let mut tx = write_tx(&self.pool).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO accounts (name, password_hash, role, tenant_id, extension, created_at) \
             VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(new.name.as_str())
        .bind(&new.password_hash)
        .bind(new.role.as_str())
        .bind(new.tenant.map(|t| t.0))
        .bind(new.extension.as_ref().map(Extension::as_str))
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| constraint(e, &label, &missing))?;
        tx.commit().await?;
        self.account_by_id(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(label))
    }

    /// The account with this row id, if any.
    pub async fn account_by_id(&self, id: i64) -> Result<Option<Account>, StoreError> {
        let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM {ACCOUNT_FROM} WHERE a.id = ?");
        sqlx::query_as::<_, AccountDbRow>(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .map(Account::try_from)
            .transpose()
    }

    /// The account with this login name, if any.
    pub async fn account_by_name(&self, name: &AccountName) -> Result<Option<Account>, StoreError> {
        let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM {ACCOUNT_FROM} WHERE a.name = ?");
        sqlx::query_as::<_, AccountDbRow>(&sql)
            .bind(name.as_str())
            .fetch_optional(&self.pool)
            .await?
            .map(Account::try_from)
            .transpose()
    }

    /// All accounts, ordered by name.
    pub async fn list_accounts(&self) -> Result<Vec<Account>, StoreError> {
        let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM {ACCOUNT_FROM} ORDER BY a.name");
        sqlx::query_as::<_, AccountDbRow>(&sql)
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .map(Account::try_from)
            .collect()
    }

    /// Removes the account with its tokens and sessions; `NotFound("account NAME")` if absent.
    pub async fn remove_account(&self, name: &AccountName) -> Result<(), StoreError> {
        let mut tx = write_tx(&self.pool).await?;
        let done = sqlx::query("DELETE FROM accounts WHERE name = ?")
            .bind(name.as_str())
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("account {name}")));
        }
        tx.commit().await?;
        Ok(())
    }

    /// Replaces the account's password hash and ends its web sessions (API tokens stay);
    /// `NotFound("account NAME")` if absent.
    pub async fn set_account_password(
        &self,
        name: &AccountName,
        password_hash: &str,
    ) -> Result<(), StoreError> {
        let mut tx = write_tx(&self.pool).await?;
        let id: Option<i64> =
            sqlx::query_scalar("UPDATE accounts SET password_hash = ? WHERE name = ? RETURNING id")
                .bind(password_hash)
                .bind(name.as_str())
                .fetch_optional(&mut *tx)
                .await?;
        let id = id.ok_or_else(|| StoreError::NotFound(format!("account {name}")))?;
        sqlx::query("DELETE FROM sessions WHERE account_id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new(name: &str, role: Role, tenant: Option<TenantId>) -> NewAccount {
        NewAccount {
            name: name.parse().unwrap(),
            password_hash: "$argon2id$x".into(),
            role,
            tenant,
            extension: None,
        }
    }

    #[tokio::test]
    async fn accounts_round_trip_and_follow_their_tenant() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).await.unwrap();
        let t = store
            .create_tenant(&"a.example".parse().unwrap(), 1)
            .await
            .unwrap();
        let root = store
            .add_account(&new("root", Role::Platform, None), 5)
            .await
            .unwrap();
        assert_eq!(root.domain, None);
        let admin = store
            .add_account(&new("boss", Role::Admin, Some(t.id)), 5)
            .await
            .unwrap();
        assert_eq!(admin.domain, Some(t.domain.clone()));
        assert!(matches!(
            store
                .add_account(&new("boss", Role::Admin, Some(t.id)), 5)
                .await,
            Err(StoreError::AlreadyExists(_))
        ));
        assert!(matches!(
            store
                .add_account(&new("x", Role::Platform, Some(t.id)), 5)
                .await,
            Err(StoreError::Invalid(_))
        ));
        assert!(matches!(
            store.add_account(&new("y", Role::User, None), 5).await,
            Err(StoreError::Invalid(_))
        ));
        store
            .set_account_password(&admin.name, "$argon2id$y")
            .await
            .unwrap();
        let found = store.account_by_name(&admin.name).await.unwrap().unwrap();
        assert_eq!(found.password_hash, "$argon2id$y");
        store.delete_tenant(&t.domain).await.unwrap();
        let names: Vec<String> = store
            .list_accounts()
            .await
            .unwrap()
            .into_iter()
            .map(|a| a.name.to_string())
            .collect();
        assert_eq!(names, vec!["root"]);
        store.remove_account(&root.name).await.unwrap();
        assert!(store.remove_account(&root.name).await.is_err());
    }

    #[test]
    fn names_are_checked() {
        for bad in ["", "Root", "-a", "a b", &"a".repeat(65)] {
            assert!(bad.parse::<AccountName>().is_err(), "{bad}");
        }
        for good in ["root", "a.b-c_d@acme.example", "1000"] {
            assert!(good.parse::<AccountName>().is_ok(), "{good}");
        }
    }
}
