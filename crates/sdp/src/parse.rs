//! The SDP parser: lines `<type>=<value>` (RFC 8866 §5) assembled into a
//! [`SessionDescription`], with the field grammars of §5.1–§5.14 delegated to each type.
//!
//! Invariants: never panics on any input; accepts LF as well as CRLF line ends and ignores
//! blank lines (as real phones send them); ignores unknown lower-case line types
//! (RFC 8866 §5) and rejects every other malformed line with a [`ParseError`] naming it.
//! Session-level lines may come in any order before the first `m=` line, except that `r=`
//! and `z=` follow the `t=` they belong to; `v=` must come first.

use std::str::FromStr;

use crate::attribute::Attribute;
use crate::bandwidth::Bandwidth;
use crate::connection::Connection;
use crate::error::ParseError;
use crate::media::{MediaDescription, MediaLineError};
use crate::session::{Origin, SessionDescription};
use crate::timing::{Repeat, Timing, ZoneAdjustment};

/// The session-level fields collected so far (RFC 8866 §5).
#[derive(Default)]
struct Builder {
    origin: Option<Origin>,
    session_name: Option<String>,
    information: Option<String>,
    uri: Option<String>,
    emails: Vec<String>,
    phones: Vec<String>,
    connection: Option<Connection>,
    bandwidths: Vec<Bandwidth>,
    timings: Vec<Timing>,
    key: Option<String>,
    attributes: Vec<Attribute>,
    media: Vec<MediaDescription>,
}

/// One line of input: number, type letter and value.
struct Line<'a> {
    number: usize,
    kind: char,
    value: &'a str,
}

impl Line<'_> {
    fn malformed(&self) -> ParseError {
        ParseError::Malformed {
            line: self.number,
            kind: self.kind,
        }
    }

    /// Parses the value with `parse`, reporting a malformed line on failure.
    fn parsed<T>(&self, parse: impl Fn(&str) -> Option<T>) -> Result<T, ParseError> {
        parse(self.value).ok_or_else(|| self.malformed())
    }

    fn unexpected(&self) -> ParseError {
        ParseError::Unexpected {
            line: self.number,
            kind: self.kind,
        }
    }
}

/// Splits `text` into numbered `<type>=<value>` lines, skipping blank ones (RFC 8866 §5).
fn lines(text: &str) -> impl Iterator<Item = Result<Line<'_>, ParseError>> {
    text.split('\n')
        .enumerate()
        .map(|(i, raw)| (i + 1, raw.strip_suffix('\r').unwrap_or(raw)))
        .filter(|(_, raw)| !raw.trim().is_empty())
        .map(|(number, raw)| {
            if raw.contains(['\r', '\0']) {
                return Err(ParseError::IllegalCharacter { line: number });
            }
            match raw.as_bytes() {
                [kind, b'=', ..] if kind.is_ascii_lowercase() => Ok(Line {
                    number,
                    kind: char::from(*kind),
                    value: raw.get(2..).unwrap_or_default(),
                }),
                _ => Err(ParseError::Syntax { line: number }),
            }
        })
}

/// Sets a field that may appear once, or reports the line as unexpected.
fn set_once<T>(slot: &mut Option<T>, value: T, line: &Line<'_>) -> Result<(), ParseError> {
    if slot.is_some() {
        return Err(line.unexpected());
    }
    *slot = Some(value);
    Ok(())
}

impl Builder {
    /// Handles a line before the first `m=` (RFC 8866 §5, session section).
    fn session_line(&mut self, line: &Line<'_>) -> Result<(), ParseError> {
        let value = line.value;
        match line.kind {
            'o' => set_once(&mut self.origin, line.parsed(Origin::parse)?, line)?,
            's' => set_once(&mut self.session_name, value.to_owned(), line)?,
            'i' => set_once(&mut self.information, value.to_owned(), line)?,
            'u' => set_once(&mut self.uri, value.to_owned(), line)?,
            'e' => self.emails.push(value.to_owned()),
            'p' => self.phones.push(value.to_owned()),
            'c' => set_once(&mut self.connection, line.parsed(Connection::parse)?, line)?,
            'b' => self.bandwidths.push(line.parsed(Bandwidth::parse)?),
            't' => self.timings.push(line.parsed(Timing::parse)?),
            'r' => {
                let repeat = line.parsed(Repeat::parse)?;
                let timing = self.timings.last_mut().ok_or_else(|| line.unexpected())?;
                timing.repeats.push(repeat);
            }
            'z' => {
                let zones = line.parsed(ZoneAdjustment::parse_line)?;
                let timing = self.timings.last_mut().ok_or_else(|| line.unexpected())?;
                timing.zones.extend(zones);
            }
            'k' => set_once(&mut self.key, value.to_owned(), line)?,
            'a' => self.attributes.push(line.parsed(Attribute::parse)?),
            'v' => return Err(line.unexpected()),
            _ => {}
        }
        Ok(())
    }

    /// Starts a media description at an `m=` line (RFC 8866 §5.14).
    fn media_line(&mut self, line: &Line<'_>) -> Result<(), ParseError> {
        let media = MediaDescription::parse_line(line.value).map_err(|e| match e {
            MediaLineError::Port => ParseError::BadPort { line: line.number },
            MediaLineError::Malformed => line.malformed(),
        })?;
        self.media.push(media);
        Ok(())
    }

    /// Handles a line inside a media description (RFC 8866 §5, media section).
    fn media_field(media: &mut MediaDescription, line: &Line<'_>) -> Result<(), ParseError> {
        let value = line.value;
        match line.kind {
            'i' => set_once(&mut media.information, value.to_owned(), line)?,
            'c' => media.connections.push(line.parsed(Connection::parse)?),
            'b' => media.bandwidths.push(line.parsed(Bandwidth::parse)?),
            'k' => set_once(&mut media.key, value.to_owned(), line)?,
            'a' => media.attributes.push(line.parsed(Attribute::parse)?),
            'v' | 'o' | 's' | 'u' | 'e' | 'p' | 't' | 'r' | 'z' => return Err(line.unexpected()),
            _ => {}
        }
        Ok(())
    }

    /// Checks the media description that started at line `m_line` has a connection
    /// (RFC 8866 §5.7); rejected streams (port 0) are exempt.
    fn check_connection(&self, m_line: Option<usize>) -> Result<(), ParseError> {
        match (m_line, self.media.last()) {
            (Some(line), Some(m))
                if m.connections.is_empty() && self.connection.is_none() && !m.is_rejected() =>
            {
                Err(ParseError::MissingConnection { line })
            }
            _ => Ok(()),
        }
    }

    /// Finishes the description, checking the mandatory lines (RFC 8866 §5).
    fn finish(self) -> Result<SessionDescription, ParseError> {
        let origin = self.origin.ok_or(ParseError::Missing { kind: 'o' })?;
        let session_name = self.session_name.ok_or(ParseError::Missing { kind: 's' })?;
        if self.timings.is_empty() {
            return Err(ParseError::Missing { kind: 't' });
        }
        Ok(SessionDescription {
            origin,
            session_name,
            information: self.information,
            uri: self.uri,
            emails: self.emails,
            phones: self.phones,
            connection: self.connection,
            bandwidths: self.bandwidths,
            timings: self.timings,
            key: self.key,
            attributes: self.attributes,
            media: self.media,
        })
    }
}

impl SessionDescription {
    /// Parses a session description (RFC 8866 §5, §9).
    pub fn parse(text: &str) -> Result<SessionDescription, ParseError> {
        let mut lines = lines(text);
        let first = lines.next().transpose()?;
        match first {
            Some(Line {
                kind: 'v', value, ..
            }) if value.trim() == "0" => {}
            Some(Line {
                kind: 'v', number, ..
            }) => return Err(ParseError::BadVersion { line: number }),
            _ => return Err(ParseError::Missing { kind: 'v' }),
        }
        let mut b = Builder::default();
        let mut m_line = None;
        for line in lines {
            let line = line?;
            if line.kind == 'm' {
                b.check_connection(m_line)?;
                b.media_line(&line)?;
                m_line = Some(line.number);
                continue;
            }
            match b.media.last_mut() {
                Some(media) => Builder::media_field(media, &line)?,
                None => b.session_line(&line)?,
            }
        }
        b.check_connection(m_line)?;
        b.finish()
    }

    /// Parses a session description from a message body, which must be UTF-8
    /// (RFC 8866 §5).
    pub fn from_bytes(body: &[u8]) -> Result<SessionDescription, ParseError> {
        match std::str::from_utf8(body) {
            Ok(text) => SessionDescription::parse(text),
            Err(e) => {
                let valid = body.get(..e.valid_up_to()).unwrap_or_default();
                let line = 1 + valid.iter().filter(|&&b| b == b'\n').count();
                Err(ParseError::NotUtf8 { line })
            }
        }
    }
}

impl FromStr for SessionDescription {
    type Err = ParseError;

    /// Same as [`SessionDescription::parse`] (RFC 8866 §5).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        SessionDescription::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str =
        "v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\nm=audio 4000 RTP/AVP 0\n";

    fn parse(s: &str) -> Result<SessionDescription, ParseError> {
        SessionDescription::parse(s)
    }

    #[test]
    fn lf_and_crlf_give_the_same_result() {
        let crlf = MINIMAL.replace('\n', "\r\n");
        assert!(parse(MINIMAL).is_ok());
        assert_eq!(parse(MINIMAL), parse(&crlf));
        assert_eq!(parse(MINIMAL), parse(&format!("{MINIMAL}\r\n\r\n")));
    }

    #[test]
    fn rfc8866_s5_missing_mandatory_lines() {
        for (kind, drop) in [
            ('v', "v=0\n"),
            ('o', "o=- 1 1 IN IP4 192.0.2.1\n"),
            ('s', "s=-\n"),
            ('t', "t=0 0\n"),
        ] {
            let text = MINIMAL.replace(drop, "");
            assert_eq!(parse(&text), Err(ParseError::Missing { kind }), "{kind}");
        }
        assert_eq!(parse(""), Err(ParseError::Missing { kind: 'v' }));
    }

    #[test]
    fn rfc8866_s5_1_version() {
        let text = MINIMAL.replace("v=0", "v=1");
        assert_eq!(parse(&text), Err(ParseError::BadVersion { line: 1 }));
        assert!(parse(&MINIMAL.replace("v=0", "v=0 ")).is_ok());
    }

    #[test]
    fn rfc8866_s5_7_media_without_connection() {
        let text = MINIMAL.replace("c=IN IP4 192.0.2.1\n", "");
        assert_eq!(parse(&text), Err(ParseError::MissingConnection { line: 5 }));
        let text = format!("{text}c=IN IP4 192.0.2.1\n");
        assert!(parse(&text).is_ok(), "media-level c= after m=");
        let text = MINIMAL
            .replace("c=IN IP4 192.0.2.1\n", "")
            .replace("m=audio 4000", "m=audio 0");
        assert!(parse(&text).is_ok(), "rejected stream needs no c=");
        let two = format!("{}m=video 0 RTP/AVP 31\nm=audio 5000 RTP/AVP 0\n", text);
        assert_eq!(parse(&two), Err(ParseError::MissingConnection { line: 7 }));
    }

    #[test]
    fn rfc8866_s5_14_bad_port_names_the_line() {
        let text = MINIMAL.replace("m=audio 4000", "m=audio 65536");
        assert_eq!(parse(&text), Err(ParseError::BadPort { line: 6 }));
        assert_eq!(
            parse(&text).map_err(|e| e.to_string()),
            Err("line 6: bad port".to_owned())
        );
    }

    #[test]
    fn rfc8866_s5_unknown_types() {
        let text = MINIMAL.replace("t=0 0\n", "t=0 0\ny=0123456789\nf=v/2/25\n");
        assert!(parse(&text).is_ok(), "unknown lower-case types are ignored");
        let text = format!("{MINIMAL}y=1\n");
        assert!(parse(&text).is_ok());
        for bad in ["X=1", "1=1", "==x", "hello", "a", "Ä=1", " a=x"] {
            let text = format!("{MINIMAL}{bad}\n");
            assert_eq!(parse(&text), Err(ParseError::Syntax { line: 7 }), "{bad}");
        }
    }

    #[test]
    fn misplaced_and_repeated_lines() {
        let cases = [
            (MINIMAL.replace("s=-\n", "s=-\ns=again\n"), 4, 's'),
            (MINIMAL.replace("t=0 0\n", "r=7d 1h 0\nt=0 0\n"), 5, 'r'),
            (MINIMAL.replace("t=0 0\n", "z=0 0\nt=0 0\n"), 5, 'z'),
            (format!("{MINIMAL}t=0 0\n"), 7, 't'),
            (format!("{MINIMAL}i=a\ni=b\n"), 8, 'i'),
            (format!("{MINIMAL}v=0\n"), 7, 'v'),
            (MINIMAL.replace("s=-\n", "s=-\nv=0\n"), 4, 'v'),
            (
                MINIMAL.replace("s=-\n", "s=-\nc=IN IP4 192.0.2.2\n"),
                5,
                'c',
            ),
        ];
        for (text, line, kind) in cases {
            assert_eq!(
                parse(&text),
                Err(ParseError::Unexpected { line, kind }),
                "{text}"
            );
        }
    }

    #[test]
    fn malformed_values_name_their_line() {
        let cases = [
            (MINIMAL.replace("o=- 1 1", "o=- 1"), 2, 'o'),
            (MINIMAL.replace("c=IN IP4 192.0.2.1", "c=IN IP4"), 4, 'c'),
            (MINIMAL.replace("t=0 0", "t=now"), 5, 't'),
            (format!("{MINIMAL}b=AS\n"), 7, 'b'),
            (format!("{MINIMAL}c=IN\n"), 7, 'c'),
            (format!("{MINIMAL}a=\n"), 7, 'a'),
            (MINIMAL.replace("RTP/AVP 0", "RTP/AVP x"), 6, 'm'),
        ];
        for (text, line, kind) in cases {
            assert_eq!(
                parse(&text),
                Err(ParseError::Malformed { line, kind }),
                "{text}"
            );
        }
    }

    #[test]
    fn illegal_characters_and_utf8() {
        let text = format!("{MINIMAL}a=x\0y\n");
        assert_eq!(parse(&text), Err(ParseError::IllegalCharacter { line: 7 }));
        let text = format!("{MINIMAL}a=x\ry\n");
        assert_eq!(parse(&text), Err(ParseError::IllegalCharacter { line: 7 }));
        let mut bytes = MINIMAL.as_bytes().to_vec();
        bytes.extend_from_slice(b"i=caf\xe9\n");
        assert_eq!(
            SessionDescription::from_bytes(&bytes),
            Err(ParseError::NotUtf8 { line: 7 })
        );
        assert!(SessionDescription::from_bytes(MINIMAL.as_bytes()).is_ok());
        assert_eq!(MINIMAL.parse::<SessionDescription>(), parse(MINIMAL));
    }

    #[test]
    fn error_lines_are_reported() {
        assert_eq!(ParseError::BadPort { line: 3 }.line(), Some(3));
        assert_eq!(ParseError::Missing { kind: 't' }.line(), None);
    }
}
