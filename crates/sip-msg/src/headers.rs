//! Header names, header fields and the ordered header list of a message, with typed
//! accessors (RFC 3261 §7.3, §7.3.3 compact forms, §20).
//!
//! Invariants: names compare case-insensitively and compact forms map to full names;
//! values are stored unfolded, trimmed and free of CR/LF; order is kept exactly (RFC 3261
//! §7.3.1 makes the relative order of same-named fields significant).

use std::fmt;
use std::hash::{Hash, Hasher};

use crate::error::HeaderError;
use crate::header::auth::AuthParams;
use crate::header::contact::{parse_delta_seconds, Contact};
use crate::header::cseq::CSeq;
use crate::header::name_addr::NameAddr;
use crate::header::via::Via;
use crate::lex::{split_list, trim_ws};

/// A header field name (RFC 3261 §7.3, §20). Known names are variants; anything else keeps
/// its received spelling in `Other` and compares case-insensitively.
#[derive(Clone, Debug)]
pub enum HeaderName {
    /// Via / v (§20.42).
    Via,
    /// From / f (§20.20).
    From,
    /// To / t (§20.39).
    To,
    /// Call-ID / i (§20.8).
    CallId,
    /// CSeq (§20.16).
    CSeq,
    /// Contact / m (§20.10).
    Contact,
    /// Max-Forwards (§20.22).
    MaxForwards,
    /// Expires (§20.19).
    Expires,
    /// Min-Expires (§20.23).
    MinExpires,
    /// Content-Length / l (§20.14).
    ContentLength,
    /// Content-Type / c (§20.15).
    ContentType,
    /// Route (§20.34).
    Route,
    /// Record-Route (§20.30).
    RecordRoute,
    /// Path (RFC 3327).
    Path,
    /// Authorization (§20.7).
    Authorization,
    /// Proxy-Authorization (§20.28).
    ProxyAuthorization,
    /// WWW-Authenticate (§20.44).
    WwwAuthenticate,
    /// Proxy-Authenticate (§20.27).
    ProxyAuthenticate,
    /// Authentication-Info (§20.6).
    AuthenticationInfo,
    /// Allow (§20.5).
    Allow,
    /// Supported / k (§20.37).
    Supported,
    /// Require (§20.32).
    Require,
    /// Proxy-Require (§20.29).
    ProxyRequire,
    /// Unsupported (§20.40).
    Unsupported,
    /// User-Agent (§20.41).
    UserAgent,
    /// Server (§20.35).
    Server,
    /// Warning (§20.43).
    Warning,
    /// Date (§20.17).
    Date,
    /// Timestamp (§20.38).
    Timestamp,
    /// Event / o (RFC 6665).
    Event,
    /// Subscription-State (RFC 6665).
    SubscriptionState,
    /// Allow-Events / u (RFC 6665).
    AllowEvents,
    /// Refer-To / r (RFC 3515).
    ReferTo,
    /// Referred-By / b (RFC 3892).
    ReferredBy,
    /// Retry-After (§20.33).
    RetryAfter,
    /// Session-Expires / x (RFC 4028).
    SessionExpires,
    /// Min-SE (RFC 4028).
    MinSe,
    /// Any other header, spelled as received.
    Other(String),
}

/// Every known name with its canonical spelling and compact form (RFC 3261 §7.3.3).
const KNOWN: &[(HeaderName, &str, Option<&str>)] = &[
    (HeaderName::Via, "Via", Some("v")),
    (HeaderName::From, "From", Some("f")),
    (HeaderName::To, "To", Some("t")),
    (HeaderName::CallId, "Call-ID", Some("i")),
    (HeaderName::CSeq, "CSeq", None),
    (HeaderName::Contact, "Contact", Some("m")),
    (HeaderName::MaxForwards, "Max-Forwards", None),
    (HeaderName::Expires, "Expires", None),
    (HeaderName::MinExpires, "Min-Expires", None),
    (HeaderName::ContentLength, "Content-Length", Some("l")),
    (HeaderName::ContentType, "Content-Type", Some("c")),
    (HeaderName::Route, "Route", None),
    (HeaderName::RecordRoute, "Record-Route", None),
    (HeaderName::Path, "Path", None),
    (HeaderName::Authorization, "Authorization", None),
    (HeaderName::ProxyAuthorization, "Proxy-Authorization", None),
    (HeaderName::WwwAuthenticate, "WWW-Authenticate", None),
    (HeaderName::ProxyAuthenticate, "Proxy-Authenticate", None),
    (HeaderName::AuthenticationInfo, "Authentication-Info", None),
    (HeaderName::Allow, "Allow", None),
    (HeaderName::Supported, "Supported", Some("k")),
    (HeaderName::Require, "Require", None),
    (HeaderName::ProxyRequire, "Proxy-Require", None),
    (HeaderName::Unsupported, "Unsupported", None),
    (HeaderName::UserAgent, "User-Agent", None),
    (HeaderName::Server, "Server", None),
    (HeaderName::Warning, "Warning", None),
    (HeaderName::Date, "Date", None),
    (HeaderName::Timestamp, "Timestamp", None),
    (HeaderName::Event, "Event", Some("o")),
    (HeaderName::SubscriptionState, "Subscription-State", None),
    (HeaderName::AllowEvents, "Allow-Events", Some("u")),
    (HeaderName::ReferTo, "Refer-To", Some("r")),
    (HeaderName::ReferredBy, "Referred-By", Some("b")),
    (HeaderName::RetryAfter, "Retry-After", None),
    (HeaderName::SessionExpires, "Session-Expires", Some("x")),
    (HeaderName::MinSe, "Min-SE", None),
];

/// Compact forms of headers that have no variant (RFC 3261 §7.3.3, §20; RFC 3841;
/// RFC 4474): they map to `Other` with the full name.
const OTHER_COMPACT: &[(&str, &str)] = &[
    ("s", "Subject"),
    ("e", "Content-Encoding"),
    ("a", "Accept-Contact"),
    ("j", "Reject-Contact"),
    ("d", "Request-Disposition"),
    ("y", "Identity"),
    ("n", "Identity-Info"),
];

/// Extension headers whose values are comma-separated lists of simple elements
/// (RFC 3261 §20.1-§20.4, §20.12, §20.21).
const OTHER_LISTS: &[&str] = &[
    "accept",
    "accept-encoding",
    "accept-language",
    "content-encoding",
    "in-reply-to",
    "call-info",
    "alert-info",
    "error-info",
];

impl HeaderName {
    /// Canonical printed name ("Call-ID", "CSeq", "WWW-Authenticate"); `Other` as received.
    pub fn as_str(&self) -> &str {
        match self.known_str() {
            Some(s) => s,
            None => match self {
                HeaderName::Other(s) => s,
                _ => "",
            },
        }
    }

    /// The canonical name of a known header, `None` for `Other`.
    fn known_str(&self) -> Option<&'static str> {
        if let HeaderName::Other(_) = self {
            return None;
        }
        KNOWN
            .iter()
            .find(|(n, _, _)| std::mem::discriminant(n) == std::mem::discriminant(self))
            .map(|(_, s, _)| *s)
    }

    /// A `'static` name for error messages: canonical for known headers, "extension" else.
    pub(crate) fn static_name(&self) -> &'static str {
        self.known_str().unwrap_or("extension")
    }

    /// Maps a received name (full or compact form, any case) to a `HeaderName`
    /// (RFC 3261 §7.3.3, §7.3.1 case-insensitivity).
    pub fn parse(name: &str) -> HeaderName {
        for (n, full, compact) in KNOWN {
            if full.eq_ignore_ascii_case(name)
                || compact.is_some_and(|c| c.eq_ignore_ascii_case(name))
            {
                return n.clone();
            }
        }
        if let Some((_, full)) = OTHER_COMPACT
            .iter()
            .find(|(c, _)| c.eq_ignore_ascii_case(name))
        {
            return HeaderName::Other((*full).to_owned());
        }
        HeaderName::Other(name.to_owned())
    }

    /// True if the header's value is a comma-separated list that the parser splits into one
    /// field per element (RFC 3261 §7.3.1). Auth headers are never split.
    pub fn is_list(&self) -> bool {
        match self {
            HeaderName::Via
            | HeaderName::Contact
            | HeaderName::Route
            | HeaderName::RecordRoute
            | HeaderName::Path
            | HeaderName::Allow
            | HeaderName::Supported
            | HeaderName::Require
            | HeaderName::ProxyRequire
            | HeaderName::Unsupported
            | HeaderName::AllowEvents => true,
            HeaderName::Other(s) => OTHER_LISTS.iter().any(|l| l.eq_ignore_ascii_case(s)),
            _ => false,
        }
    }
}

impl PartialEq for HeaderName {
    /// Names are equal if their printed names are equal ignoring ASCII case.
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (HeaderName::Other(_), _) | (_, HeaderName::Other(_)) => {
                self.as_str().eq_ignore_ascii_case(other.as_str())
            }
            _ => std::mem::discriminant(self) == std::mem::discriminant(other),
        }
    }
}

impl Eq for HeaderName {}

impl Hash for HeaderName {
    /// Hashes the lower-cased printed name (consistent with `eq`).
    fn hash<H: Hasher>(&self, state: &mut H) {
        for b in self.as_str().bytes() {
            state.write_u8(b.to_ascii_lowercase());
        }
        state.write_u8(0xff);
    }
}

impl fmt::Display for HeaderName {
    /// Prints the canonical name.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One header field: name and unfolded value (RFC 3261 §7.3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// Name.
    pub name: HeaderName,
    /// Value without the leading/trailing whitespace, line folding replaced by one SP.
    pub value: String,
}

/// The ordered header fields of a message (RFC 3261 §7.3).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Headers(Vec<Header>);

impl Headers {
    /// An empty list.
    pub fn new() -> Self {
        Headers(Vec::new())
    }

    /// An empty list with room for `n` fields.
    pub(crate) fn with_capacity(n: usize) -> Self {
        Headers(Vec::with_capacity(n))
    }

    /// Iterates over the fields in order.
    pub fn iter(&self) -> std::slice::Iter<'_, Header> {
        self.0.iter()
    }

    /// Value of the first field named `name`.
    pub fn get(&self, name: &HeaderName) -> Option<&str> {
        self.0
            .iter()
            .find(|h| h.name == *name)
            .map(|h| h.value.as_str())
    }

    /// Values of all fields named `name`, in order.
    pub fn get_all<'a>(&'a self, name: &'a HeaderName) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |h| h.name == *name)
            .map(|h| h.value.as_str())
    }

    /// Appends a field at the end.
    pub fn push(&mut self, name: HeaderName, value: impl Into<String>) {
        self.0.push(Header {
            name,
            value: value.into(),
        });
    }

    /// Inserts a field at the front (e.g. a proxy's new top Via, RFC 3261 §16.6 step 8).
    pub fn push_front(&mut self, name: HeaderName, value: impl Into<String>) {
        self.0.insert(
            0,
            Header {
                name,
                value: value.into(),
            },
        );
    }

    /// Replaces all fields named `name` with one field holding `value`, at the position of
    /// the first of them (or at the end).
    pub fn set(&mut self, name: HeaderName, value: impl Into<String>) {
        let value = value.into();
        match self.0.iter().position(|h| h.name == name) {
            Some(i) => {
                self.0.retain(|h| h.name != name);
                let i = i.min(self.0.len());
                self.0.insert(i, Header { name, value });
            }
            None => self.0.push(Header { name, value }),
        }
    }

    /// Removes all fields named `name`.
    pub fn remove(&mut self, name: &HeaderName) {
        self.0.retain(|h| h.name != *name);
    }

    /// Removes the first field named `name` and returns its value (e.g. popping the top
    /// Via of a response, RFC 3261 §18.1.2, or the top Route, §16.4).
    pub fn remove_first(&mut self, name: &HeaderName) -> Option<String> {
        let i = self.0.iter().position(|h| h.name == *name)?;
        Some(self.0.remove(i).value)
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True if there are no fields.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Elements of all fields named `name`, split at top-level commas (RFC 3261 §7.3.1).
    fn list<'a>(&'a self, name: &'a HeaderName) -> impl Iterator<Item = &'a str> + 'a {
        self.get_all(name).flat_map(split_list)
    }

    /// The single value of a required header, trimmed (error if missing).
    fn required(&self, name: &HeaderName) -> Result<&str, HeaderError> {
        self.get(name)
            .map(trim_ws)
            .ok_or_else(|| HeaderError::new(name.static_name(), "missing"))
    }

    /// All Via values in order (RFC 3261 §20.42).
    pub fn vias(&self) -> Result<Vec<Via>, HeaderError> {
        self.list(&HeaderName::Via)
            .map(|v| v.parse().map_err(|_| HeaderError::new("Via", "malformed")))
            .collect()
    }

    /// The topmost Via (RFC 3261 §18.2.2, §17.2.3).
    pub fn top_via(&self) -> Result<Via, HeaderError> {
        self.list(&HeaderName::Via)
            .next()
            .ok_or_else(|| HeaderError::new("Via", "missing"))?
            .parse()
            .map_err(|_| HeaderError::new("Via", "malformed"))
    }

    /// The From header (RFC 3261 §20.20).
    pub fn from(&self) -> Result<NameAddr, HeaderError> {
        self.required(&HeaderName::From)?
            .parse()
            .map_err(|_| HeaderError::new("From", "malformed"))
    }

    /// The To header (RFC 3261 §20.39).
    pub fn to(&self) -> Result<NameAddr, HeaderError> {
        self.required(&HeaderName::To)?
            .parse()
            .map_err(|_| HeaderError::new("To", "malformed"))
    }

    /// The Call-ID (RFC 3261 §20.8): non-empty, no whitespace.
    pub fn call_id(&self) -> Result<&str, HeaderError> {
        let v = self.required(&HeaderName::CallId)?;
        if v.is_empty() || v.bytes().any(|b| !b.is_ascii_graphic()) {
            return Err(HeaderError::new("Call-ID", "malformed"));
        }
        Ok(v)
    }

    /// The CSeq (RFC 3261 §20.16).
    pub fn cseq(&self) -> Result<CSeq, HeaderError> {
        self.required(&HeaderName::CSeq)?
            .parse()
            .map_err(|_| HeaderError::new("CSeq", "malformed"))
    }

    /// Max-Forwards (RFC 3261 §20.22), `None` if absent.
    pub fn max_forwards(&self) -> Result<Option<u32>, HeaderError> {
        self.optional_number(&HeaderName::MaxForwards)
    }

    /// Expires in seconds (RFC 3261 §20.19), `None` if absent; oversized values saturate.
    pub fn expires(&self) -> Result<Option<u32>, HeaderError> {
        match self.get(&HeaderName::Expires) {
            None => Ok(None),
            Some(v) => parse_delta_seconds(trim_ws(v))
                .map(Some)
                .ok_or_else(|| HeaderError::new("Expires", "not a number")),
        }
    }

    /// Content-Length (RFC 3261 §20.14), `None` if absent.
    pub fn content_length(&self) -> Result<Option<usize>, HeaderError> {
        match self.get(&HeaderName::ContentLength) {
            None => Ok(None),
            Some(v) => parse_digits(v)
                .map(Some)
                .ok_or_else(|| HeaderError::new("Content-Length", "not a number")),
        }
    }

    /// A numeric header that fits in `u32`.
    fn optional_number(&self, name: &HeaderName) -> Result<Option<u32>, HeaderError> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => parse_digits(v)
                .map(Some)
                .ok_or_else(|| HeaderError::new(name.static_name(), "not a number")),
        }
    }

    /// All Contact values in order (RFC 3261 §20.10).
    pub fn contacts(&self) -> Result<Vec<Contact>, HeaderError> {
        self.list(&HeaderName::Contact)
            .map(|v| {
                v.parse()
                    .map_err(|_| HeaderError::new("Contact", "malformed"))
            })
            .collect()
    }

    /// All name-addr values of a list header such as Route, Record-Route or Path
    /// (RFC 3261 §20.30, §20.34; RFC 3327).
    pub fn name_addrs(&self, name: &HeaderName) -> Result<Vec<NameAddr>, HeaderError> {
        self.list(name)
            .map(|v| {
                v.parse()
                    .map_err(|_| HeaderError::new(name.static_name(), "malformed"))
            })
            .collect()
    }

    /// All credentials or challenges of an auth header, one per field, never split at
    /// commas (RFC 3261 §20.7, §20.27, §20.28, §20.44).
    pub fn auth(&self, name: &HeaderName) -> Result<Vec<AuthParams>, HeaderError> {
        self.get_all(name)
            .map(|v| {
                v.parse()
                    .map_err(|_| HeaderError::new(name.static_name(), "malformed"))
            })
            .collect()
    }
}

/// Parses `1*DIGIT` (surrounding whitespace allowed) into a number, rejecting overflow.
pub(crate) fn parse_digits<T: std::str::FromStr>(v: &str) -> Option<T> {
    let v = trim_ws(v);
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    v.parse().ok()
}

impl<'a> IntoIterator for &'a Headers {
    type Item = &'a Header;
    type IntoIter = std::slice::Iter<'a, Header>;

    /// Iterates over the fields in order.
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn names() {
        assert_eq!(HeaderName::parse("v"), HeaderName::Via);
        assert_eq!(HeaderName::parse("CALL-id"), HeaderName::CallId);
        assert_eq!(HeaderName::parse("i"), HeaderName::CallId);
        assert_eq!(HeaderName::parse("x").as_str(), "Session-Expires");
        assert_eq!(
            HeaderName::parse("www-authenticate").as_str(),
            "WWW-Authenticate"
        );
        assert_eq!(HeaderName::parse("s"), HeaderName::Other("subject".into()));
        assert_eq!(HeaderName::parse("s").as_str(), "Subject");
        assert_eq!(HeaderName::parse("X-Foo").as_str(), "X-Foo");
        assert_eq!(
            HeaderName::Other("x-foo".into()),
            HeaderName::parse("X-FOO")
        );
        assert_eq!(HeaderName::Other("Via".into()), HeaderName::Via);
        assert_ne!(HeaderName::From, HeaderName::To);
        let set: HashSet<_> = [
            HeaderName::parse("X-Foo"),
            HeaderName::Other("x-foo".into()),
            HeaderName::Via,
            HeaderName::Other("VIA".into()),
        ]
        .into_iter()
        .collect();
        assert_eq!(set.len(), 2);
        assert!(HeaderName::Contact.is_list());
        assert!(HeaderName::parse("accept").is_list());
        assert!(!HeaderName::Authorization.is_list());
        assert!(!HeaderName::Date.is_list());
        assert_eq!(HeaderName::MinSe.to_string(), "Min-SE");
        assert_eq!(HeaderName::Other("X".into()).static_name(), "extension");
    }

    #[test]
    fn list_operations() {
        let mut h = Headers::new();
        assert!(h.is_empty());
        h.push(HeaderName::Via, "SIP/2.0/UDP a;branch=z9hG4bK1");
        h.push(HeaderName::From, "<sip:a@b>;tag=1");
        h.push(HeaderName::Via, "SIP/2.0/UDP b;branch=z9hG4bK2");
        h.push_front(HeaderName::Via, "SIP/2.0/TCP p;branch=z9hG4bK0");
        assert_eq!(h.len(), 4);
        assert_eq!(h.top_via().unwrap().branch(), Some("z9hG4bK0"));
        assert_eq!(h.vias().unwrap().len(), 3);
        assert_eq!(
            h.remove_first(&HeaderName::Via).as_deref(),
            Some("SIP/2.0/TCP p;branch=z9hG4bK0")
        );
        h.set(HeaderName::Via, "SIP/2.0/UDP c");
        assert_eq!(
            h.get_all(&HeaderName::Via).collect::<Vec<_>>(),
            ["SIP/2.0/UDP c"]
        );
        assert_eq!(h.iter().next().map(|f| &f.name), Some(&HeaderName::Via));
        h.set(HeaderName::Expires, "60");
        assert_eq!(h.expires(), Ok(Some(60)));
        h.remove(&HeaderName::Via);
        assert_eq!(h.remove_first(&HeaderName::Via), None);
        assert_eq!(h.top_via().unwrap_err().header, "Via");
        assert_eq!(h.len(), 2);
    }

    #[test]
    fn typed_errors_name_the_header() {
        let mut h = Headers::new();
        assert_eq!(h.from().unwrap_err().header, "From");
        assert_eq!(h.call_id().unwrap_err().reason, "missing");
        assert_eq!(h.max_forwards(), Ok(None));
        assert_eq!(h.content_length(), Ok(None));
        assert_eq!(h.expires(), Ok(None));
        h.push(HeaderName::MaxForwards, "x");
        h.push(HeaderName::Expires, "-1");
        h.push(HeaderName::ContentLength, "1x");
        h.push(HeaderName::CallId, "a b");
        h.push(HeaderName::CSeq, "1");
        h.push(HeaderName::Contact, "<sip:a@b>, bad");
        h.push(HeaderName::Route, "<sip:p1;lr>,<sip:p2;lr>");
        h.push(
            HeaderName::WwwAuthenticate,
            "Digest realm=\"a,b\", nonce=\"n\"",
        );
        assert_eq!(h.max_forwards().unwrap_err().header, "Max-Forwards");
        assert_eq!(h.expires().unwrap_err().header, "Expires");
        assert_eq!(h.content_length().unwrap_err().header, "Content-Length");
        assert_eq!(h.call_id().unwrap_err().header, "Call-ID");
        assert_eq!(h.cseq().unwrap_err().header, "CSeq");
        assert_eq!(h.contacts().unwrap_err().header, "Contact");
        assert_eq!(h.name_addrs(&HeaderName::Route).unwrap().len(), 2);
        let auth = h.auth(&HeaderName::WwwAuthenticate).unwrap();
        assert_eq!(auth.len(), 1);
        assert_eq!(auth[0].get("realm"), Some("a,b"));
        h.push(HeaderName::Other("X-R".into()), "<x");
        assert_eq!(
            h.name_addrs(&HeaderName::Other("X-R".into()))
                .unwrap_err()
                .header,
            "extension"
        );
    }

    #[test]
    fn digits() {
        assert_eq!(parse_digits::<u32>(" 0068 "), Some(68));
        assert_eq!(parse_digits::<u32>("4294967296"), None);
        assert_eq!(parse_digits::<u32>(""), None);
        assert_eq!(parse_digits::<u32>("+1"), None);
    }
}
