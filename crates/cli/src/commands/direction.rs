//! `vpbx direction add|list|remove`: a tenant's outbound directions (seed 000 §4.5.3
//! `directions`, with the digit fields of §4.5.2).

use super::number::trunk_name;
use super::tenant_store;
use crate::args::{DirectionAddArgs, DirectionCommand};
use crate::output;
use vpbx_routing::{Direction, DirectionKind, Pattern, Prefix};
use vpbx_store::{NewDirection, Store};

/// Runs one direction command.
pub async fn run(store: &Store, cmd: DirectionCommand) -> anyhow::Result<()> {
    match cmd {
        DirectionCommand::Add(a) => add(store, a).await?,
        DirectionCommand::List { domain, json } => {
            let (_, ts) = tenant_store(store, &domain).await?;
            let rows = ts.list_directions().await?;
            if json {
                output::json(&rows)?;
            } else {
                let table: Vec<Vec<String>> = rows.iter().map(row).collect();
                output::table(
                    &[
                        "ID", "KIND", "PATTERN", "STRIP", "PREFIX", "TRUNKS", "PRIORITY", "ENABLED",
                    ],
                    &table,
                );
            }
        }
        DirectionCommand::Remove { domain, id } => {
            let (d, ts) = tenant_store(store, &domain).await?;
            ts.remove_direction(id).await?;
            println!("removed direction {id} from {d}");
        }
    }
    Ok(())
}

/// `vpbx direction add`: every value is checked before the store is touched.
async fn add(store: &Store, a: DirectionAddArgs) -> anyhow::Result<()> {
    let new = NewDirection {
        kind: a.kind.parse::<DirectionKind>()?,
        pattern: a.pattern.as_deref().map(Pattern::parse).transpose()?,
        strip: a.strip,
        prefix: a.prefix.parse::<Prefix>()?,
        trunks: a
            .trunks
            .iter()
            .map(|t| trunk_name(t))
            .collect::<anyhow::Result<_>>()?,
        priority: a.priority,
        enabled: !a.disabled,
    };
    let (d, ts) = tenant_store(store, &a.domain).await?;
    let added = ts.add_direction(&new, output::now()).await?;
    let r = row(&added);
    println!(
        "added direction {} to {d}: {} {}, strip {}, prefix {}, trunks {}, priority {}, \
         enabled {}",
        r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]
    );
    Ok(())
}

/// One table row: id, kind, pattern (or the built-in ones), strip, prefix, trunks,
/// priority, enabled.
fn row(d: &Direction) -> Vec<String> {
    let pattern = match &d.pattern {
        Some(p) => p.to_string(),
        None => format!("builtin({})", d.kind.builtin_patterns().join(",")),
    };
    let trunks: Vec<String> = d.trunks.iter().map(|t| t.to_string()).collect();
    vec![
        d.id.to_string(),
        d.kind.to_string(),
        pattern,
        d.strip.to_string(),
        if d.prefix.as_str().is_empty() {
            "-".into()
        } else {
            d.prefix.to_string()
        },
        trunks.join(","),
        d.priority.to_string(),
        if d.enabled { "yes" } else { "no" }.into(),
    ]
}
