//! `vpbx number add|list|remove`: a tenant's numbers (DIDs, seed 000 §4.5.1
//! `dial_numbers`), each delivered on a trunk and ringing a target.

use super::tenant_store;
use crate::args::NumberCommand;
use crate::output;
use vpbx_model::TrunkName;
use vpbx_routing::{InboundTarget, PhoneNumber};
use vpbx_store::Store;

/// Parses a trunk name, naming the field `trunk` in the error.
pub(super) fn trunk_name(s: &str) -> anyhow::Result<TrunkName> {
    s.parse::<TrunkName>()
        .map_err(|e| anyhow::anyhow!("invalid trunk: {}", e.reason))
}

/// Runs one number command.
pub async fn run(store: &Store, cmd: NumberCommand) -> anyhow::Result<()> {
    match cmd {
        NumberCommand::Add {
            domain,
            number,
            trunk,
            to,
        } => {
            let number: PhoneNumber = number.parse()?;
            let trunk = trunk_name(&trunk)?;
            let target: InboundTarget = to.parse()?;
            let (d, ts) = tenant_store(store, &domain).await?;
            let row = ts
                .add_number(&number, &trunk, &target, output::now())
                .await?;
            println!(
                "added number {} to {d}: trunk {}, calls to {}",
                row.display, row.trunk, row.target
            );
        }
        NumberCommand::List { domain, json } => {
            let (_, ts) = tenant_store(store, &domain).await?;
            let rows = ts.list_numbers().await?;
            if json {
                output::json(&rows)?;
            } else {
                let table: Vec<Vec<String>> = rows
                    .iter()
                    .map(|r| {
                        vec![
                            r.display.clone(),
                            r.number.to_string(),
                            r.trunk.to_string(),
                            r.target.to_string(),
                        ]
                    })
                    .collect();
                output::table(&["NUMBER", "AS SENT", "TRUNK", "TARGET"], &table);
            }
        }
        NumberCommand::Remove { domain, number } => {
            let number: PhoneNumber = number.parse()?;
            let (d, ts) = tenant_store(store, &domain).await?;
            ts.remove_number(&number).await?;
            println!("removed number {} from {d}", number.display());
        }
    }
    Ok(())
}
