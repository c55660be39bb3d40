//! The command line: a contract that scripts, tests and later work rely on. Extend it;
//! never rename a command or flag.

use clap::{Args, Parser, Subcommand};
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

/// vpbx: a multi-tenant cloud PBX.
#[derive(Debug, Parser)]
#[command(name = "vpbx", version, about)]
pub struct Cli {
    /// Data directory (database, keys); created when missing.
    #[arg(long, global = true, env = "VPBX_DATA", default_value = "./vpbx-data")]
    pub data: PathBuf,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the PBX: SIP over UDP and TCP (and TLS when configured).
    Serve(ServeArgs),
    /// Manage tenants (one SIP domain each).
    #[command(subcommand)]
    Tenant(TenantCommand),
    /// Manage users (extensions) of a tenant.
    #[command(subcommand)]
    User(UserCommand),
    /// Show registrations per tenant.
    Status(JsonFlag),
    /// Call detail records of a tenant.
    #[command(subcommand)]
    Cdr(CdrCommand),
}

/// `vpbx serve` options.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// SIP listen address for UDP and TCP; repeat for several (default 0.0.0.0:5060).
    #[arg(long = "sip", value_name = "ADDR:PORT")]
    pub sip: Vec<SocketAddr>,
    /// SIP over TLS listen address; needs --cert and --key.
    #[arg(long, value_name = "ADDR:PORT", requires_all = ["cert", "key"])]
    pub tls: Option<SocketAddr>,
    /// PEM certificate chain for TLS.
    #[arg(long, value_name = "FILE", requires = "tls")]
    pub cert: Option<PathBuf>,
    /// PEM private key for TLS.
    #[arg(long, value_name = "FILE", requires = "tls")]
    pub key: Option<PathBuf>,
    /// Create (or refresh) the demo tenant with two extensions and print their credentials.
    #[arg(long)]
    pub demo: bool,
    /// Digest algorithms offered to phones, most preferred first (md5, sha256).
    /// `sha256,md5` follows RFC 8760's preference for phones that support it; the default
    /// offers MD5 only because phones built on older libre (baresip 1.0) give up on a 401
    /// that also offers SHA-256, and many others answer only MD5.
    #[arg(long, value_delimiter = ',', default_value = "md5", value_parser = parse_algorithm)]
    pub digest: Vec<vpbx_sip_proto::digest::Algorithm>,
    /// Shortest registration interval accepted, seconds (shorter ones get 423).
    #[arg(long, default_value_t = 60, value_name = "SECONDS")]
    pub min_expires: u32,
    /// Longest registration interval granted, seconds.
    #[arg(long, default_value_t = 3600, value_name = "SECONDS")]
    pub max_expires: u32,
    /// UDP port range for RTP and RTCP relay sockets, both ends above 1023.
    #[arg(long, default_value = "10000-20000", value_name = "LO-HI")]
    pub rtp_ports: String,
    /// Hang up a call that has received no RTP or RTCP for this long; 0 = never.
    #[arg(long, default_value_t = 60, value_name = "SECONDS")]
    pub rtp_timeout: u64,
    /// Address announced in SDP for relayed media (default: the first --sip address, or
    /// the host's primary address when that is 0.0.0.0).
    #[arg(long, value_name = "IP")]
    pub media_ip: Option<IpAddr>,
    /// Call limit of extensions that have none of their own (`vpbx user limits`); a flood
    /// of calls to one extension gets 486 beyond it. 0 = unlimited.
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub default_call_limit: u32,
}

/// A `--json` switch.
#[derive(Debug, Args)]
pub struct JsonFlag {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// `vpbx tenant ...`
#[derive(Debug, Subcommand)]
pub enum TenantCommand {
    /// Create a tenant for a SIP domain.
    Create {
        /// The tenant's SIP domain, e.g. acme.pbx.example.
        domain: String,
    },
    /// Delete a tenant and everything it owns.
    Delete {
        /// The tenant's SIP domain.
        domain: String,
        /// Confirm the deletion (required).
        #[arg(long)]
        yes: bool,
    },
    /// Let a disabled tenant serve calls and registrations again.
    Enable {
        /// The tenant's SIP domain.
        domain: String,
    },
    /// Refuse all SIP requests of a tenant (403) while keeping its data.
    Disable {
        /// The tenant's SIP domain.
        domain: String,
    },
    /// List tenants.
    List(JsonFlag),
}

/// `vpbx user ...`
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add an extension to a tenant.
    Add {
        /// The tenant's SIP domain.
        domain: String,
        /// Extension number (2 to 10 digits); also the SIP user name.
        ext: String,
        /// SIP password (6 to 128 characters); only its digest hashes are stored.
        #[arg(long)]
        password: String,
        /// Display name.
        #[arg(long)]
        name: Option<String>,
        /// E-mail address.
        #[arg(long)]
        email: Option<String>,
        /// Most concurrent calls, incoming and outgoing together (default: no limit).
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
        call_limit: Option<u32>,
        /// Number of calls at which the extension is busy for new incoming calls
        /// (default: never busy by count).
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
        busy_level: Option<u32>,
    },
    /// Change an extension's call limit and busy level; a limit not given is kept.
    Limits {
        /// The tenant's SIP domain.
        domain: String,
        /// Extension number.
        ext: String,
        /// Most concurrent calls, incoming and outgoing together; `none` removes the limit.
        #[arg(long, value_name = "N|none", value_parser = parse_limit)]
        call_limit: Option<Limit>,
        /// Number of calls at which the extension is busy for new incoming calls; `none`
        /// removes it.
        #[arg(long, value_name = "N|none", value_parser = parse_limit)]
        busy_level: Option<Limit>,
    },
    /// Remove an extension and its registrations.
    Remove {
        /// The tenant's SIP domain.
        domain: String,
        /// Extension number.
        ext: String,
    },
    /// Change an extension's SIP password.
    Passwd {
        /// The tenant's SIP domain.
        domain: String,
        /// Extension number.
        ext: String,
        /// New SIP password.
        #[arg(long)]
        password: String,
    },
    /// List a tenant's extensions.
    List {
        /// The tenant's SIP domain.
        domain: String,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Add many extensions from a file of `ext;domain;password[;name]` lines (the sipp
    /// injection format; a first line SEQUENTIAL/RANDOM and `#` comments are skipped).
    /// Missing tenants are created with --create-tenants.
    Import {
        /// The file to read.
        file: PathBuf,
        /// Create tenants named in the file that do not exist yet.
        #[arg(long)]
        create_tenants: bool,
    },
}

/// `vpbx cdr ...`
#[derive(Debug, Subcommand)]
pub enum CdrCommand {
    /// List a tenant's calls, newest first.
    List(CdrListArgs),
}

/// `vpbx cdr list` options. Times are RFC 3339 (2026-11-30T10:00:00Z), a date (2026-11-30,
/// UTC midnight) or an age (30m, 1h, 2d: that long ago).
#[derive(Debug, Args)]
pub struct CdrListArgs {
    /// The tenant's SIP domain.
    pub domain: String,
    /// Only calls started at or after this time.
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Only calls started before this time.
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// Only calls from or to exactly this number or extension.
    #[arg(long, value_name = "NUMBER")]
    pub number: Option<String>,
    /// Only calls with this disposition: ANSWERED, BUSY, "NO ANSWER", FAILED, CANCELLED
    /// (any case; no-answer and no_answer work too).
    #[arg(long, value_name = "DISPOSITION")]
    pub disposition: Option<String>,
    /// At most this many calls.
    #[arg(long, default_value_t = 100, value_name = "N")]
    pub limit: u32,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// A limit argument: a positive number, or `none` for no limit.
#[derive(Clone, Copy, Debug)]
pub struct Limit(pub Option<u32>);

fn parse_limit(s: &str) -> Result<Limit, String> {
    if s.eq_ignore_ascii_case("none") {
        return Ok(Limit(None));
    }
    match s.parse::<u32>() {
        Ok(0) => Err("0 is not a limit (use none for no limit)".into()),
        Ok(n) => Ok(Limit(Some(n))),
        Err(_) => Err(format!("expected a positive number or none, not {s:?}")),
    }
}

fn parse_algorithm(s: &str) -> Result<vpbx_sip_proto::digest::Algorithm, String> {
    use vpbx_sip_proto::digest::Algorithm;
    match s.to_ascii_lowercase().as_str() {
        "md5" => Ok(Algorithm::Md5),
        "sha256" | "sha-256" => Ok(Algorithm::Sha256),
        _ => Err(format!("unknown digest algorithm {s:?} (use md5, sha256)")),
    }
}
