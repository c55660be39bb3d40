//! `vpbx token create|list|revoke`: API tokens (issue 6): 32 random bytes shown once at
//! creation, stored only as their SHA-256 hash.

use crate::args::TokenCommand;
use crate::output;
use vpbx_api::credentials::{random_secret, secret_hash};
use vpbx_store::{AccountName, Store};

/// Runs one token command.
pub async fn run(store: &Store, cmd: TokenCommand) -> anyhow::Result<()> {
    match cmd {
        TokenCommand::Create { account, label } => {
            let account: AccountName = account.parse()?;
            let token = random_secret();
            let row = store
                .add_token(&account, &label, &secret_hash(&token), output::now())
                .await?;
            println!(
                "token {} for {account} (shown only now; keep it secret):",
                row.id
            );
            println!("{token}");
        }
        TokenCommand::List { account, json } => {
            let account: Option<AccountName> = account.as_deref().map(str::parse).transpose()?;
            let tokens = store.list_tokens(account.as_ref()).await?;
            if json {
                output::json(&tokens)?;
            } else {
                let rows: Vec<Vec<String>> = tokens
                    .iter()
                    .map(|t| {
                        vec![
                            t.id.to_string(),
                            t.account.to_string(),
                            t.name.clone(),
                            t.created_at.to_string(),
                        ]
                    })
                    .collect();
                output::table(&["ID", "ACCOUNT", "NAME", "CREATED"], &rows);
            }
        }
        TokenCommand::Revoke { id } => {
            store.revoke_token(id).await?;
            println!("revoked token {id}");
        }
    }
    Ok(())
}
