//! `vpbx account add|list|remove|passwd`: web and API accounts (issue 6): the platform
//! admin, tenant admins and tenant users. Passwords are stored as argon2id hashes only.

use super::tenant_store;
use crate::args::AccountCommand;
use crate::output;
use anyhow::Context;
use vpbx_api::credentials::hash_password;
use vpbx_model::Extension;
use vpbx_store::{AccountName, NewAccount, Role, Store};

/// Runs one account command.
pub async fn run(store: &Store, cmd: AccountCommand) -> anyhow::Result<()> {
    match cmd {
        AccountCommand::Add {
            name,
            password,
            admin,
            tenant,
            role,
            extension,
        } => {
            let name: AccountName = name.parse()?;
            let (role, tenant) = match (admin, tenant) {
                (true, _) => (Role::Platform, None),
                (false, Some(domain)) => {
                    let role = match role.as_deref().unwrap_or("user") {
                        "admin" => Role::Admin,
                        "user" => Role::User,
                        other => anyhow::bail!("invalid role {other:?} (use admin or user)"),
                    };
                    let (_, ts) = tenant_store(store, &domain).await?;
                    (role, Some(ts.id()))
                }
                (false, None) => anyhow::bail!("give --admin or --tenant DOMAIN"),
            };
            let extension: Option<Extension> = extension.as_deref().map(str::parse).transpose()?;
            let password_hash = hash_password(&password)?;
            let account = store
                .add_account(
                    &NewAccount {
                        name,
                        password_hash,
                        role,
                        tenant,
                        extension,
                    },
                    output::now(),
                )
                .await?;
            match &account.domain {
                Some(d) => println!("added {} account {} of {d}", account.role, account.name),
                None => println!("added platform admin {}", account.name),
            }
        }
        AccountCommand::List(f) => {
            let accounts = store.list_accounts().await?;
            if f.json {
                output::json(&accounts)?;
            } else {
                let rows: Vec<Vec<String>> = accounts
                    .iter()
                    .map(|a| {
                        vec![
                            a.name.to_string(),
                            a.role.to_string(),
                            a.domain.as_ref().map(|d| d.to_string()).unwrap_or_default(),
                            a.extension
                                .as_ref()
                                .map(|e| e.to_string())
                                .unwrap_or_default(),
                        ]
                    })
                    .collect();
                output::table(&["NAME", "ROLE", "TENANT", "EXTENSION"], &rows);
            }
        }
        AccountCommand::Remove { name } => {
            let name: AccountName = name.parse()?;
            store.remove_account(&name).await?;
            println!("removed account {name}");
        }
        AccountCommand::Passwd { name, password } => {
            let name: AccountName = name.parse()?;
            let hash = hash_password(&password)?;
            store
                .set_account_password(&name, &hash)
                .await
                .with_context(|| format!("account {name}"))?;
            println!("password changed for {name}");
        }
    }
    Ok(())
}
