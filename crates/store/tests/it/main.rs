//! Integration tests of the public store API against real SQLite files in temp directories.

mod bindings;
mod feed;
mod isolation;
mod multi;
mod tenants;
mod users;

use tempfile::TempDir;
use vpbx_model::{Domain, Extension};
use vpbx_store::{NewUser, Store, StoredBinding, Tenant};

pub fn domain(s: &str) -> Domain {
    s.parse().unwrap()
}

pub fn ext(s: &str) -> Extension {
    s.parse().unwrap()
}

/// A user with every optional field set and HA1 values derived from `tag`.
pub fn new_user(extension: &str, tag: &str) -> NewUser {
    NewUser {
        extension: ext(extension),
        name: Some(format!("User {extension}").parse().unwrap()),
        email: Some(format!("u{extension}@{tag}.example").parse().unwrap()),
        ha1_md5: format!("md5-{tag}-{extension}"),
        ha1_sha256: format!("sha-{tag}-{extension}"),
    }
}

/// A binding with every optional field set.
pub fn binding(extension: &str, uri: &str, expires_at: i64) -> StoredBinding {
    StoredBinding {
        extension: ext(extension),
        uri: uri.to_owned(),
        q: Some(0.5),
        expires_at,
        call_id: format!("call-{uri}"),
        cseq: u32::MAX,
        path: vec![
            "<sip:edge1.example;lr>".into(),
            "<sip:edge2.example;lr>".into(),
        ],
        instance: Some("<urn:uuid:00000000-0000-1000-8000-000A95A0E128>".into()),
        user_agent: Some("Phone/1.0".into()),
        source: "192.0.2.1:5060".into(),
        transport: "UDP".into(),
    }
}

/// A fresh store in its own temporary directory (kept alive by the returned guard).
pub async fn open() -> (TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).await.unwrap();
    (dir, store)
}

/// A fresh store with one tenant.
pub async fn open_with_tenant(d: &str) -> (TempDir, Store, Tenant) {
    let (dir, store) = open().await;
    let tenant = store.create_tenant(&domain(d), 100).await.unwrap();
    (dir, store, tenant)
}
