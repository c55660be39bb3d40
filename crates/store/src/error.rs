//! The store's one error type, and the mapping of constraint violations onto it.
//!
//! Invariant: a unique-key violation always surfaces as [`StoreError::AlreadyExists`] and a
//! missing parent row as [`StoreError::NotFound`], never as a raw database error.

/// Everything a store call can fail with.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The named row (e.g. "extension 1000", "tenant acme.example") does not exist.
    #[error("{0} not found")]
    NotFound(String),
    /// The named row already exists (unique key violated).
    #[error("{0} already exists")]
    AlreadyExists(String),
    /// Any other database failure (busy beyond the timeout, I/O, SQL).
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    /// Applying the embedded migrations failed.
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Creating the data directory failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// A value given to the store is out of range or not one of the known names, e.g.
    /// "call limit 0" or "disposition \"HELD\"".
    #[error("invalid {0}")]
    Invalid(String),
    /// The named row is still referenced and cannot be removed, e.g. "ivr menu main is
    /// used by menu day (options.1), number +7(495)2216005".
    #[error("{0}")]
    InUse(String),
    /// A stored value no longer passes domain validation (edited by hand, or a bug).
    #[error("corrupt row: {0}")]
    Corrupt(String),
}

/// Classifies a failed write: a unique violation means `exists` already exists, a foreign-key
/// violation means the parent `missing` is gone; anything else stays a database error.
pub(crate) fn constraint(err: sqlx::Error, exists: &str, missing: &str) -> StoreError {
    match &err {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            StoreError::AlreadyExists(exists.to_owned())
        }
        sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
            StoreError::NotFound(missing.to_owned())
        }
        _ => StoreError::Db(err),
    }
}
