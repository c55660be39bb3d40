//! Offset pagination of lists that the store returns whole (tenants, users, trunks,
//! numbers, directions, registrations, blocked addresses).
//!
//! Invariants: `limit` is 1 to [`MAX_LIMIT`] (default [`DEFAULT_LIMIT`]); `next_offset` is
//! present exactly when more items follow.

use crate::ApiError;
use serde::Serialize;
use utoipa::ToSchema;

/// Items per page when `limit` is not given.
pub const DEFAULT_LIMIT: u32 = 100;
/// Largest `limit` accepted.
pub const MAX_LIMIT: u32 = 1000;

/// One page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// How many items the whole (filtered) list has.
    pub total: usize,
    /// The `offset` of the next page, if there is one.
    pub next_offset: Option<usize>,
}

/// Checks `limit` (1 to [`MAX_LIMIT`]), naming the field when it is out of range.
pub fn limit(limit: Option<u32>) -> Result<u32, ApiError> {
    match limit {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Some(_) => Err(ApiError::invalid(
            "limit",
            format!("must be 1 to {MAX_LIMIT}"),
        )),
    }
}

/// The page of `items` starting at `offset` with at most `limit` items.
pub fn paginate<T>(
    items: Vec<T>,
    limit_arg: Option<u32>,
    offset: Option<usize>,
) -> Result<Page<T>, ApiError> {
    let limit = usize::try_from(limit(limit_arg)?).unwrap_or(usize::MAX);
    let offset = offset.unwrap_or(0);
    let total = items.len();
    let items: Vec<T> = items.into_iter().skip(offset).take(limit).collect();
    let end = offset.saturating_add(items.len());
    Ok(Page {
        next_offset: (end < total).then_some(end),
        items,
        total,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages() {
        let p = paginate((0..5).collect(), Some(2), Some(2)).unwrap();
        assert_eq!((p.items, p.total, p.next_offset), (vec![2, 3], 5, Some(4)));
        let p = paginate((0..5).collect(), Some(2), Some(4)).unwrap();
        assert_eq!((p.items, p.next_offset), (vec![4], None));
        assert!(paginate(vec![1], Some(0), None).is_err());
        assert!(paginate(vec![1], Some(MAX_LIMIT + 1), None).is_err());
    }
}
