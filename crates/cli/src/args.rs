//! The command line: a contract that scripts, tests and later work rely on. Extend it;
//! never rename a command or flag.

use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
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
    /// Digest algorithms offered to phones, most preferred first (MD5, SHA-256).
    /// `sha256,md5` follows RFC 8760's preference; the default puts MD5 first because many
    /// deployed phones answer only the first challenge and know only MD5.
    #[arg(long, value_delimiter = ',', default_value = "md5,sha256", value_parser = parse_algorithm)]
    pub digest: Vec<vpbx_sip_proto::digest::Algorithm>,
    /// Shortest registration interval accepted, seconds (shorter ones get 423).
    #[arg(long, default_value_t = 60, value_name = "SECONDS")]
    pub min_expires: u32,
    /// Longest registration interval granted, seconds.
    #[arg(long, default_value_t = 3600, value_name = "SECONDS")]
    pub max_expires: u32,
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

fn parse_algorithm(s: &str) -> Result<vpbx_sip_proto::digest::Algorithm, String> {
    use vpbx_sip_proto::digest::Algorithm;
    match s.to_ascii_lowercase().as_str() {
        "md5" => Ok(Algorithm::Md5),
        "sha256" | "sha-256" => Ok(Algorithm::Sha256),
        _ => Err(format!("unknown digest algorithm {s:?} (use md5, sha256)")),
    }
}
