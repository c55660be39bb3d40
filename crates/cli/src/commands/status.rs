//! `vpbx status`: registered contacts per tenant, read from the store (a running server
//! writes them there within a fraction of a second).

use crate::output;
use serde::Serialize;
use vpbx_store::Store;

#[derive(Serialize)]
struct Row {
    domain: String,
    enabled: bool,
    users: usize,
    registered_users: usize,
    contacts: usize,
}

/// Prints one line per tenant.
pub async fn run(store: &Store, json: bool) -> anyhow::Result<()> {
    let now = output::now();
    let mut rows = Vec::new();
    for (t, users) in store.load_all().await? {
        let bindings = store.tenant(t.id).list_bindings(now).await?;
        let mut exts: Vec<&str> = bindings.iter().map(|b| b.extension.as_str()).collect();
        exts.sort_unstable();
        exts.dedup();
        rows.push(Row {
            domain: t.domain.to_string(),
            enabled: t.enabled,
            users: users.len(),
            registered_users: exts.len(),
            contacts: bindings.len(),
        });
    }
    rows.sort_by(|a, b| a.domain.cmp(&b.domain));
    if json {
        return output::json(&rows);
    }
    let table: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.domain.clone(),
                if r.enabled { "yes" } else { "no" }.into(),
                r.users.to_string(),
                r.registered_users.to_string(),
                r.contacts.to_string(),
            ]
        })
        .collect();
    output::table(
        &["DOMAIN", "ENABLED", "USERS", "REGISTERED", "CONTACTS"],
        &table,
    );
    Ok(())
}
