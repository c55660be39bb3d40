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
    Serve(Box<ServeArgs>),
    /// Manage tenants (one SIP domain each) and what they may call.
    #[command(subcommand)]
    Tenant(TenantGroup),
    /// Manage users (extensions) of a tenant.
    #[command(subcommand)]
    User(UserCommand),
    /// Show registrations per tenant.
    Status(JsonFlag),
    /// Call detail records of a tenant.
    #[command(subcommand)]
    Cdr(CdrCommand),
    /// SIP trunks of a tenant: carrier connections, their credentials and registration.
    #[command(subcommand)]
    Trunk(TrunkCommand),
    /// Numbers (DIDs) of a tenant and where their incoming calls go.
    #[command(subcommand)]
    Number(NumberCommand),
    /// Outbound directions of a tenant: which dialed numbers go out through which trunks,
    /// rewritten how.
    #[command(subcommand)]
    Direction(DirectionCommand),
    /// Routing of a tenant's calls: trace where a call would go and why.
    #[command(subcommand)]
    Route(RouteCommand),
    /// Web and API accounts: the platform admin, tenant admins and tenant users.
    #[command(subcommand)]
    Account(AccountCommand),
    /// API tokens of accounts (`Authorization: Bearer TOKEN`).
    #[command(subcommand)]
    Token(TokenCommand),
    /// Voice prompts of a tenant: a WAV file or text spoken by espeak-ng, stored as 8 kHz
    /// mono 16-bit WAV in DATA/tenants/<id>/prompts/.
    #[command(subcommand)]
    Prompt(PromptCommand),
    /// IVR menus of a tenant: prompts, digit options, timeout, schedule and holidays.
    #[command(subcommand)]
    Ivr(IvrCommand),
    /// Voicemail boxes of a tenant's extensions (greeting, e-mail delivery, delete after
    /// sending) and the messages left in them.
    #[command(subcommand)]
    Voicemail(VoicemailCommand),
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
    /// PEM file of extra CA certificates trusted for TLS trunks (a carrier with a private
    /// CA); the system's CA store is always trusted.
    #[arg(long, value_name = "FILE")]
    pub carrier_ca: Option<PathBuf>,
    /// Call limit of extensions that have none of their own (`vpbx user limits`); a flood
    /// of calls to one extension gets 486 beyond it. 0 = unlimited.
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub default_call_limit: u32,
    /// Listen address of the REST API (/api/v1), or `off`.
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR:PORT|off", value_parser = parse_http)]
    pub http: HttpListen,
    /// Listen address of the API and web cabinet over HTTPS (off unless given).
    #[arg(long, value_name = "ADDR:PORT")]
    pub https: Option<SocketAddr>,
    /// PEM certificate chain for --https; without it a self-signed certificate is made on
    /// first start and kept in DATA/https/.
    #[arg(long, value_name = "FILE", requires_all = ["https", "https_key"])]
    pub https_cert: Option<PathBuf>,
    /// PEM private key for --https-cert.
    #[arg(long, value_name = "FILE", requires_all = ["https", "https_cert"])]
    pub https_key: Option<PathBuf>,
    /// SMTP server voicemail is mailed through (off when absent): a host name or IP
    /// address and port, e.g. smtp.example.com:587 or [::1]:25.
    #[arg(long, value_name = "HOST:PORT")]
    pub smtp: Option<String>,
    /// Protection of the SMTP connection: starttls (upgrade, RFC 3207; fails if the server
    /// does not offer it), tls (TLS from the start, port 465) or none. none is allowed only
    /// to a relay on this host (127.0.0.1, ::1, localhost): voicemail audio, caller numbers
    /// and the SMTP password would otherwise cross the network readable by anyone on the
    /// path.
    #[arg(long, value_name = "none|starttls|tls", default_value = "starttls")]
    pub smtp_security: String,
    /// SMTP AUTH user name; needs --smtp-password-file.
    #[arg(long, value_name = "USER")]
    pub smtp_user: Option<String>,
    /// File holding the SMTP password (first line; one trailing newline is ignored). The
    /// password is never taken on the command line, where other local users see it.
    #[arg(long, value_name = "FILE")]
    pub smtp_password_file: Option<PathBuf>,
    /// Sender address of voicemail mails, e.g. "PBX <vpbx@example.com>" (default
    /// vpbx@<this host's name>).
    #[arg(long, value_name = "ADDR")]
    pub smtp_from: Option<String>,
    /// Free space the data disk must keep, MiB: below it new calls are not recorded and
    /// the server logs an ALARM line (checked every 10 s; calls in progress and their
    /// recordings go on).
    #[arg(long, default_value_t = 256, value_name = "MIB")]
    pub recording_min_free: u64,
}

/// `--http`: where the REST API listens, `None` when turned off.
#[derive(Clone, Copy, Debug)]
pub struct HttpListen(pub Option<SocketAddr>);

fn parse_http(s: &str) -> Result<HttpListen, String> {
    if s.eq_ignore_ascii_case("off") {
        return Ok(HttpListen(None));
    }
    s.parse()
        .map(|a| HttpListen(Some(a)))
        .map_err(|_| format!("expected ADDR:PORT (e.g. 127.0.0.1:8080) or off, not {s:?}"))
}

/// `vpbx account ...`
#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Add an account: `--admin` for the platform admin, or `--tenant DOMAIN --role
    /// admin|user` for a tenant's.
    Add {
        /// Login name: a-z, 0-9, '.', '_', '-', '@'.
        name: String,
        /// Password (8 to 256 characters); stored as an argon2id hash.
        #[arg(long)]
        password: String,
        /// Platform admin: every tenant.
        #[arg(long, conflicts_with_all = ["tenant", "role", "extension"])]
        admin: bool,
        /// The tenant's SIP domain (tenant admin or user).
        #[arg(long, value_name = "DOMAIN", required_unless_present = "admin")]
        tenant: Option<String>,
        /// admin (the tenant's configuration) or user (its own call records, read-only).
        #[arg(long, value_name = "admin|user", requires = "tenant")]
        role: Option<String>,
        /// The extension a tenant user is bound to.
        #[arg(long, value_name = "EXT", requires = "tenant")]
        extension: Option<String>,
    },
    /// List accounts.
    List(JsonFlag),
    /// Remove an account with its tokens and sessions.
    Remove {
        /// Login name.
        name: String,
    },
    /// Change an account's password (its web sessions end).
    Passwd {
        /// Login name.
        name: String,
        /// New password.
        #[arg(long)]
        password: String,
    },
}

/// `vpbx token ...`
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API token; it is printed once and stored only hashed.
    Create {
        /// The account the token acts as.
        #[arg(long, value_name = "NAME")]
        account: String,
        /// A label to recognise the token by.
        #[arg(long = "name", value_name = "LABEL", default_value = "cli")]
        label: String,
    },
    /// List tokens (never their values).
    List {
        /// Only this account's tokens.
        #[arg(long, value_name = "NAME")]
        account: Option<String>,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Revoke a token by its id (see `token list`).
    Revoke {
        /// The token's id.
        id: i64,
    },
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

/// `vpbx tenant ...`: the tenant commands plus `allow` (toll-fraud options).
#[derive(Debug, Subcommand)]
pub enum TenantGroup {
    /// Create, delete, enable, disable, list.
    #[command(flatten)]
    Base(TenantCommand),
    /// Show or change what a tenant may call: international calls are refused until
    /// allowed with `--international on`, then only to the `--prefix` countries if given.
    /// Emergency calls are always allowed.
    Allow(TenantAllowArgs),
    /// Show or change a tenant's media options: call recording, who may download
    /// recordings, how long they are kept and how much disk they may use, and music on
    /// hold. Changes apply to the next call, no restart.
    Options(TenantOptionsArgs),
}

/// `vpbx tenant options` flags; with none, prints the current options.
#[derive(Debug, Args)]
pub struct TenantOptionsArgs {
    /// The tenant's SIP domain.
    pub domain: String,
    /// Record every answered call as stereo WAV, caller left, callee right (`on`/`off`).
    #[arg(long, value_name = "on|off", value_parser = parse_on_off)]
    pub record: Option<bool>,
    /// Let the tenant's admins play and download recordings (`on`/`off`).
    #[arg(long, value_name = "on|off", value_parser = parse_on_off)]
    pub recording_download: Option<bool>,
    /// Delete recordings older than this many days (1 to 3650; default 90).
    #[arg(long, value_name = "DAYS")]
    pub recording_retention: Option<u32>,
    /// Disk space the tenant's recordings may use, MiB (default 1024); beyond it new
    /// calls are not recorded.
    #[arg(long, value_name = "MIB")]
    pub recording_quota: Option<u64>,
    /// Music on hold: the prompt (`vpbx prompt add`) a held caller hears, looped; `off`
    /// for none (the held party then hears whatever the holder's phone sends).
    #[arg(long, value_name = "PROMPT|off")]
    pub moh: Option<String>,
    /// DISA: numbers routed `--to disa` answer, and users given a PIN (`vpbx user disa`)
    /// can dial out through them (`on`/`off`; default off).
    #[arg(long, value_name = "on|off", value_parser = parse_on_off)]
    pub disa: Option<bool>,
    /// Print as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `vpbx tenant allow` options; with none, prints the current options.
#[derive(Debug, Args)]
pub struct TenantAllowArgs {
    /// The tenant's SIP domain.
    pub domain: String,
    /// Allow (`on`) or refuse (`off`) international calls.
    #[arg(long, value_name = "on|off", value_parser = parse_on_off)]
    pub international: Option<bool>,
    /// Allow international calls only to numbers starting with this E.164 prefix (country
    /// code, e.g. 39 or 375); repeat for several. Replaces the current list.
    #[arg(long = "prefix", value_name = "DIGITS")]
    pub prefixes: Vec<String>,
    /// Clear the prefix list: international calls (when on) go to every country.
    #[arg(long, conflicts_with = "prefixes")]
    pub any_country: bool,
}

/// `vpbx number ...`
#[derive(Debug, Subcommand)]
pub enum NumberCommand {
    /// Add a number (DID) the carrier delivers on a trunk, and where its calls go.
    Add {
        /// The tenant's SIP domain.
        domain: String,
        /// The number in any usual form: +7(495)2216005, 8 (495) 221-60-05, 74952216005.
        number: String,
        /// The trunk the carrier delivers the number on (`vpbx trunk add`).
        #[arg(long, value_name = "NAME")]
        trunk: String,
        /// Where incoming calls go: ext:NNNN, ivr:NAME (`vpbx ivr add`) or disa (`vpbx tenant
        /// options --disa on`).
        #[arg(long, value_name = "TARGET")]
        to: String,
    },
    /// List a tenant's numbers.
    List {
        /// The tenant's SIP domain.
        domain: String,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Remove a number from a tenant.
    Remove {
        /// The tenant's SIP domain.
        domain: String,
        /// The number, in any form `number add` takes.
        number: String,
    },
}

/// `vpbx prompt ...`
#[derive(Debug, Subcommand)]
pub enum PromptCommand {
    /// Add a prompt from a WAV file (any rate, 8 to 32 bits, mono or stereo; at most 20 MB
    /// and 10 minutes) or from text with --say; either is converted to 8 kHz mono 16-bit.
    Add {
        /// The tenant's SIP domain.
        domain: String,
        /// Prompt name: 1 to 64 of a-z, 0-9, _ and -.
        name: String,
        /// The WAV file (omit with --say).
        #[arg(required_unless_present = "say", conflicts_with = "say")]
        file: Option<PathBuf>,
        /// Text to speak with espeak-ng instead of a file, 1 to 2000 characters.
        #[arg(long, value_name = "TEXT")]
        say: Option<String>,
        /// espeak-ng voice for --say (default en; `espeak-ng --voices` lists them).
        #[arg(long, value_name = "VOICE", requires = "say")]
        voice: Option<String>,
        /// Replace the audio of an existing prompt of that name.
        #[arg(long)]
        replace: bool,
    },
    /// List a tenant's prompts.
    List {
        /// The tenant's SIP domain.
        domain: String,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Remove a prompt and its audio file.
    Remove {
        /// The tenant's SIP domain.
        domain: String,
        /// Prompt name.
        name: String,
    },
}

/// `vpbx ivr ...`
#[derive(Debug, Subcommand)]
pub enum IvrCommand {
    /// Add a menu: its prompts play in order, then it waits for a digit.
    Add(IvrAddArgs),
    /// Bind a digit of a menu to an action, or remove it with --remove.
    Option {
        /// The tenant's SIP domain.
        domain: String,
        /// Menu name.
        name: String,
        /// 0-9, * or #.
        digit: String,
        /// ext:NNNN, ivr:NAME, voicemail:NNNN, hangup or repeat.
        #[arg(required_unless_present = "remove", conflicts_with = "remove")]
        action: Option<String>,
        /// Remove the digit's action.
        #[arg(long)]
        remove: bool,
    },
    /// Append a weekly rule sending calls entering the menu to another menu, or remove
    /// every rule with --clear.
    Schedule {
        /// The tenant's SIP domain.
        domain: String,
        /// Menu name.
        name: String,
        /// Days the interval starts on: mon-fri, sat,sun, mon...
        #[arg(long, required_unless_present = "clear", conflicts_with = "clear")]
        days: Option<String>,
        /// Start, HH:MM (included).
        #[arg(long, value_name = "HH:MM", required_unless_present = "clear")]
        from: Option<String>,
        /// End, HH:MM (excluded); earlier than --from runs over midnight, equal to it
        /// covers 24 hours.
        #[arg(long, value_name = "HH:MM", required_unless_present = "clear")]
        to: Option<String>,
        /// The menu calls go to during the interval.
        #[arg(long, value_name = "MENU", required_unless_present = "clear")]
        goto: Option<String>,
        /// Remove all weekly rules of the menu.
        #[arg(long)]
        clear: bool,
    },
    /// Send calls entering the menu on a date to another menu (checked before the weekly
    /// rules), or remove a date with --remove.
    Holiday {
        /// The tenant's SIP domain.
        domain: String,
        /// Menu name.
        name: String,
        /// The local date, YYYY-MM-DD.
        #[arg(required_unless_present = "remove", conflicts_with = "remove")]
        date: Option<String>,
        /// The menu calls go to that day.
        #[arg(long, value_name = "MENU", required_unless_present = "remove")]
        goto: Option<String>,
        /// Remove this date.
        #[arg(long, value_name = "DATE", conflicts_with = "goto")]
        remove: Option<String>,
    },
    /// List a tenant's menus.
    List {
        /// The tenant's SIP domain.
        domain: String,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Show one menu: prompts, options, timeout, schedule and holidays.
    Show {
        /// The tenant's SIP domain.
        domain: String,
        /// Menu name.
        name: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Remove a menu no other menu and no number sends calls to.
    Remove {
        /// The tenant's SIP domain.
        domain: String,
        /// Menu name.
        name: String,
    },
}

/// `vpbx voicemail ...`
#[derive(Debug, Subcommand)]
pub enum VoicemailCommand {
    /// Set up or change an extension's voicemail box; settings not given are kept (a new
    /// box starts enabled, mailing to the user's e-mail address, keeping messages after
    /// mailing, at most 120 s per message).
    Set(VoicemailSetArgs),
    /// Show an extension's voicemail box.
    Show {
        /// The tenant's SIP domain.
        domain: String,
        /// Extension number.
        ext: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// List the messages left for an extension, newest first.
    List {
        /// The tenant's SIP domain.
        domain: String,
        /// Extension number.
        ext: String,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Remove a message and its audio file.
    Remove {
        /// The tenant's SIP domain.
        domain: String,
        /// Extension number.
        ext: String,
        /// The message's id (see `voicemail list`).
        id: i64,
    },
    /// Mark a message heard (or new again with --new); a running server sends the box's
    /// new counts to subscribed phones (message waiting).
    Heard {
        /// The tenant's SIP domain.
        domain: String,
        /// Extension number.
        ext: String,
        /// The message's id (see `voicemail list`).
        id: i64,
        /// Mark it new (unheard) instead.
        #[arg(long)]
        new: bool,
    },
}

/// `vpbx voicemail set` options (seed 001: voicemail mailed as an attachment, optionally
/// deleted after sending).
#[derive(Debug, Args)]
pub struct VoicemailSetArgs {
    /// The tenant's SIP domain.
    pub domain: String,
    /// Extension number.
    pub ext: String,
    /// Send unanswered calls to the box.
    #[arg(long, conflicts_with = "disable")]
    pub enable: bool,
    /// Keep the box's settings and messages but send no calls to it.
    #[arg(long)]
    pub disable: bool,
    /// Mail messages to this address instead of the user's own.
    #[arg(long, value_name = "ADDR", conflicts_with = "user_email")]
    pub email: Option<String>,
    /// Mail messages to the user's own e-mail address again.
    #[arg(long)]
    pub user_email: bool,
    /// A prompt of the tenant to play as the greeting (`vpbx prompt add`).
    #[arg(long, value_name = "PROMPT", conflicts_with = "no_greeting")]
    pub greeting: Option<String>,
    /// Play the built-in greeting.
    #[arg(long)]
    pub no_greeting: bool,
    /// Delete a message's audio file once it has been mailed (`on`/`off`).
    #[arg(long, value_name = "on|off", value_parser = parse_on_off)]
    pub delete_after_send: Option<bool>,
    /// Longest message, seconds (5 to 600).
    #[arg(long, value_name = "N")]
    pub max_seconds: Option<u32>,
}

/// `vpbx ivr add` options (seed 000 `ivr`, `ivr_prompts`).
#[derive(Debug, Args)]
pub struct IvrAddArgs {
    /// The tenant's SIP domain.
    pub domain: String,
    /// Menu name: 1 to 64 of a-z, 0-9, _ and -.
    pub name: String,
    /// A prompt to play (`vpbx prompt add`); repeat for several, played in order
    /// (greeting, advert, menu).
    #[arg(long = "prompt", value_name = "PROMPT", required = true)]
    pub prompts: Vec<String>,
    /// Seconds to wait for a digit after the prompts.
    #[arg(long, value_name = "SECONDS", default_value_t = vpbx_ivr::DEFAULT_TIMEOUT_SECS)]
    pub timeout: u32,
    /// How many times the menu is played at most before --on-timeout.
    #[arg(long, value_name = "N", default_value_t = vpbx_ivr::DEFAULT_REPEATS)]
    pub repeats: u32,
    /// Prompt played after a digit that is no option.
    #[arg(long, value_name = "PROMPT")]
    pub invalid_prompt: Option<String>,
    /// What happens after the last play with no digit: ext:NNNN, ivr:NAME,
    /// voicemail:NNNN or hangup.
    #[arg(long, value_name = "ACTION", default_value = "hangup")]
    pub on_timeout: String,
    /// Let callers dial the tenant's extensions from the menu.
    #[arg(long)]
    pub extension_dialing: bool,
    /// IANA time zone of the schedule and holidays.
    #[arg(long, value_name = "ZONE", default_value = vpbx_ivr::DEFAULT_TIMEZONE)]
    pub timezone: String,
    /// Change an existing menu's settings (its options, schedule and holidays are kept).
    #[arg(long)]
    pub replace: bool,
}

/// `vpbx direction ...`
#[derive(Debug, Subcommand)]
pub enum DirectionCommand {
    /// Add an outbound direction.
    Add(DirectionAddArgs),
    /// List a tenant's directions.
    List {
        /// The tenant's SIP domain.
        domain: String,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Remove a direction by its id (see `direction list`).
    Remove {
        /// The tenant's SIP domain.
        domain: String,
        /// The direction's id.
        id: i64,
    },
}

/// `vpbx direction add` options (seed 000 §4.5.3 `directions`, §4.5.2 digit fields).
#[derive(Debug, Args)]
pub struct DirectionAddArgs {
    /// The tenant's SIP domain.
    pub domain: String,
    /// regional (8/7/+7 and 10 digits), international (810, 00 or + first; refused until
    /// `vpbx tenant allow --international on`), emergency (01-04, 101-104, 112; always
    /// allowed) or other (needs --pattern).
    pub kind: String,
    /// Asterisk pattern instead of the kind's built-in ones: _XXXXX, _082XXXXX, _8[89]X.,
    /// N = 2-9, Z = 1-9, X = 0-9, [1-5], `.` one or more, `!` zero or more.
    #[arg(long, value_name = "PATTERN")]
    pub pattern: Option<String>,
    /// Leading digits to strip (after the kind's standard form: regional drops '+',
    /// international drops 810/00/+).
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub strip: u8,
    /// Digits to put in front after stripping, e.g. 8 (regional) or 810 (international).
    #[arg(long, default_value = "", value_name = "DIGITS")]
    pub prefix: String,
    /// Trunk to send calls to; repeat for failover, first tried first.
    #[arg(long = "trunk", value_name = "NAME", required = true)]
    pub trunks: Vec<String>,
    /// Among equally specific directions, lower is tried first.
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub priority: u32,
    /// Add the direction disabled (traced, never used).
    #[arg(long)]
    pub disabled: bool,
}

/// `vpbx route ...`
#[derive(Debug, Subcommand)]
pub enum RouteCommand {
    /// Print every rule considered for a call and why it matched or not, the final
    /// destination and the numbers as sent (like ECSS-10 `routing/trace`).
    Trace {
        /// The tenant's SIP domain.
        domain: String,
        /// The calling extension.
        #[arg(long, value_name = "EXT")]
        from: String,
        /// The dialed number.
        #[arg(long, value_name = "NUMBER")]
        to: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
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
    /// Let an extension dial out through the tenant's DISA numbers with a PIN (4 to 12
    /// digits; only its hash is kept), or take that away with --off. The caller keys the
    /// extension and #, the PIN and #, then the number, which is called as this user.
    Disa {
        /// The tenant's SIP domain.
        domain: String,
        /// Extension number.
        ext: String,
        /// The PIN the caller keys after the extension.
        #[arg(long, value_name = "DIGITS", required_unless_present = "off")]
        pin: Option<String>,
        /// Take DISA away from this extension.
        #[arg(long, conflicts_with = "pin")]
        off: bool,
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

/// `vpbx trunk ...`
#[derive(Debug, Subcommand)]
pub enum TrunkCommand {
    /// Add a SIP trunk to a tenant (the seed's `siptrunk_add.pl`).
    Add(Box<TrunkAddArgs>),
    /// List a tenant's trunks (secrets show only as set or none).
    List {
        /// The tenant's SIP domain.
        domain: String,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Show one trunk's settings.
    Show {
        /// The tenant's SIP domain.
        domain: String,
        /// Trunk name.
        name: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Remove a trunk.
    Remove {
        /// The tenant's SIP domain.
        domain: String,
        /// Trunk name.
        name: String,
    },
}

/// `vpbx trunk add` options. Values are checked by the model types, so an invalid one is
/// reported naming its field.
#[derive(Debug, Args)]
pub struct TrunkAddArgs {
    /// The tenant's SIP domain.
    pub domain: String,
    /// Trunk name: 1 to 32 of a-z, 0-9, _ and -.
    pub name: String,
    /// The carrier's SIP server: host name or IP address.
    #[arg(long)]
    pub host: String,
    /// The carrier's SIP port, 1 to 65535 (default 5060, 5061 for TLS).
    #[arg(long, value_name = "PORT")]
    pub port: Option<String>,
    /// Transport towards the carrier: udp, tcp or tls.
    #[arg(long, default_value = "udp", value_name = "udp|tcp|tls")]
    pub transport: String,
    /// Digest user name issued by the carrier.
    #[arg(long, requires = "secret")]
    pub username: Option<String>,
    /// Digest password issued by the carrier; stored encrypted with <data>/trunk.key.
    #[arg(long, requires = "username")]
    pub secret: Option<String>,
    /// Register with the carrier (needs --username and --secret).
    #[arg(long, requires_all = ["username", "secret"])]
    pub register: bool,
    /// User part of From on calls out (default: the caller's extension, as Asterisk uses the caller ID; registrations use the username).
    #[arg(long, value_name = "USER")]
    pub from_user: Option<String>,
    /// Host part of From on calls out (default: the host).
    #[arg(long, value_name = "DOMAIN")]
    pub from_domain: Option<String>,
    /// Most concurrent calls over the trunk, at least 1 (default: no limit).
    #[arg(long, value_name = "N")]
    pub call_limit: Option<String>,
    /// Allowed codecs, most preferred first.
    #[arg(long, default_value = "PCMA,PCMU", value_name = "LIST")]
    pub codecs: String,
    /// Accept INVITEs from the trunk's address without authentication (IP-authenticated
    /// carriers; Asterisk insecure=invite,port).
    #[arg(long)]
    pub insecure: bool,
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

fn parse_on_off(s: &str) -> Result<bool, String> {
    match s.to_ascii_lowercase().as_str() {
        "on" | "yes" | "true" => Ok(true),
        "off" | "no" | "false" => Ok(false),
        _ => Err(format!("expected on or off, not {s:?}")),
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
