//! Integration tests of the public store API against real SQLite files in temp directories.

mod bindings;
mod cdrs;
mod feed;
mod isolation;
mod ivr;
mod limits;
mod multi;
mod routing;
mod tenants;
mod trunks;
mod users;

use tempfile::TempDir;
use vpbx_model::{Domain, Extension};
use vpbx_store::{Disposition, HangupSide, NewCdr, NewUser, Store, StoredBinding, Tenant};

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
        call_limit: None,
        busy_level: None,
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

/// An answered call `call_id` from `caller` to `callee` that started at `started_at` ms,
/// was answered 2 s later and ended 30 s after the start, with every optional field set.
pub fn cdr(call_id: &str, caller: &str, callee: &str, started_at: i64) -> NewCdr {
    NewCdr {
        call_id: call_id.to_owned(),
        caller: caller.to_owned(),
        callee: callee.to_owned(),
        started_at,
        answered_at: Some(started_at + 2_000),
        ended_at: started_at + 30_000,
        disposition: Disposition::Answered,
        hangup_side: HangupSide::Caller,
        hangup_cause: "bye".into(),
        codec_a: Some("PCMA".into()),
        codec_b: Some("PCMU".into()),
        quality: Some(serde_json::json!({"a": {"loss": 0.5, "jitter_ms": 3}, "b": null})),
        recording: None,
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
