//! One module per command group; each opens the store it needs and nothing else.

mod account;
mod cdr;
mod direction;
mod ivr;
mod number;
mod prompt;
mod route;
mod self_signed;
mod serve;
mod status;
mod tenant;
mod token;
mod trunk;
mod user;
mod voicemail;

use crate::args::{Cli, Command, TenantGroup};
use anyhow::Context;
use vpbx_model::Domain;
use vpbx_store::{Store, TenantStore};

/// Runs the parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(a) => serve::run(&cli.data, *a).await,
        Command::Tenant(TenantGroup::Base(c)) => {
            tenant::run(&cli.data, &open(&cli.data).await?, c).await
        }
        Command::Tenant(TenantGroup::Allow(a)) => route::allow(&open(&cli.data).await?, a).await,
        Command::Tenant(TenantGroup::Options(a)) => {
            tenant::options(&open(&cli.data).await?, a).await
        }
        Command::User(c) => user::run(&open(&cli.data).await?, c).await,
        Command::Status(f) => status::run(&open(&cli.data).await?, f.json).await,
        Command::Cdr(c) => cdr::run(&open(&cli.data).await?, c).await,
        Command::Trunk(c) => trunk::run(&cli.data, &open(&cli.data).await?, c).await,
        Command::Number(c) => number::run(&open(&cli.data).await?, c).await,
        Command::Direction(c) => direction::run(&open(&cli.data).await?, c).await,
        Command::Route(c) => route::run(&open(&cli.data).await?, c).await,
        Command::Account(c) => account::run(&open(&cli.data).await?, c).await,
        Command::Token(c) => token::run(&open(&cli.data).await?, c).await,
        Command::Prompt(c) => prompt::run(&cli.data, &open(&cli.data).await?, c).await,
        Command::Ivr(c) => ivr::run(&open(&cli.data).await?, c).await,
        Command::Voicemail(c) => voicemail::run(&cli.data, &open(&cli.data).await?, c).await,
    }
}

async fn open(dir: &std::path::Path) -> anyhow::Result<Store> {
    Store::open(dir)
        .await
        .with_context(|| format!("cannot open the data directory {}", dir.display()))
}

/// The store of the tenant with `domain`, or a clear error.
async fn tenant_store(store: &Store, domain: &str) -> anyhow::Result<(Domain, TenantStore)> {
    let domain: Domain = domain.parse()?;
    let tenant = store
        .tenant_by_domain(&domain)
        .await?
        .with_context(|| format!("no tenant {domain}"))?;
    Ok((domain, store.tenant(tenant.id)))
}
