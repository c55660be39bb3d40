//! `vpbx route trace` (the routing decision of one call with every rule considered, like
//! ECSS-10 `routing/trace` in seed 002) and `vpbx tenant allow` (the tenant's toll-fraud
//! options, seed 001; international refused by default).

use super::tenant_store;
use crate::args::{RouteCommand, TenantAllowArgs};
use crate::output;
use vpbx_model::Extension;
use vpbx_routing::{decide, AllowPrefix, Decision, Policy, Target, TenantRouting};
use vpbx_store::Store;

/// Runs one route command.
pub async fn run(store: &Store, cmd: RouteCommand) -> anyhow::Result<()> {
    match cmd {
        RouteCommand::Trace {
            domain,
            from,
            to,
            json,
        } => {
            let from: Extension = from.parse()?;
            let (d, ts) = tenant_store(store, &domain).await?;
            let routing: TenantRouting = ts.load_routing().await?.into();
            let decision = decide(&routing, &from, &to);
            if json {
                output::json(&decision)?;
            } else {
                print_trace(&d.to_string(), &from, &to, &decision);
            }
        }
    }
    Ok(())
}

/// Prints a trace: one line per rule, then the result and the numbers as sent.
fn print_trace(domain: &str, from: &Extension, to: &str, decision: &Decision) {
    println!("Trace to {to} from {from} in {domain}");
    for step in &decision.trace {
        println!("  {step}");
    }
    match &decision.target {
        Target::Extension { extension } => {
            println!("Routing result: local extension {extension}");
            println!("B: {extension}");
        }
        Target::Trunks { attempts } => {
            println!("Routing result: external, {} attempt(s)", attempts.len());
            for (i, a) in attempts.iter().enumerate() {
                println!(
                    "  {}. trunk {} B: {} (direction {})",
                    i + 1,
                    a.trunk,
                    a.number,
                    a.direction
                );
            }
        }
        Target::Refused { refusal } => println!("Routing result: refused: {refusal}"),
    }
}

/// `vpbx tenant allow`: changes the options given, then prints them.
pub async fn allow(store: &Store, a: TenantAllowArgs) -> anyhow::Result<()> {
    let prefixes: Vec<AllowPrefix> = a
        .prefixes
        .iter()
        .map(|p| p.parse())
        .collect::<Result<_, _>>()?;
    let (d, ts) = tenant_store(store, &a.domain).await?;
    let mut policy = ts.routing_policy().await?;
    let changed = a.international.is_some() || !prefixes.is_empty() || a.any_country;
    if let Some(on) = a.international {
        policy.international_allowed = on;
    }
    if !prefixes.is_empty() {
        policy.allow_prefixes = prefixes;
    }
    if a.any_country {
        policy.allow_prefixes.clear();
    }
    if changed {
        ts.set_routing_policy(&policy).await?;
    }
    println!("{d}: {}", describe(&policy));
    Ok(())
}

/// One line saying what the tenant may call.
fn describe(p: &Policy) -> String {
    let to = if p.allow_prefixes.is_empty() {
        "every country".to_owned()
    } else {
        let list: Vec<&str> = p.allow_prefixes.iter().map(AllowPrefix::as_str).collect();
        format!("prefixes {}", list.join(", "))
    };
    match p.international_allowed {
        true => format!("international calls allowed to {to}; emergency calls always allowed"),
        false if p.allow_prefixes.is_empty() => {
            "international calls refused; emergency calls always allowed".to_owned()
        }
        false => format!(
            "international calls refused (prefixes {} kept for when they are on); emergency \
             calls always allowed",
            to.trim_start_matches("prefixes ")
        ),
    }
}
