//! Generic parameters `;name[=value]` (RFC 3261 §25.1 `generic-param`, §19.1.1
//! `uri-parameters`).
//!
//! Invariants: order is kept; names are compared case-insensitively; header parameter values
//! are stored unquoted (a `quoted-string` is unescaped) and re-quoted when printed if they are
//! not a bare `token`/`host`; URI parameter values are stored exactly as received (escaped).

use std::fmt;

use crate::lex::{is_token_byte, is_ws, trim_ws_start, unquote, write_quoted};

/// Ordered generic parameters (RFC 3261 §25.1 `generic-param`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Params(pub Vec<(String, Option<String>)>);

impl Params {
    /// Value of the first parameter named `name` (case-insensitive): `None` if absent,
    /// `Some(None)` for a flag such as `;lr`.
    pub fn get(&self, name: &str) -> Option<Option<&str>> {
        self.0
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_deref())
    }

    /// Sets `name` to `value`, replacing the first parameter of that name in place (and
    /// dropping later duplicates) or appending it.
    pub fn set(&mut self, name: &str, value: Option<&str>) {
        let value = value.map(str::to_owned);
        match self
            .0
            .iter()
            .position(|(n, _)| n.eq_ignore_ascii_case(name))
        {
            Some(i) => {
                if let Some(slot) = self.0.get_mut(i) {
                    slot.1 = value;
                }
                let mut idx = 0;
                self.0.retain(|(n, _)| {
                    let keep = idx <= i || !n.eq_ignore_ascii_case(name);
                    idx += 1;
                    keep
                });
            }
            None => self.0.push((name.to_owned(), value)),
        }
    }

    /// Removes every parameter named `name` (case-insensitive).
    pub fn remove(&mut self, name: &str) {
        self.0.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    }

    /// True if a parameter named `name` is present (case-insensitive).
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// True if there are no parameters.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Writes the parameters in URI form (RFC 3261 §19.1.1): values exactly as stored.
    pub(crate) fn write_uri(&self, f: &mut impl fmt::Write) -> fmt::Result {
        for (n, v) in &self.0 {
            f.write_char(';')?;
            f.write_str(n)?;
            if let Some(v) = v {
                f.write_char('=')?;
                f.write_str(v)?;
            }
        }
        Ok(())
    }
}

/// Characters printed without quotes in a header parameter value: `token` plus the extra
/// `host` characters `:`, `[`, `]` (RFC 3261 §25.1 `gen-value`).
fn is_bare_value_byte(b: u8) -> bool {
    is_token_byte(b) || matches!(b, b':' | b'[' | b']' | b'/')
}

impl fmt::Display for Params {
    /// Writes `;name[=value]` for each parameter, quoting values that are not bare
    /// `token`/`host` text (RFC 3261 §25.1 `gen-value`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (n, v) in &self.0 {
            f.write_str(";")?;
            f.write_str(n)?;
            if let Some(v) = v {
                f.write_str("=")?;
                if !v.is_empty() && v.bytes().all(is_bare_value_byte) {
                    f.write_str(v)?;
                } else {
                    write_quoted(f, v)?;
                }
            }
        }
        Ok(())
    }
}

/// Parses header parameters `*( SEMI generic-param )` from the start of `s` (leading
/// whitespace allowed, RFC 3261 §25.1 `SEMI`, `EQUAL`). Returns the parameters and the
/// unparsed remainder (starting at the first character that is not part of a parameter),
/// or `None` on a malformed parameter.
pub(crate) fn parse_header_params(s: &str) -> Option<(Params, &str)> {
    let mut params = Vec::new();
    let mut rest = trim_ws_start(s);
    while let Some(after) = rest.strip_prefix(';') {
        let after = trim_ws_start(after);
        let name_len = after.bytes().take_while(|&b| is_token_byte(b)).count();
        if name_len == 0 {
            return None;
        }
        let (name, after) = after.split_at(name_len);
        let after_ws = trim_ws_start(after);
        if let Some(v) = after_ws.strip_prefix('=') {
            let v = trim_ws_start(v);
            let (value, after) = if v.starts_with('"') {
                unquote(v)?
            } else {
                let len = v.bytes().take_while(|&b| is_bare_value_byte(b)).count();
                if len == 0 {
                    return None;
                }
                let (val, after) = v.split_at(len);
                (val.to_owned(), after)
            };
            params.push((name.to_owned(), Some(value)));
            rest = trim_ws_start(after);
        } else {
            params.push((name.to_owned(), None));
            rest = after_ws;
        }
    }
    Some((Params(params), rest))
}

/// Parses URI parameters (RFC 3261 §19.1.1 `uri-parameters`) from the text after the first
/// `;`, e.g. `transport=udp;lr`. Returns `None` on an empty parameter name.
pub(crate) fn parse_uri_params(s: &str) -> Option<Params> {
    let mut params = Vec::new();
    for p in s.split(';') {
        let (n, v) = match p.split_once('=') {
            Some((n, v)) => (n, Some(v.to_owned())),
            None => (p, None),
        };
        if n.is_empty() || n.bytes().any(is_ws) {
            return None;
        }
        params.push((n.to_owned(), v));
    }
    Some(Params(params))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(list: &[(&str, Option<&str>)]) -> Params {
        Params(
            list.iter()
                .map(|(n, v)| (n.to_string(), v.map(str::to_owned)))
                .collect(),
        )
    }

    #[test]
    fn header_params_parse_and_print() {
        let (ps, rest) =
            parse_header_params(r#" ; branch = z9hG4bK1 ;rport; X="a \"q\";b" ;received=[::1] >x"#)
                .unwrap();
        assert_eq!(
            ps,
            p(&[
                ("branch", Some("z9hG4bK1")),
                ("rport", None),
                ("X", Some(r#"a "q";b"#)),
                ("received", Some("[::1]")),
            ])
        );
        assert_eq!(rest, ">x");
        assert_eq!(
            ps.to_string(),
            r#";branch=z9hG4bK1;rport;X="a \"q\";b";received=[::1]"#
        );
        assert_eq!(ps.get("BRANCH"), Some(Some("z9hG4bK1")));
        assert_eq!(ps.get("rport"), Some(None));
        assert_eq!(ps.get("nope"), None);
        assert!(ps.contains("x"));
        assert!(parse_header_params(";=1").is_none());
        assert!(parse_header_params(";a=").is_none());
        assert!(parse_header_params(";a=\"open").is_none());
        assert_eq!(p(&[("e", Some(""))]).to_string(), r#";e="""#);
    }

    #[test]
    fn set_remove() {
        let mut ps = p(&[("a", Some("1")), ("b", None), ("A", Some("2"))]);
        ps.set("a", Some("3"));
        assert_eq!(ps, p(&[("a", Some("3")), ("b", None)]));
        ps.set("tag", Some("x"));
        assert_eq!(ps.get("tag"), Some(Some("x")));
        ps.remove("B");
        assert_eq!(ps, p(&[("a", Some("3")), ("tag", Some("x"))]));
        assert!(!ps.is_empty());
    }

    #[test]
    fn uri_params() {
        let ps = parse_uri_params("transport=udp;lr;x=%20").unwrap();
        assert_eq!(
            ps,
            p(&[("transport", Some("udp")), ("lr", None), ("x", Some("%20"))])
        );
        let mut s = String::new();
        ps.write_uri(&mut s).unwrap();
        assert_eq!(s, ";transport=udp;lr;x=%20");
        assert!(parse_uri_params("a;;b").is_none());
    }
}
