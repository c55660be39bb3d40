//! Per-extension call limits (Asterisk `call-limit` and `busylevel`): set at creation,
//! changed and cleared, loaded everywhere users are, validated, recorded in the change feed,
//! and scoped to one tenant.

use crate::{domain, ext, new_user, open, open_with_tenant};
use vpbx_store::{NewUser, StoreError};

/// A user with both limits set.
fn limited(extension: &str, call_limit: u32, busy_level: u32) -> NewUser {
    NewUser {
        call_limit: Some(call_limit),
        busy_level: Some(busy_level),
        ..new_user(extension, "x")
    }
}

#[tokio::test]
async fn limits_round_trip_through_every_load_path() {
    let (_dir, store, t) = open_with_tenant("acme.example").await;
    let ts = store.tenant(t.id);
    let added = ts.add_user(&limited("1000", 4, 2), 1).await.unwrap();
    assert_eq!((added.call_limit, added.busy_level), (Some(4), Some(2)));
    ts.add_users(&[limited("1001", 1, 1), new_user("1002", "x")], 1)
        .await
        .unwrap();

    let want = [(Some(4), Some(2)), (Some(1), Some(1)), (None, None)];
    let got = |users: &[vpbx_store::User]| -> Vec<(Option<u32>, Option<u32>)> {
        users.iter().map(|u| (u.call_limit, u.busy_level)).collect()
    };
    assert_eq!(got(&ts.list_users().await.unwrap()), want);
    assert_eq!(got(&ts.load().await.unwrap().unwrap().1), want);
    assert_eq!(got(&store.load_all().await.unwrap()[0].1), want);
    assert_eq!(ts.get_user(&ext("1000")).await.unwrap(), Some(added));
}

#[tokio::test]
async fn set_limits_changes_and_clears_each_limit() {
    let (_dir, store, t) = open_with_tenant("acme.example").await;
    let ts = store.tenant(t.id);
    ts.add_user(&new_user("1000", "x"), 1).await.unwrap();
    let limits = || async {
        let u = ts.get_user(&ext("1000")).await.unwrap().unwrap();
        (u.call_limit, u.busy_level)
    };
    ts.set_limits(&ext("1000"), Some(3), None).await.unwrap();
    assert_eq!(limits().await, (Some(3), None));
    ts.set_limits(&ext("1000"), Some(u32::MAX), Some(1))
        .await
        .unwrap();
    assert_eq!(limits().await, (Some(u32::MAX), Some(1)));
    ts.set_limits(&ext("1000"), None, None).await.unwrap();
    assert_eq!(limits().await, (None, None));
}

#[tokio::test]
async fn zero_is_not_a_limit() {
    let (_dir, store, t) = open_with_tenant("acme.example").await;
    let ts = store.tenant(t.id);
    ts.add_user(&new_user("1000", "x"), 1).await.unwrap();
    for (call_limit, busy_level) in [(Some(0), None), (None, Some(0))] {
        let err = ts
            .set_limits(&ext("1000"), call_limit, busy_level)
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Invalid(_)), "{err}");
        let user = NewUser {
            call_limit,
            busy_level,
            ..new_user("1001", "x")
        };
        let err = ts.add_user(&user, 1).await.unwrap_err();
        assert!(matches!(err, StoreError::Invalid(_)), "{err}");
    }
    assert_eq!(ts.list_users().await.unwrap().len(), 1);
}

#[tokio::test]
async fn set_limits_records_a_change() {
    let (_dir, store, t) = open_with_tenant("acme.example").await;
    let ts = store.tenant(t.id);
    ts.add_user(&new_user("1000", "x"), 1).await.unwrap();
    let seq = store.change_seq().await.unwrap();
    ts.set_limits(&ext("1000"), Some(2), Some(1)).await.unwrap();
    let (_, changes) = store.changes_since(seq).await.unwrap();
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].tenant_id, t.id);
}

#[tokio::test]
async fn set_limits_is_scoped_to_own_tenant() {
    let (_dir, store) = open().await;
    let a = store.create_tenant(&domain("a.example"), 1).await.unwrap();
    let b = store.create_tenant(&domain("b.example"), 1).await.unwrap();
    let (ta, tb) = (store.tenant(a.id), store.tenant(b.id));
    ta.add_user(&new_user("1000", "a"), 1).await.unwrap();
    tb.add_users(&[limited("1000", 5, 5), limited("2000", 5, 5)], 1)
        .await
        .unwrap();
    let err = ta
        .set_limits(&ext("2000"), Some(1), Some(1))
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::NotFound(ref s) if s == "extension 2000"),
        "{err}"
    );
    ta.set_limits(&ext("1000"), Some(1), Some(1)).await.unwrap();
    for u in tb.list_users().await.unwrap() {
        assert_eq!((u.call_limit, u.busy_level), (Some(5), Some(5)));
    }
}
