//! Processing of one authenticated REGISTER against the bindings of its address of record:
//! RFC 3261 §10.3 steps 5–7 (Contact `*`, expiration intervals, Call-ID/CSeq ordering,
//! add/refresh/remove), with RFC 3327 Path and RFC 5626 `+sip.instance` stored.
//!
//! Invariants:
//! - All-or-nothing: any error leaves the caller's bindings untouched (they are borrowed).
//! - Every interval is checked against the minimum (423) before anything else is decided.
//! - The returned set is unexpired, q-descending (absent q ranks as 1.0, RFC 3261 leaves it
//!   to the implementation; ties keep the older binding first) and within `max_contacts`.

use std::net::SocketAddr;

use vpbx_sip_msg::{Contact, HeaderError, HeaderName, NameAddr, Request, Transport, Uri};

use super::binding::Binding;
use super::error::RegisterError;
use super::policy::RegistrarPolicy;
use super::uri_match::same_contact;

/// RFC 3261 §10.3 step 7: the 423 rule applies to intervals below one hour only.
const ONE_HOUR: u32 = 3600;
/// RFC 3261 §20.19: a malformed Expires value is treated as 3600.
const MALFORMED_EXPIRES: u32 = 3600;

/// Result of a successful REGISTER (RFC 3261 §10.3 steps 7–8).
#[derive(Clone, Debug, PartialEq)]
pub struct Update {
    /// The complete new set of unexpired bindings of the address of record, q-descending.
    pub bindings: Vec<Binding>,
    /// Whether a binding was added or removed (including expired ones dropped) or where to
    /// reach one changed (URI, q, Call-ID, Path, instance, User-Agent, source, transport);
    /// a pure refresh (new expiry and CSeq only) is not a change.
    pub changed: bool,
}

/// A contact of the request with its granted interval.
struct Wanted {
    uri: Uri,
    q: Option<f32>,
    instance: Option<String>,
    expires: u32,
}

/// A binding being rebuilt, with its parsed URI and whether this request already set it.
struct Slot {
    binding: Binding,
    uri: Option<Uri>,
    touched: bool,
}

/// Applies one (already authenticated) REGISTER to `current`, the bindings of its address
/// of record (RFC 3261 §10.3 steps 5–7): `*` is accepted only alone with `Expires: 0`;
/// the interval is the contact's `expires` parameter, else the Expires header, else the
/// policy default; 0 removes; below the minimum is 423, above the maximum is shortened;
/// the same Call-ID with a CSeq not higher than stored aborts; contacts are matched by
/// §19.1.4 URI comparison. A REGISTER without Contact just returns the current set.
pub fn apply(
    policy: &RegistrarPolicy,
    now_unix: u64,
    current: &[Binding],
    request: &Request,
    source: SocketAddr,
    transport: Transport,
) -> Result<Update, RegisterError> {
    let headers = &request.headers;
    let call_id = headers.call_id().map_err(bad)?;
    let cseq = headers.cseq().map_err(bad)?.seq;
    let contacts = headers.contacts().map_err(bad)?;
    let header_expires = header_expires(request);

    let live: Vec<&Binding> = current.iter().filter(|b| b.is_live(now_unix)).collect();
    let dropped = live.len() != current.len();

    if contacts.iter().any(|c| matches!(c, Contact::Star)) {
        return remove_all(&live, contacts.len(), header_expires, call_id, cseq);
    }
    if contacts.len() > policy.max_contacts {
        return Err(RegisterError::TooManyContacts {
            max: policy.max_contacts,
        });
    }
    let wanted = contacts
        .iter()
        .filter_map(|c| match c {
            Contact::Addr(addr) => Some(wanted(policy, addr, header_expires)),
            Contact::Star => None,
        })
        .collect::<Result<Vec<Wanted>, RegisterError>>()?;

    let template = Binding {
        uri: String::new(),
        q: None,
        expires_at: 0,
        call_id: call_id.to_owned(),
        cseq,
        path: path(request)?,
        instance: None,
        user_agent: headers.get(&HeaderName::UserAgent).map(str::to_owned),
        source,
        transport,
    };
    let mut slots: Vec<Slot> = live
        .into_iter()
        .map(|b| Slot {
            uri: b.uri.parse().ok(),
            binding: b.clone(),
            touched: false,
        })
        .collect();
    let mut changed = dropped;
    for contact in wanted {
        changed |= bind(&mut slots, contact, &template, now_unix)?;
    }
    if slots.len() > policy.max_contacts {
        return Err(RegisterError::TooManyContacts {
            max: policy.max_contacts,
        });
    }
    let mut bindings: Vec<Binding> = slots.into_iter().map(|s| s.binding).collect();
    bindings.sort_by(|a, b| rank(b.q).total_cmp(&rank(a.q)));
    Ok(Update { bindings, changed })
}

/// RFC 3261 §10.3 step 6: `*` must be the only contact, with `Expires: 0`; each binding is
/// removed unless its Call-ID matches with a CSeq not lower than the request's, which
/// aborts the whole request.
fn remove_all(
    live: &[&Binding],
    contact_count: usize,
    header_expires: Option<u32>,
    call_id: &str,
    cseq: u32,
) -> Result<Update, RegisterError> {
    if contact_count != 1 {
        return Err(RegisterError::BadRequest(
            "Contact: * must be the only contact".to_owned(),
        ));
    }
    if header_expires != Some(0) {
        return Err(RegisterError::BadRequest(
            "Contact: * requires Expires: 0".to_owned(),
        ));
    }
    if live.iter().any(|b| b.call_id == call_id && cseq <= b.cseq) {
        return Err(RegisterError::OutOfOrder);
    }
    Ok(Update {
        bindings: Vec::new(),
        changed: !live.is_empty(),
    })
}

/// RFC 3261 §10.3 step 7 for one contact: add, refresh, replace or remove its binding.
/// Returns whether the set changed beyond a refresh.
fn bind(
    slots: &mut Vec<Slot>,
    contact: Wanted,
    template: &Binding,
    now_unix: u64,
) -> Result<bool, RegisterError> {
    let uri_text = contact.uri.to_string();
    let found = slots.iter().position(|s| match &s.uri {
        Some(uri) => same_contact(uri, &contact.uri),
        None => s.binding.uri.eq_ignore_ascii_case(&uri_text),
    });
    if let Some(slot) = found.and_then(|i| slots.get(i)) {
        let stored = &slot.binding;
        if !slot.touched && stored.call_id == template.call_id && template.cseq <= stored.cseq {
            return Err(RegisterError::OutOfOrder);
        }
    }
    if contact.expires == 0 {
        return Ok(match found {
            Some(i) => {
                slots.remove(i);
                true
            }
            None => false,
        });
    }
    let binding = Binding {
        uri: uri_text,
        q: contact.q,
        expires_at: now_unix.saturating_add(u64::from(contact.expires)),
        instance: contact.instance,
        ..template.clone()
    };
    match found.and_then(|i| slots.get_mut(i)) {
        Some(slot) => {
            let changed = !slot.binding.same_but_refresh(&binding);
            slot.binding = binding;
            slot.uri = Some(contact.uri);
            slot.touched = true;
            Ok(changed)
        }
        None => {
            slots.push(Slot {
                binding,
                uri: Some(contact.uri),
                touched: true,
            });
            Ok(true)
        }
    }
}

/// Reads one contact's q, instance and interval (RFC 3261 §10.3 step 7, §20.10).
fn wanted(
    policy: &RegistrarPolicy,
    addr: &NameAddr,
    header_expires: Option<u32>,
) -> Result<Wanted, RegisterError> {
    let requested = match addr.params.get("expires") {
        None => header_expires.unwrap_or(policy.default_expires),
        Some(value) => delta_seconds(value.unwrap_or_default()).ok_or_else(|| {
            RegisterError::BadRequest(format!("bad expires parameter on {}", addr.uri))
        })?,
    };
    if requested != 0 && requested < policy.min_expires && requested < ONE_HOUR {
        return Err(RegisterError::IntervalTooBrief {
            min_expires: policy.min_expires,
        });
    }
    let q = match addr.params.get("q") {
        None => None,
        Some(value) => Some(qvalue(value.unwrap_or_default()).ok_or_else(|| {
            RegisterError::BadRequest(format!("bad q parameter on {}", addr.uri))
        })?),
    };
    let instance = addr
        .params
        .get("+sip.instance")
        .flatten()
        .map(|v| unquote(v).to_owned());
    Ok(Wanted {
        uri: addr.uri.clone(),
        q,
        instance,
        expires: requested.min(policy.max_expires),
    })
}

/// The Expires header (RFC 3261 §20.19): absent is `None`; a number too large for 32 bits
/// is 2³²−1; anything else malformed is 3600.
fn header_expires(request: &Request) -> Option<u32> {
    match request.headers.expires() {
        Ok(value) => value,
        Err(_) => Some(
            request
                .headers
                .get(&HeaderName::Expires)
                .and_then(delta_seconds)
                .unwrap_or(MALFORMED_EXPIRES),
        ),
    }
}

/// `delta-seconds = 1*DIGIT` (RFC 3261 §25.1), saturating at 2³²−1 (RFC 3261 §20.19).
fn delta_seconds(text: &str) -> Option<u32> {
    let text = text.trim();
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(text.parse().unwrap_or(u32::MAX))
}

/// `qvalue` (RFC 3261 §25.1): a number from 0 to 1 with at most three decimals.
fn qvalue(text: &str) -> Option<f32> {
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    let well_formed = matches!(int, "0" | "1")
        && frac.len() <= 3
        && frac.bytes().all(|b| b.is_ascii_digit())
        && (int == "0" || frac.bytes().all(|b| b == b'0'));
    if !well_formed {
        return None;
    }
    text.parse().ok()
}

/// Path header values as printed (RFC 3327 §5.3: stored with the binding, in order).
fn path(request: &Request) -> Result<Vec<String>, RegisterError> {
    Ok(request
        .headers
        .name_addrs(&HeaderName::Path)
        .map_err(bad)?
        .iter()
        .map(ToString::to_string)
        .collect())
}

/// Sort key for q: absent ranks as 1.0.
fn rank(q: Option<f32>) -> f32 {
    q.unwrap_or(1.0)
}

fn unquote(value: &str) -> &str {
    value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(value)
}

fn bad(error: HeaderError) -> RegisterError {
    RegisterError::BadRequest(error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delta_seconds_rules() {
        assert_eq!(delta_seconds("0"), Some(0));
        assert_eq!(delta_seconds(" 3600 "), Some(3600));
        assert_eq!(delta_seconds("99999999999999"), Some(u32::MAX));
        assert_eq!(delta_seconds(""), None);
        assert_eq!(delta_seconds("-1"), None);
        assert_eq!(delta_seconds("1e3"), None);
    }

    #[test]
    fn qvalue_rules() {
        assert_eq!(qvalue("0"), Some(0.0));
        assert_eq!(qvalue("0.5"), Some(0.5));
        assert_eq!(qvalue("0.125"), Some(0.125));
        assert_eq!(qvalue("1"), Some(1.0));
        assert_eq!(qvalue("1.000"), Some(1.0));
        for bad in ["", "1.5", "2", "0.1234", "-0.5", "nan", "inf", ".5", "0.x"] {
            assert_eq!(qvalue(bad), None, "{bad}");
        }
    }

    #[test]
    fn unquote_instance() {
        assert_eq!(unquote("\"<urn:uuid:1>\""), "<urn:uuid:1>");
        assert_eq!(unquote("<urn:uuid:1>"), "<urn:uuid:1>");
        assert_eq!(unquote("\""), "\"");
    }
}
