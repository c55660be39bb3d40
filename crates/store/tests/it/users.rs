//! One tenant's users: add (single and bulk), get, list, set password, remove, load.

use crate::{binding, ext, new_user, open, open_with_tenant};
use vpbx_model::TenantId;
use vpbx_store::{NewUser, StoreError};

#[tokio::test]
async fn add_then_get() {
    let (_dir, store, t) = open_with_tenant("acme.example").await;
    let ts = store.tenant(t.id);
    let added = ts.add_user(&new_user("1000", "x"), 55).await.unwrap();
    assert_eq!(added.tenant, t.id);
    assert_eq!(added.extension, ext("1000"));
    assert_eq!(added.name.as_ref().unwrap().as_str(), "User 1000");
    assert_eq!(added.email.as_ref().unwrap().as_str(), "u1000@x.example");
    assert_eq!(added.ha1_md5, "md5-x-1000");
    assert_eq!(added.ha1_sha256, "sha-x-1000");
    assert_eq!(added.created_at, 55);
    assert_eq!(ts.get_user(&ext("1000")).await.unwrap(), Some(added));
    assert_eq!(ts.get_user(&ext("1001")).await.unwrap(), None);
}

#[tokio::test]
async fn optional_fields_may_be_absent() {
    let (_dir, store, t) = open_with_tenant("acme.example").await;
    let ts = store.tenant(t.id);
    let bare = NewUser {
        name: None,
        email: None,
        ..new_user("1000", "x")
    };
    let added = ts.add_user(&bare, 1).await.unwrap();
    assert_eq!(added.name, None);
    assert_eq!(added.email, None);
    assert_eq!(ts.get_user(&ext("1000")).await.unwrap(), Some(added));
}

#[tokio::test]
async fn serialized_user_has_no_secrets() {
    let (_dir, store, t) = open_with_tenant("acme.example").await;
    let user = store
        .tenant(t.id)
        .add_user(&new_user("1000", "x"), 1)
        .await
        .unwrap();
    let json = serde_json::to_string(&user).unwrap();
    assert!(json.contains("\"extension\":\"1000\""), "{json}");
    assert!(!json.contains("md5") && !json.contains("sha"), "{json}");
}

#[tokio::test]
async fn duplicate_extension_is_already_exists() {
    let (_dir, store, t) = open_with_tenant("acme.example").await;
    let ts = store.tenant(t.id);
    ts.add_user(&new_user("1000", "x"), 1).await.unwrap();
    let err = ts.add_user(&new_user("1000", "y"), 2).await.unwrap_err();
    assert!(
        matches!(err, StoreError::AlreadyExists(ref s) if s == "extension 1000"),
        "{err}"
    );
    assert_eq!(
        ts.get_user(&ext("1000")).await.unwrap().unwrap().ha1_md5,
        "md5-x-1000"
    );
}

#[tokio::test]
async fn add_to_missing_tenant_is_not_found() {
    let (_dir, store) = open().await;
    let err = store
        .tenant(TenantId(42))
        .add_user(&new_user("1000", "x"), 1)
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::NotFound(ref s) if s == "tenant 42"),
        "{err}"
    );
    let err = store
        .tenant(TenantId(42))
        .add_users(&[new_user("1000", "x")], 1)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err}");
}

#[tokio::test]
async fn bulk_add_all_or_nothing() {
    let (_dir, store, t) = open_with_tenant("acme.example").await;
    let ts = store.tenant(t.id);
    assert_eq!(ts.add_users(&[], 1).await.unwrap(), 0);
    let batch: Vec<_> = (100..600).map(|n| new_user(&n.to_string(), "x")).collect();
    assert_eq!(ts.add_users(&batch, 1).await.unwrap(), 500);
    assert_eq!(ts.list_users().await.unwrap().len(), 500);

    // Clashes with an existing user: nothing of the batch is kept.
    let clash = vec![
        new_user("700", "x"),
        new_user("150", "x"),
        new_user("701", "x"),
    ];
    let err = ts.add_users(&clash, 2).await.unwrap_err();
    assert!(
        matches!(err, StoreError::AlreadyExists(ref s) if s == "extension 150"),
        "{err}"
    );
    assert_eq!(ts.get_user(&ext("700")).await.unwrap(), None);

    // Repeats itself: named, nothing kept.
    let repeat = vec![
        new_user("800", "x"),
        new_user("801", "x"),
        new_user("800", "y"),
    ];
    let err = ts.add_users(&repeat, 2).await.unwrap_err();
    assert!(
        matches!(err, StoreError::AlreadyExists(ref s) if s == "extension 800"),
        "{err}"
    );
    assert_eq!(ts.list_users().await.unwrap().len(), 500);
}

#[tokio::test]
async fn list_is_ordered_by_extension() {
    let (_dir, store, t) = open_with_tenant("acme.example").await;
    let ts = store.tenant(t.id);
    for e in ["300", "1000", "20"] {
        ts.add_user(&new_user(e, "x"), 1).await.unwrap();
    }
    let exts: Vec<String> = ts
        .list_users()
        .await
        .unwrap()
        .iter()
        .map(|u| u.extension.to_string())
        .collect();
    assert_eq!(exts, ["1000", "20", "300"]);
}

#[tokio::test]
async fn set_password_replaces_both_hashes() {
    let (_dir, store, t) = open_with_tenant("acme.example").await;
    let ts = store.tenant(t.id);
    ts.add_user(&new_user("1000", "x"), 1).await.unwrap();
    ts.set_password(&ext("1000"), "new-md5", "new-sha")
        .await
        .unwrap();
    let u = ts.get_user(&ext("1000")).await.unwrap().unwrap();
    assert_eq!(
        (u.ha1_md5.as_str(), u.ha1_sha256.as_str()),
        ("new-md5", "new-sha")
    );
    let err = ts.set_password(&ext("1001"), "a", "b").await.unwrap_err();
    assert!(
        matches!(err, StoreError::NotFound(ref s) if s == "extension 1001"),
        "{err}"
    );
}

#[tokio::test]
async fn remove_user_removes_its_bindings_only() {
    let (_dir, store, t) = open_with_tenant("acme.example").await;
    let ts = store.tenant(t.id);
    ts.add_user(&new_user("1000", "x"), 1).await.unwrap();
    ts.add_user(&new_user("1001", "x"), 1).await.unwrap();
    store
        .save_bindings(&[
            (
                t.id,
                ext("1000"),
                vec![binding("1000", "sip:a@192.0.2.1", 500)],
            ),
            (
                t.id,
                ext("1001"),
                vec![binding("1001", "sip:b@192.0.2.2", 500)],
            ),
        ])
        .await
        .unwrap();
    ts.remove_user(&ext("1000")).await.unwrap();
    assert_eq!(ts.get_user(&ext("1000")).await.unwrap(), None);
    let left = ts.list_bindings(0).await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].extension, ext("1001"));
    let err = ts.remove_user(&ext("1000")).await.unwrap_err();
    assert_eq!(err.to_string(), "extension 1000 not found");
    // The extension can be re-added, without the old bindings.
    ts.add_user(&new_user("1000", "z"), 2).await.unwrap();
    assert_eq!(ts.list_bindings(0).await.unwrap().len(), 1);
}

#[tokio::test]
async fn load_one_tenant() {
    let (_dir, store, t) = open_with_tenant("acme.example").await;
    let ts = store.tenant(t.id);
    ts.add_users(&[new_user("2000", "x"), new_user("1000", "x")], 1)
        .await
        .unwrap();
    let (tenant, users) = ts.load().await.unwrap().unwrap();
    assert_eq!(tenant, t);
    let exts: Vec<String> = users.iter().map(|u| u.extension.to_string()).collect();
    assert_eq!(exts, ["1000", "2000"]);
    assert_eq!(store.tenant(TenantId(999)).load().await.unwrap(), None);
}
