//! Tenant isolation: tenant A's handle can never read, modify or delete tenant B's rows,
//! even where both use the same extension. One test per `TenantStore` method.

use crate::{binding, domain, ext, new_user, open};
use tempfile::TempDir;
use vpbx_model::TenantId;
use vpbx_store::{Store, StoreError, TenantStore};

/// Tenants A and B both have extension 1000 (with different hashes) and one binding on it;
/// only B has extension 2000 (with a binding).
async fn two_tenants() -> (TempDir, Store, TenantStore, TenantStore) {
    let (dir, store) = open().await;
    let a = store.create_tenant(&domain("a.example"), 1).await.unwrap();
    let b = store.create_tenant(&domain("b.example"), 1).await.unwrap();
    let (ta, tb) = (store.tenant(a.id), store.tenant(b.id));
    ta.add_user(&new_user("1000", "a"), 1).await.unwrap();
    tb.add_users(&[new_user("1000", "b"), new_user("2000", "b")], 1)
        .await
        .unwrap();
    store
        .save_bindings(&[
            (
                a.id,
                ext("1000"),
                vec![binding("1000", "sip:a1000@192.0.2.1", 500)],
            ),
            (
                b.id,
                ext("1000"),
                vec![binding("1000", "sip:b1000@192.0.2.2", 500)],
            ),
            (
                b.id,
                ext("2000"),
                vec![binding("2000", "sip:b2000@192.0.2.3", 500)],
            ),
        ])
        .await
        .unwrap();
    (dir, store, ta, tb)
}

/// B's rows, unchanged from `two_tenants`.
async fn assert_b_intact(tb: &TenantStore) {
    let users = tb.list_users().await.unwrap();
    let hashes: Vec<(&str, &str)> = users
        .iter()
        .map(|u| (u.extension.as_str(), u.ha1_md5.as_str()))
        .collect();
    assert_eq!(hashes, [("1000", "md5-b-1000"), ("2000", "md5-b-2000")]);
    let uris: Vec<String> = tb
        .list_bindings(0)
        .await
        .unwrap()
        .into_iter()
        .map(|b| b.uri)
        .collect();
    assert_eq!(uris, ["sip:b1000@192.0.2.2", "sip:b2000@192.0.2.3"]);
}

#[tokio::test]
async fn get_user_sees_own_tenant_only() {
    let (_dir, _store, ta, tb) = two_tenants().await;
    assert_eq!(
        ta.get_user(&ext("1000")).await.unwrap().unwrap().ha1_md5,
        "md5-a-1000"
    );
    assert_eq!(
        tb.get_user(&ext("1000")).await.unwrap().unwrap().ha1_md5,
        "md5-b-1000"
    );
    assert_eq!(ta.get_user(&ext("2000")).await.unwrap(), None);
    assert_eq!(
        ta.get_user(&ext("1000")).await.unwrap().unwrap().tenant,
        ta.id()
    );
}

#[tokio::test]
async fn list_users_sees_own_tenant_only() {
    let (_dir, _store, ta, tb) = two_tenants().await;
    let a = ta.list_users().await.unwrap();
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].ha1_md5, "md5-a-1000");
    assert_b_intact(&tb).await;
}

#[tokio::test]
async fn list_bindings_sees_own_tenant_only() {
    let (_dir, _store, ta, tb) = two_tenants().await;
    let a = ta.list_bindings(0).await.unwrap();
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].uri, "sip:a1000@192.0.2.1");
    assert_b_intact(&tb).await;
}

#[tokio::test]
async fn load_sees_own_tenant_only() {
    let (_dir, _store, ta, tb) = two_tenants().await;
    let (tenant, users) = ta.load().await.unwrap().unwrap();
    assert_eq!(tenant.domain, domain("a.example"));
    assert_eq!(users.len(), 1);
    assert_eq!(users[0].ha1_md5, "md5-a-1000");
    assert_eq!(tb.load().await.unwrap().unwrap().1.len(), 2);
}

#[tokio::test]
async fn remove_user_cannot_touch_other_tenant() {
    let (_dir, _store, ta, tb) = two_tenants().await;
    let err = ta.remove_user(&ext("2000")).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err}");
    ta.remove_user(&ext("1000")).await.unwrap();
    assert!(ta.list_users().await.unwrap().is_empty());
    assert!(ta.list_bindings(0).await.unwrap().is_empty());
    assert_b_intact(&tb).await;
}

#[tokio::test]
async fn set_password_cannot_touch_other_tenant() {
    let (_dir, _store, ta, tb) = two_tenants().await;
    let err = ta
        .set_password(&ext("2000"), "evil", "evil")
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err}");
    ta.set_password(&ext("1000"), "new", "new").await.unwrap();
    assert_eq!(
        ta.get_user(&ext("1000")).await.unwrap().unwrap().ha1_md5,
        "new"
    );
    assert_b_intact(&tb).await;
}

#[tokio::test]
async fn add_user_is_scoped_to_own_tenant() {
    let (_dir, _store, ta, tb) = two_tenants().await;
    // 2000 exists only in B, so A may add its own 2000.
    let added = ta.add_user(&new_user("2000", "a"), 2).await.unwrap();
    assert_eq!(added.tenant, ta.id());
    assert_eq!(ta.list_users().await.unwrap().len(), 2);
    assert_b_intact(&tb).await;
}

#[tokio::test]
async fn add_users_is_scoped_to_own_tenant() {
    let (_dir, _store, ta, tb) = two_tenants().await;
    assert_eq!(
        ta.add_users(&[new_user("2000", "a"), new_user("3000", "a")], 2)
            .await
            .unwrap(),
        2
    );
    assert_eq!(ta.list_users().await.unwrap().len(), 3);
    assert_b_intact(&tb).await;
}

#[tokio::test]
async fn save_bindings_replaces_only_the_named_tenant() {
    let (_dir, store, ta, tb) = two_tenants().await;
    store
        .save_bindings(&[(ta.id(), ext("1000"), Vec::new())])
        .await
        .unwrap();
    assert!(ta.list_bindings(0).await.unwrap().is_empty());
    // A binding for A's 2000, which only B has, is dropped rather than landing in B.
    store
        .save_bindings(&[(
            ta.id(),
            ext("2000"),
            vec![binding("2000", "sip:x@192.0.2.9", 500)],
        )])
        .await
        .unwrap();
    assert!(ta.list_bindings(0).await.unwrap().is_empty());
    assert_b_intact(&tb).await;
}

#[tokio::test]
async fn deleting_a_tenant_leaves_the_other_intact() {
    let (_dir, store, ta, tb) = two_tenants().await;
    store.delete_tenant(&domain("a.example")).await.unwrap();
    assert!(ta.list_users().await.unwrap().is_empty());
    assert_b_intact(&tb).await;
}

#[tokio::test]
async fn handle_of_unknown_tenant_sees_nothing() {
    let (_dir, store, _ta, tb) = two_tenants().await;
    let ghost = store.tenant(TenantId(999));
    assert!(ghost.list_users().await.unwrap().is_empty());
    assert!(ghost.list_bindings(0).await.unwrap().is_empty());
    assert_eq!(ghost.get_user(&ext("1000")).await.unwrap(), None);
    assert_eq!(ghost.load().await.unwrap(), None);
    assert!(ghost.remove_user(&ext("1000")).await.is_err());
    assert!(ghost.set_password(&ext("1000"), "x", "y").await.is_err());
    assert_b_intact(&tb).await;
}
