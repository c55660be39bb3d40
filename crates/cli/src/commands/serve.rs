//! `vpbx serve`: run the engine, the REST API and web cabinet (`--http`, default
//! 127.0.0.1:8080; `--https` with a configured or self-signed certificate) until
//! SIGINT or SIGTERM, then shut down cleanly (every queued registration is written before
//! exit, the API finishes its requests).

use super::self_signed::{self, CertFiles};
use super::user::new_user;
use crate::args::ServeArgs;
use crate::output;
use anyhow::Context;
use rand::distributions::{Alphanumeric, DistString};
use std::collections::HashMap;
use std::ops::RangeInclusive;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio_rustls::TlsAcceptor;
use tracing_subscriber::EnvFilter;
use vpbx_api::{ApiConfig, ApiState};
use vpbx_engine::live::LiveCalls;
use vpbx_engine::{Engine, EngineConfig, TlsConfig};
use vpbx_mail::{Security, SmtpConfig};
use vpbx_model::{ActiveCall, Domain, TenantId};
use vpbx_sip_proto::registrar::RegistrarPolicy;
use vpbx_store::{AccountName, NewAccount, Role, SecretBox, Store};

/// The demo tenant's domain (`.test` is reserved for testing, RFC 2606).
const DEMO_DOMAIN: &str = "demo.vpbx.test";
/// The demo tenant's web admin account.
const DEMO_ACCOUNT: &str = "demo";
/// The demo tenant's extensions.
const DEMO_EXTS: [(&str, &str); 2] = [("1000", "Alice Demo"), ("1001", "Bob Demo")];

/// Runs the server.
pub async fn run(data: &Path, args: ServeArgs) -> anyhow::Result<()> {
    let rtp_ports = parse_port_range(&args.rtp_ports)
        .map_err(|e| anyhow::anyhow!("--rtp-ports {:?}: {e}", args.rtp_ports))?;
    let smtp = smtp_config(&args)?;
    if args
        .media_ip
        .is_some_and(|ip| ip.is_unspecified() || ip.is_multicast())
    {
        anyhow::bail!("--media-ip must be a unicast address phones can reach, not 0.0.0.0 or ::");
    }
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
    config.rtp_ports = rtp_ports;
    config.rtp_timeout = Duration::from_secs(args.rtp_timeout);
    config.media_ip = args.media_ip;
    config.carrier_ca = args.carrier_ca.clone();
    config.recording_min_free = args.recording_min_free.saturating_mul(1024 * 1024);
    if let Some(smtp) = &smtp {
        tracing::info!(server = %smtp.server(), security = %smtp.security, from = %smtp.from,
            "voicemail is mailed through SMTP");
    }
    config.smtp = smtp;
    config.default_call_limit = (args.default_call_limit > 0).then_some(args.default_call_limit);
    config.registrar = RegistrarPolicy {
        min_expires: args.min_expires,
        max_expires: args.max_expires,
        default_expires: args.max_expires.min(3600).max(args.min_expires),
        ..RegistrarPolicy::default()
    };
    if args.demo {
        let store = Store::open(data).await?;
        demo(&store, &config).await?;
        demo_login(&store, args.http.0, args.https).await?;
    }
    let engine = Engine::start(config)
        .await
        .context("cannot start the server")?;
    let mut web = Vec::new();
    if let Some(addr) = args.http.0 {
        web.push(start_api(data, addr, None, engine.live_calls()).await?);
    }
    if let Some(addr) = args.https {
        let files = match (args.https_cert, args.https_key) {
            (Some(cert), Some(key)) => CertFiles { cert, key },
            _ => self_signed::ensure(data, addr)?,
        };
        let acceptor = vpbx_engine::transport::tls::acceptor(&files.cert, &files.key)
            .context("cannot use the HTTPS certificate")?;
        web.push(start_api(data, addr, Some(acceptor), engine.live_calls()).await?);
    }
    tracing::info!(data = %data.display(), "vpbx is running; Ctrl-C stops it");
    shutdown_signal().await;
    tracing::info!("shutting down");
    let tasks: Vec<_> = web
        .into_iter()
        .map(|(stop, task)| {
            let _ = stop.send(());
            task
        })
        .collect();
    engine.shutdown().await;
    for task in tasks {
        match task.await {
            Ok(Err(e)) => tracing::warn!(error = %e, "REST API stopped with an error"),
            Err(e) => tracing::warn!(error = %e, "REST API task failed"),
            Ok(Ok(())) => {}
        }
    }
    Ok(())
}

/// Binds `--http` (plain, `tls` is `None`) or `--https` and serves the REST API and web
/// cabinet on it, showing the engine's calls in progress `live`, until the returned sender
/// fires.
async fn start_api(
    data: &Path,
    addr: std::net::SocketAddr,
    tls: Option<TlsAcceptor>,
    live: Arc<LiveCalls>,
) -> anyhow::Result<(
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<std::io::Result<()>>,
)> {
    let flag = if tls.is_some() { "--https" } else { "--http" };
    let store = Store::open(data).await?;
    let secrets = SecretBox::open_or_create(data)?;
    let config = ApiConfig {
        secure_cookies: tls.is_some(),
        data_dir: Some(data.to_owned()),
    };
    let state = ApiState::new(store, secrets, config).with_live_calls(Arc::new(EngineCalls(live)));
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen for {flag} on {addr}"))?;
    let local = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let stopped = async move {
        let _ = stopped.await;
    };
    let (scheme, task) = match tls {
        Some(acceptor) => (
            "https",
            tokio::spawn(vpbx_api::serve_tls(listener, acceptor, state, stopped)),
        ),
        None => (
            "http",
            tokio::spawn(vpbx_api::serve(listener, state, stopped)),
        ),
    };
    tracing::info!(url = %format!("{scheme}://{local}/"), "web cabinet and REST API listening");
    Ok((stop, task))
}

/// The engine's live view of calls as the API's read-only [`vpbx_api::live::LiveCalls`].
struct EngineCalls(Arc<LiveCalls>);

impl vpbx_api::live::LiveCalls for EngineCalls {
    fn of_tenant(&self, tenant: TenantId) -> Vec<ActiveCall> {
        self.0.of_tenant(tenant)
    }

    fn counts(&self) -> HashMap<TenantId, usize> {
        self.0.counts()
    }
}

/// The `--smtp*` flags as mail settings: `None` without `--smtp` (and then no other
/// `--smtp-*` flag may be given), else settings that passed [`SmtpConfig::validate`] — in
/// particular plain text only to a relay on this host.
fn smtp_config(args: &ServeArgs) -> anyhow::Result<Option<SmtpConfig>> {
    let Some(server) = &args.smtp else {
        let stray = [
            (args.smtp_user.is_some(), "--smtp-user"),
            (args.smtp_password_file.is_some(), "--smtp-password-file"),
            (args.smtp_from.is_some(), "--smtp-from"),
            (args.smtp_security != "starttls", "--smtp-security"),
        ];
        if let Some((_, flag)) = stray.iter().find(|(given, _)| *given) {
            anyhow::bail!("{flag} needs --smtp HOST:PORT");
        }
        return Ok(None);
    };
    let (host, port) =
        parse_host_port(server).map_err(|e| anyhow::anyhow!("--smtp {server:?}: {e}"))?;
    let security: Security = args.smtp_security.parse().map_err(|_| {
        anyhow::anyhow!(
            "--smtp-security {:?}: use none, starttls or tls",
            args.smtp_security
        )
    })?;
    let from = match &args.smtp_from {
        Some(from) => {
            vpbx_mail::parse_mailbox(from).map_err(|e| anyhow::anyhow!("--smtp-from: {e}"))?
        }
        None => vpbx_mail::default_from(),
    };
    let mut config = SmtpConfig::new(host, port, security, from);
    match (&args.smtp_user, &args.smtp_password_file) {
        (Some(user), Some(file)) => {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("--smtp-password-file: cannot read {}", file.display()))?;
            let password = text.lines().next().unwrap_or("");
            if password.is_empty() {
                anyhow::bail!(
                    "--smtp-password-file: {} has no password on its first line",
                    file.display()
                );
            }
            config.username = Some(user.clone());
            config.password = Some(password.to_owned());
        }
        (Some(_), None) => anyhow::bail!("--smtp-user needs --smtp-password-file FILE"),
        (None, Some(_)) => anyhow::bail!("--smtp-password-file needs --smtp-user USER"),
        (None, None) => {}
    }
    config.validate()?;
    Ok(Some(config))
}

/// Splits `HOST:PORT` (`[v6]:PORT`, or a bare IPv6 address before the last colon) for
/// `--smtp`.
fn parse_host_port(s: &str) -> Result<(String, u16), String> {
    let (host, port) = s
        .rsplit_once(':')
        .ok_or_else(|| "expected HOST:PORT, e.g. smtp.example.com:587".to_owned())?;
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    let name_ok = !host.is_empty()
        && host.len() <= 253
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
    if !name_ok && host.parse::<std::net::IpAddr>().is_err() {
        return Err(format!("{host:?} is not a host name or IP address"));
    }
    match port.parse::<u16>() {
        Ok(p) if p > 0 => Ok((host.to_owned(), p)),
        _ => Err(format!("{port:?} is not a port number (1-65535)")),
    }
}

/// Parses `LO-HI` for `--rtp-ports`: both above 1023, LO below HI, and room for at least
/// one RTP/RTCP pair (an even port and the odd one after it, RFC 3550 §11).
fn parse_port_range(s: &str) -> Result<RangeInclusive<u16>, String> {
    let (lo, hi) = s
        .split_once('-')
        .ok_or_else(|| "expected LO-HI, e.g. 10000-20000".to_string())?;
    let port = |p: &str| {
        p.trim()
            .parse::<u16>()
            .map_err(|_| format!("{p:?} is not a port number (1024-65535)"))
    };
    let (lo, hi) = (port(lo)?, port(hi)?);
    if lo <= 1023 || hi <= 1023 {
        return Err("ports must be above 1023".into());
    }
    if lo >= hi {
        return Err("LO must be less than HI".into());
    }
    if lo.next_multiple_of(2) >= hi {
        return Err("the range must hold an even RTP port and the odd RTCP port after it".into());
    }
    Ok(lo..=hi)
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

/// Creates (or gives a fresh password to) the demo tenant's web admin account `demo` and
/// prints where to log in.
async fn demo_login(
    store: &Store,
    http: Option<std::net::SocketAddr>,
    https: Option<std::net::SocketAddr>,
) -> anyhow::Result<()> {
    let domain: Domain = DEMO_DOMAIN.parse()?;
    let tenant = store
        .tenant_by_domain(&domain)
        .await?
        .context("the demo tenant is missing")?;
    let name: AccountName = DEMO_ACCOUNT.parse()?;
    let password = Alphanumeric.sample_string(&mut rand::thread_rng(), 12);
    let hash = vpbx_api::credentials::hash_password(&password)?;
    match store.account_by_name(&name).await? {
        Some(a) if a.tenant == Some(tenant.id) && a.role == Role::Admin => {
            store.set_account_password(&name, &hash).await?;
        }
        Some(_) => {
            println!("Web cabinet: account {name} exists for something else; left alone");
            return Ok(());
        }
        None => {
            let account = NewAccount {
                name: name.clone(),
                password_hash: hash,
                role: Role::Admin,
                tenant: Some(tenant.id),
                extension: None,
            };
            store.add_account(&account, output::now()).await?;
        }
    }
    let urls: Vec<String> = http
        .map(|a| format!("http://{a}/"))
        .into_iter()
        .chain(https.map(|a| format!("https://{a}/")))
        .collect();
    if urls.is_empty() {
        println!("Web cabinet: off (--http off); tenant admin {name} password {password}");
    } else {
        println!(
            "Web cabinet: {}  login {name}  password {password}  (admin of {domain})",
            urls.join(" or ")
        );
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::{parse_port_range, smtp_config};
    use crate::args::{Cli, Command, ServeArgs};
    use clap::Parser;
    use vpbx_mail::Security;

    fn serve(flags: &[&str]) -> ServeArgs {
        let argv = ["vpbx", "serve"].iter().chain(flags);
        match Cli::try_parse_from(argv).unwrap().command {
            Command::Serve(a) => *a,
            _ => unreachable!("serve"),
        }
    }

    #[test]
    fn smtp_flags() {
        assert!(smtp_config(&serve(&[])).unwrap().is_none());
        let c = smtp_config(&serve(&["--smtp", "smtp.example.com:587"]))
            .unwrap()
            .unwrap();
        assert_eq!(
            (c.host.as_str(), c.port, c.security),
            ("smtp.example.com", 587, Security::StartTls)
        );
        assert_eq!(c.from.email.user(), "vpbx");
        assert_eq!(c.username, None);

        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pw");
        std::fs::write(&file, "s3cret pass\n").unwrap();
        let file = file.to_str().unwrap();
        let c = smtp_config(&serve(&[
            "--smtp",
            "[::1]:25",
            "--smtp-security",
            "none",
            "--smtp-user",
            "vm",
            "--smtp-password-file",
            file,
            "--smtp-from",
            "PBX <pbx@acme.example>",
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(
            (c.host.as_str(), c.port, c.security),
            ("::1", 25, Security::None)
        );
        assert_eq!(
            (c.username.as_deref(), c.password.as_deref()),
            (Some("vm"), Some("s3cret pass"))
        );
        assert_eq!(c.from.to_string(), "PBX <pbx@acme.example>");
        let c = smtp_config(&serve(&[
            "--smtp",
            "127.0.0.1:2525",
            "--smtp-security",
            "TLS",
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(c.security, Security::Tls);

        for (flags, expect) in [
            (
                &["--smtp-user", "u"][..],
                "--smtp-user needs --smtp HOST:PORT",
            ),
            (&["--smtp-security", "tls"], "--smtp-security needs --smtp"),
            (&["--smtp", "mail.example.com"], "expected HOST:PORT"),
            (&["--smtp", "mail.example.com:0"], "not a port number"),
            (&["--smtp", "bad host:25"], "not a host name"),
            (
                &["--smtp", "mail.example.com:25", "--smtp-security", "none"],
                "only to a relay on this host",
            ),
            (
                &["--smtp", "mail.example.com:25", "--smtp-security", "ssl"],
                "use none, starttls or tls",
            ),
            (
                &["--smtp", "mail.example.com:25", "--smtp-user", "u"],
                "needs --smtp-password-file",
            ),
            (
                &["--smtp", "mail.example.com:25", "--smtp-from", "nobody"],
                "--smtp-from: bad e-mail address",
            ),
            (
                &[
                    "--smtp",
                    "mail.example.com:25",
                    "--smtp-user",
                    "u",
                    "--smtp-password-file",
                    "/nonexistent/pw",
                ],
                "cannot read",
            ),
        ] {
            let err = format!("{:#}", smtp_config(&serve(flags)).unwrap_err());
            assert!(err.contains(expect), "{flags:?}: {err}");
        }
    }

    #[test]
    fn port_ranges() {
        assert_eq!(parse_port_range("10000-20000"), Ok(10_000..=20_000));
        assert_eq!(parse_port_range("1024-1025"), Ok(1_024..=1_025));
        assert_eq!(parse_port_range("1025-1027"), Ok(1_025..=1_027));
        for bad in [
            "5-1",
            "1023-2000",
            "2000-1000",
            "2000-2000",
            "1025-1026",
            "10000",
            "a-b",
            "10000-70000",
            "-",
        ] {
            assert!(parse_port_range(bad).is_err(), "{bad}");
        }
    }
}
