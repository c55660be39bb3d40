//! vpbx outgoing e-mail (issue 5 item 6; seed 001: "voicemail mailed as an attachment,
//! deleted after sending"): a voicemail message is mailed over SMTP (RFC 5321) as a
//! `multipart/mixed` message (RFC 2046 §5.1.3) with a short text part and the recording as
//! an `audio/wav` attachment (RFC 2183), base64-encoded.
//!
//! Invariants:
//! - Nothing is sent in clear text over the network: [`Security::None`] is accepted only
//!   towards a loopback relay (127.0.0.0/8, ::1, `localhost`), checked by
//!   [`SmtpConfig::validate`] before every send; [`Security::StartTls`] fails rather than
//!   falling back to plain text when the server does not offer STARTTLS (RFC 3207).
//! - A whole exchange is bounded by [`SmtpConfig::timeout`], so an unreachable or silent
//!   server fails within it, never hangs a caller.
//! - Caller-supplied text (the caller ID comes from a SIP header) is reduced to printable
//!   characters before it goes into a header or the body; header encoding (RFC 2047) is
//!   lettre's, so no header can be injected.
//! - The SMTP password is never printed (`Debug` shows it redacted).

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Message, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;
use std::time::Duration;

pub use lettre::message::Mailbox;

/// How long a whole exchange with the server (connect, greeting, commands, message data,
/// QUIT) may take by default: room for a 10-minute message (about 13 MB in base64) over a
/// few Mbit/s.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// Longest caller ID kept in the subject and body, characters.
const CALLER_CHARS: usize = 64;

/// Everything that can go wrong building or sending a message.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// An e-mail address does not parse (RFC 5322 §3.4).
    #[error("bad e-mail address {address:?}: {reason}")]
    Address {
        /// The address as given.
        address: String,
        /// Why it was refused.
        reason: String,
    },
    /// The SMTP settings cannot be used, e.g. plain text to a remote server.
    #[error("SMTP settings: {0}")]
    Config(String),
    /// The message could not be put together (e.g. a bad attachment content type).
    #[error("cannot build the message: {0}")]
    Build(String),
    /// No connection to the server: refused, no route, name not found, or dropped.
    #[error("cannot reach the SMTP server {server}: {reason}")]
    Unreachable {
        /// `host:port`.
        server: String,
        /// The underlying error.
        reason: String,
    },
    /// The exchange did not finish within [`SmtpConfig::timeout`].
    #[error("the SMTP server {server} did not finish within {secs} s")]
    Timeout {
        /// `host:port`.
        server: String,
        /// The timeout, seconds.
        secs: u64,
    },
    /// TLS (implicit or STARTTLS) could not be set up: bad certificate, no STARTTLS
    /// offered, handshake failure.
    #[error("TLS with the SMTP server {server} failed: {reason}")]
    Tls {
        /// `host:port`.
        server: String,
        /// The underlying error.
        reason: String,
    },
    /// The server refused a command with a 4xx (try again later) or 5xx (permanent) reply:
    /// a rejected recipient or sender, failed authentication, message too big.
    #[error("the SMTP server {server} refused the message: {code} {reply}")]
    Refused {
        /// `host:port`.
        server: String,
        /// The reply code, e.g. 550.
        code: u16,
        /// The reply text, e.g. `5.1.1 <x@example.com>: Recipient address rejected`.
        reply: String,
    },
    /// The server's replies made no sense (not SMTP, or a client-side protocol error).
    #[error("SMTP with {server} failed: {reason}")]
    Protocol {
        /// `host:port`.
        server: String,
        /// The underlying error.
        reason: String,
    },
}

impl MailError {
    /// Whether sending the same message again cannot succeed without a change of
    /// configuration or address: bad addresses, bad settings and 5xx replies. Unreachable
    /// servers, timeouts and 4xx replies are worth a retry.
    pub fn is_permanent(&self) -> bool {
        match self {
            MailError::Address { .. } | MailError::Config(_) | MailError::Build(_) => true,
            MailError::Refused { code, .. } => *code >= 500,
            MailError::Tls { .. } | MailError::Protocol { .. } => true,
            MailError::Unreachable { .. } | MailError::Timeout { .. } => false,
        }
    }
}

/// How the connection to the SMTP server is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Security {
    /// Plain text; only to a relay on this host (see [`SmtpConfig::validate`]).
    None,
    /// Plain connection upgraded with STARTTLS (RFC 3207), usually port 587 or 25; fails if
    /// the server does not offer it.
    StartTls,
    /// TLS from the first byte ("submissions", RFC 8314 §3), usually port 465.
    Tls,
}

impl Security {
    /// `none`, `starttls` or `tls`.
    pub fn as_str(self) -> &'static str {
        match self {
            Security::None => "none",
            Security::StartTls => "starttls",
            Security::Tls => "tls",
        }
    }
}

impl FromStr for Security {
    type Err = MailError;
    /// `none`, `starttls` or `tls`, any case.
    fn from_str(s: &str) -> Result<Self, MailError> {
        match s.to_ascii_lowercase().as_str() {
            "none" => Ok(Security::None),
            "starttls" => Ok(Security::StartTls),
            "tls" => Ok(Security::Tls),
            _ => Err(MailError::Config(format!(
                "unknown security {s:?} (use none, starttls or tls)"
            ))),
        }
    }
}

impl fmt::Display for Security {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where and how to send mail.
#[derive(Clone)]
pub struct SmtpConfig {
    /// Server host name or IP address (an IPv6 address without brackets).
    pub host: String,
    /// Server port.
    pub port: u16,
    /// Connection protection.
    pub security: Security,
    /// SMTP AUTH user name (RFC 4954), if the server wants one.
    pub username: Option<String>,
    /// SMTP AUTH password; used only with `username`.
    pub password: Option<String>,
    /// The sender (`From:` and the envelope sender).
    pub from: Mailbox,
    /// Bound on the whole exchange with the server, from connect to QUIT.
    pub timeout: Duration,
}

impl fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("from", &self.from.to_string())
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl SmtpConfig {
    /// Settings without credentials and with [`DEFAULT_TIMEOUT`].
    pub fn new(host: impl Into<String>, port: u16, security: Security, from: Mailbox) -> Self {
        SmtpConfig {
            host: host.into(),
            port,
            security,
            username: None,
            password: None,
            from,
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// `host:port` (IPv6 in brackets), as errors name the server.
    pub fn server(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// Whether the host is this machine: a loopback address or `localhost`.
    pub fn is_loopback(&self) -> bool {
        self.host.eq_ignore_ascii_case("localhost")
            || self.host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
    }

    /// `Config` unless the settings are usable: a host and a non-zero port, a password
    /// exactly when there is a user name, a non-zero timeout, and [`Security::None`] only
    /// to a loopback relay — voicemail audio, caller numbers and the password would
    /// otherwise cross the network readable by anyone on the path.
    pub fn validate(&self) -> Result<(), MailError> {
        let bad = |why: String| Err(MailError::Config(why));
        if self.host.is_empty() || self.port == 0 {
            return bad("the server needs a host and a port other than 0".into());
        }
        if self.security == Security::None && !self.is_loopback() {
            return bad(format!(
                "security none (plain text) is allowed only to a relay on this host \
                 (127.0.0.1, ::1, localhost), not {}; use starttls or tls",
                self.host
            ));
        }
        match (&self.username, &self.password) {
            (Some(_), None) => return bad("a user name needs a password".into()),
            (None, Some(_)) => return bad("a password needs a user name".into()),
            _ => {}
        }
        if self.timeout.is_zero() {
            return bad("the timeout must be above 0".into());
        }
        Ok(())
    }

    /// The transport for these settings.
    fn transport(&self) -> Result<AsyncSmtpTransport<Tokio1Executor>, MailError> {
        let tls = |server: &str| {
            TlsParameters::new_rustls(self.host.clone()).map_err(|e| MailError::Tls {
                server: server.to_owned(),
                reason: chain(&e),
            })
        };
        let server = self.server();
        let mode = match self.security {
            Security::None => Tls::None,
            Security::StartTls => Tls::Required(tls(&server)?),
            Security::Tls => Tls::Wrapper(tls(&server)?),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&self.host)
            .port(self.port)
            .tls(mode)
            .timeout(Some(self.timeout));
        if let Some(name) = local_hostname() {
            builder = builder.hello_name(ClientId::Domain(name));
        }
        if let (Some(user), Some(password)) = (&self.username, &self.password) {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(builder.build())
    }
}

/// One voicemail message to mail.
#[derive(Clone, Debug)]
pub struct VoicemailMail {
    /// The tenant's SIP domain.
    pub domain: String,
    /// The mailbox's extension.
    pub extension: String,
    /// Who called (caller ID as received; reduced to printable characters when mailed).
    pub caller: String,
    /// When the message was left, unix milliseconds.
    pub received_at_ms: i64,
    /// Length of the recording, milliseconds.
    pub duration_ms: u64,
    /// The recording, a complete WAV file.
    pub wav: Vec<u8>,
    /// The attachment's file name, e.g. `voicemail-1000-20260301-100000.wav`.
    pub file_name: String,
}

/// The host name of this machine if it is usable as a domain in `EHLO` and addresses
/// (letters, digits, `-` and `.`), else `None`.
pub fn local_hostname() -> Option<String> {
    let name = hostname::get().ok()?.into_string().ok()?;
    let ok = !name.is_empty()
        && name.len() <= 253
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
    ok.then_some(name)
}

/// `vpbx@<this host's name>` (`vpbx@localhost` when the name is unusable).
pub fn default_from() -> Mailbox {
    local_hostname()
        .and_then(|h| format!("vpbx@{h}").parse().ok())
        .unwrap_or_else(|| "vpbx@localhost".parse().expect("a valid address"))
}

/// Parses an address (`a@example.com` or `Name <a@example.com>`).
pub fn parse_mailbox(address: &str) -> Result<Mailbox, MailError> {
    address.trim().parse().map_err(|e| MailError::Address {
        address: address.to_owned(),
        reason: format!("{e}"),
    })
}

/// Builds the voicemail message from `from` to `to`: subject and text name the extension,
/// caller, length and time; the WAV is attached as `audio/wav`.
pub fn voicemail_message(
    from: &Mailbox,
    to: &str,
    msg: &VoicemailMail,
) -> Result<Message, MailError> {
    let to = parse_mailbox(to)?;
    let caller = printable(&msg.caller, CALLER_CHARS);
    let caller = if caller.is_empty() {
        "an unknown caller".to_owned()
    } else {
        caller
    };
    let extension = printable(&msg.extension, CALLER_CHARS);
    let length = minutes_seconds(msg.duration_ms);
    let received = chrono::DateTime::from_timestamp_millis(msg.received_at_ms)
        .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_else(|| "at an unknown time".to_owned());
    let body = format!(
        "New voicemail for {extension} from {caller}, {length}, received {received}.\r\n\
         \r\n\
         Mailbox: {extension}@{domain}\r\n\
         The recording is attached ({file}, {bytes} bytes).\r\n",
        domain = printable(&msg.domain, 253),
        file = printable(&msg.file_name, 128),
        bytes = msg.wav.len(),
    );
    let file_name = match printable(&msg.file_name, 128) {
        name if name.is_empty() => "voicemail.wav".to_owned(),
        name => name,
    };
    let wav_type = ContentType::parse("audio/wav").map_err(|e| MailError::Build(e.to_string()))?;
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(format!(
            "Voicemail for {extension} from {caller} ({length})"
        ))
        .multipart(
            MultiPart::mixed()
                .singlepart(SinglePart::plain(body))
                .singlepart(Attachment::new(file_name).body(msg.wav.clone(), wav_type)),
        )
        .map_err(|e| MailError::Build(e.to_string()))
}

/// Mails voicemail `msg` to `to` through `config`'s server.
pub async fn send_voicemail(
    config: &SmtpConfig,
    to: &str,
    msg: &VoicemailMail,
) -> Result<(), MailError> {
    config.validate()?;
    let message = voicemail_message(&config.from, to, msg)?;
    let transport = config.transport()?;
    // lettre bounds each read and write, but not the wait for the greeting: bound it all.
    match tokio::time::timeout(config.timeout, transport.send(message)).await {
        Ok(sent) => sent.map(|_| ()).map_err(|e| classify(config, &e)),
        Err(_) => Err(timed_out(config)),
    }
}

/// Names a failed SMTP exchange by what went wrong.
fn classify(config: &SmtpConfig, e: &lettre::transport::smtp::Error) -> MailError {
    let server = config.server();
    if let Some(code) = e.status() {
        let text = chain(e);
        // lettre words it "permanent error (550): REPLY"; keep the server's reply only.
        let reply = text
            .split_once("): ")
            .map_or(text.as_str(), |(_, r)| r)
            .trim()
            .to_owned();
        return MailError::Refused {
            server,
            code: code.to_string().parse().unwrap_or(0),
            reply,
        };
    }
    if e.is_timeout() {
        return timed_out(config);
    }
    let reason = std::error::Error::source(e).map_or_else(|| e.to_string(), chain);
    if e.is_tls() {
        MailError::Tls { server, reason }
    } else if e.is_client() || e.is_response() {
        MailError::Protocol { server, reason }
    } else {
        MailError::Unreachable { server, reason }
    }
}

/// `Timeout` for `config`'s server.
fn timed_out(config: &SmtpConfig) -> MailError {
    MailError::Timeout {
        server: config.server(),
        secs: config.timeout.as_secs().max(1),
    }
}

/// `e` and its sources, joined with `: ` (each only once when a message repeats its
/// source's).
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

/// `text` without control characters, trimmed, cut to `max` characters.
fn printable(text: &str, max: usize) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .chars()
        .take(max)
        .collect()
}

/// `M:SS` of a length in milliseconds, rounded to the nearest second.
fn minutes_seconds(ms: u64) -> String {
    let secs = ms.saturating_add(500) / 1000;
    format!("{}:{:02}", secs / 60, secs % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from() -> Mailbox {
        "PBX <vpbx@pbx.example>".parse().unwrap()
    }

    #[test]
    fn security_parses_and_plain_text_is_local_only() {
        assert_eq!("STARTTLS".parse::<Security>().unwrap(), Security::StartTls);
        assert_eq!("tls".parse::<Security>().unwrap(), Security::Tls);
        assert_eq!("none".parse::<Security>().unwrap(), Security::None);
        assert!("ssl".parse::<Security>().is_err());
        for host in ["127.0.0.1", "127.0.0.53", "::1", "localhost", "LOCALHOST"] {
            let c = SmtpConfig::new(host, 25, Security::None, from());
            assert!(c.validate().is_ok(), "{host}");
        }
        for host in ["192.0.2.1", "mail.example.com", "::ffff:192.0.2.1"] {
            let c = SmtpConfig::new(host, 25, Security::None, from());
            let err = c.validate().unwrap_err().to_string();
            assert!(err.contains("only to a relay on this host"), "{err}");
            let tls = SmtpConfig::new(host, 465, Security::Tls, from());
            assert!(tls.validate().is_ok());
        }
        let mut c = SmtpConfig::new("mail.example.com", 587, Security::StartTls, from());
        c.username = Some("u".into());
        assert!(c.validate().is_err());
        c.password = Some("secret-pw".into());
        assert!(c.validate().is_ok());
        assert!(!format!("{c:?}").contains("secret-pw"));
        assert!(SmtpConfig::new("h", 0, Security::Tls, from())
            .validate()
            .is_err());
        assert_eq!(
            SmtpConfig::new("::1", 25, Security::None, from()).server(),
            "[::1]:25"
        );
    }

    #[test]
    fn message_names_caller_length_and_attaches_the_wav() {
        let msg = VoicemailMail {
            domain: "acme.example".into(),
            extension: "1000".into(),
            caller: "+74951234567\r\nBcc: evil@example.com".into(),
            received_at_ms: 1_772_359_200_000,
            duration_ms: 17_400,
            wav: b"RIFF....WAVE".to_vec(),
            file_name: "vm.wav".into(),
        };
        let text = String::from_utf8(
            voicemail_message(&from(), "a@acme.example", &msg)
                .unwrap()
                .formatted(),
        )
        .unwrap();
        assert!(text.contains("To: a@acme.example"), "{text}");
        assert!(!text.contains("\r\nBcc:"), "{text}");
        assert!(text.contains("Content-Type: audio/wav"), "{text}");
        assert!(text.contains("0:17"), "{text}");
        assert!(text.contains("2026-03-01 10:00:00 UTC"), "{text}");
        assert!(matches!(
            voicemail_message(&from(), "not an address", &msg),
            Err(MailError::Address { .. })
        ));
    }

    #[test]
    fn lengths_and_default_sender() {
        assert_eq!(minutes_seconds(0), "0:00");
        assert_eq!(minutes_seconds(17_400), "0:17");
        assert_eq!(minutes_seconds(59_600), "1:00");
        assert_eq!(minutes_seconds(125_000), "2:05");
        assert_eq!(default_from().email.user(), "vpbx");
        assert!(parse_mailbox("x@").is_err());
    }
}
