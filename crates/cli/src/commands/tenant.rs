//! `vpbx tenant create|delete|enable|disable|list`.

use crate::args::TenantCommand;
use crate::output;
use serde::Serialize;
use vpbx_model::Domain;
use vpbx_store::Store;

#[derive(Serialize)]
struct Row {
    domain: String,
    enabled: bool,
    users: usize,
    created_at: i64,
}

/// Runs one tenant command.
pub async fn run(store: &Store, cmd: TenantCommand) -> anyhow::Result<()> {
    match cmd {
        TenantCommand::Create { domain } => {
            let t = store.create_tenant(&domain.parse()?, output::now()).await?;
            println!("created tenant {}", t.domain);
        }
        TenantCommand::Delete { domain, yes } => {
            let d: Domain = domain.parse()?;
            if !yes {
                anyhow::bail!(
                    "deleting {d} removes all its users and data; repeat with --yes to confirm"
                );
            }
            store.delete_tenant(&d).await?;
            println!("deleted tenant {d}");
        }
        TenantCommand::Enable { domain } => {
            let d: Domain = domain.parse()?;
            store.set_tenant_enabled(&d, true).await?;
            println!("enabled tenant {d}");
        }
        TenantCommand::Disable { domain } => {
            let d: Domain = domain.parse()?;
            store.set_tenant_enabled(&d, false).await?;
            println!("disabled tenant {d}");
        }
        TenantCommand::List(f) => {
            let mut rows = Vec::new();
            for (t, users) in store.load_all().await? {
                rows.push(Row {
                    domain: t.domain.to_string(),
                    enabled: t.enabled,
                    users: users.len(),
                    created_at: t.created_at,
                });
            }
            rows.sort_by(|a, b| a.domain.cmp(&b.domain));
            if f.json {
                output::json(&rows)?;
            } else {
                let table: Vec<Vec<String>> = rows
                    .iter()
                    .map(|r| {
                        vec![
                            r.domain.clone(),
                            if r.enabled { "yes" } else { "no" }.into(),
                            r.users.to_string(),
                        ]
                    })
                    .collect();
                output::table(&["DOMAIN", "ENABLED", "USERS"], &table);
            }
        }
    }
    Ok(())
}
