//! `vpbx serve`: run the engine until SIGINT or SIGTERM, then shut down cleanly (every
//! queued registration is written before exit).

use super::user::new_user;
use crate::args::ServeArgs;
use crate::output;
use anyhow::Context;
use rand::distributions::{Alphanumeric, DistString};
use std::path::Path;
use tracing_subscriber::EnvFilter;
use vpbx_engine::{Engine, EngineConfig, TlsConfig};
use vpbx_model::Domain;
use vpbx_sip_proto::registrar::RegistrarPolicy;
use vpbx_store::Store;

/// The demo tenant's domain (`.test` is reserved for testing, RFC 2606).
const DEMO_DOMAIN: &str = "demo.vpbx.test";
/// The demo tenant's extensions.
const DEMO_EXTS: [(&str, &str); 2] = [("1000", "Alice Demo"), ("1001", "Bob Demo")];

/// Runs the server.
pub async fn run(data: &Path, args: ServeArgs) -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_target(false)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    if args.min_expires == 0 || args.min_expires > args.max_expires {
        anyhow::bail!("--min-expires must be at least 1 and at most --max-expires");
    }
    let mut config = EngineConfig::new(data.to_path_buf());
    if !args.sip.is_empty() {
        config.sip = args.sip.clone();
    }
    if let (Some(addr), Some(cert), Some(key)) = (args.tls, args.cert, args.key) {
        config.tls = Some(TlsConfig { addr, cert, key });
    }
    config.digest_algorithms = args.digest.clone();
    config.registrar = RegistrarPolicy {
        min_expires: args.min_expires,
        max_expires: args.max_expires,
        default_expires: args.max_expires.min(3600).max(args.min_expires),
        ..RegistrarPolicy::default()
    };
    if args.demo {
        let store = Store::open(data).await?;
        demo(&store, &config).await?;
    }
    let engine = Engine::start(config)
        .await
        .context("cannot start the server")?;
    tracing::info!(data = %data.display(), "vpbx is running; Ctrl-C stops it");
    shutdown_signal().await;
    tracing::info!("shutting down");
    engine.shutdown().await;
    Ok(())
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Creates the demo tenant if needed, gives its extensions fresh passwords and prints how
/// to register a softphone.
async fn demo(store: &Store, config: &EngineConfig) -> anyhow::Result<()> {
    let domain: Domain = DEMO_DOMAIN.parse()?;
    let tenant = match store.tenant_by_domain(&domain).await? {
        Some(t) => t,
        None => store.create_tenant(&domain, output::now()).await?,
    };
    let ts = store.tenant(tenant.id);
    let addr = config
        .sip
        .first()
        .map(|a| {
            if a.ip().is_unspecified() {
                format!("127.0.0.1:{}", a.port())
            } else {
                a.to_string()
            }
        })
        .unwrap_or_default();
    println!("Demo tenant {domain} (SIP server {addr}, UDP or TCP):");
    for (ext, name) in DEMO_EXTS {
        let password = Alphanumeric.sample_string(&mut rand::thread_rng(), 12);
        let user = new_user(&domain, ext, &password, Some(name), None)?;
        if ts.get_user(&user.extension).await?.is_some() {
            ts.set_password(&user.extension, &user.ha1_md5, &user.ha1_sha256)
                .await?;
        } else {
            ts.add_user(&user, output::now()).await?;
        }
        println!("  extension {ext}  user {ext}  password {password}  domain {domain}");
    }
    println!(
        "Register a softphone with user 1000, its password, domain {domain} and \
         outbound proxy {addr}; e.g. baresip: \
         <sip:1000@{domain};transport=udp>;auth_pass=PASSWORD;outbound=\"sip:{addr}\""
    );
    Ok(())
}
