//! Transaction matching keys (RFC 3261 §17.1.3 for responses, §17.2.3 for requests).
//!
//! Invariants: a server key built from an ACK or a CANCEL with method INVITE equals the key
//! of the INVITE it refers to; a request whose top Via branch lacks the RFC 3261 magic
//! cookie gets a simplified RFC 2543 key (Call-ID, From tag, CSeq number, top Via) that
//! ignores the To tag, so the ACK of a non-2xx response still matches its INVITE.
//! Building a key never fails: missing headers fall back to empty values.

use vpbx_sip_msg::{Host, Method, Request, Response, Via};

/// RFC 3261 §8.1.1.7: branch values of RFC 3261 elements start with this cookie.
pub(crate) const MAGIC_COOKIE: &str = "z9hG4bK";

/// Identifies a server transaction among received requests (RFC 3261 §17.2.3).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum ServerKey {
    /// Branch with the magic cookie: branch, sent-by and method.
    Branch {
        branch: String,
        host: Host,
        port: Option<u16>,
        method: Method,
    },
    /// RFC 2543 fallback (simplified, without Request-URI and To tag).
    Legacy {
        call_id: String,
        from_tag: Option<String>,
        seq: u32,
        host: Host,
        port: Option<u16>,
        branch: Option<String>,
        method: Method,
    },
}

impl ServerKey {
    /// The key of `request`, whose parsed top Via is `via`, as a request of `method`
    /// (INVITE for ACK and for the CANCEL lookup of RFC 3261 §9.2, else its own method).
    pub(crate) fn new(via: &Via, request: &Request, method: Method) -> ServerKey {
        match via.branch() {
            Some(branch) if branch.starts_with(MAGIC_COOKIE) => ServerKey::Branch {
                branch: branch.to_owned(),
                host: via.host.clone(),
                port: via.port,
                method,
            },
            branch => ServerKey::Legacy {
                call_id: request.headers.call_id().unwrap_or_default().to_owned(),
                from_tag: request
                    .headers
                    .from()
                    .ok()
                    .and_then(|f| f.tag().map(str::to_owned)),
                seq: request.headers.cseq().map(|c| c.seq).unwrap_or(0),
                host: via.host.clone(),
                port: via.port,
                branch: branch.map(str::to_owned),
                method,
            },
        }
    }
}

/// Identifies a client transaction among received responses (RFC 3261 §17.1.3): the top
/// Via branch and the CSeq method.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct ClientKey {
    branch: String,
    method: Method,
}

impl ClientKey {
    /// The key of a request the TU sends; None if its top Via has no branch (then no
    /// response can ever match it, RFC 3261 §17.1.3).
    pub(crate) fn for_request(request: &Request) -> Option<ClientKey> {
        let via = request.headers.top_via().ok()?;
        Some(ClientKey {
            branch: via.branch()?.to_owned(),
            method: request.method.clone(),
        })
    }

    /// The key a response matches; None without a branch or a CSeq.
    pub(crate) fn for_response(response: &Response) -> Option<ClientKey> {
        let via = response.headers.top_via().ok()?;
        let cseq = response.headers.cseq().ok()?;
        Some(ClientKey {
            branch: via.branch()?.to_owned(),
            method: cseq.method,
        })
    }

    /// The key of the transaction with the same branch and another method (the INVITE a
    /// CANCEL refers to, RFC 3261 §9.1).
    pub(crate) fn with_method(&self, method: Method) -> ClientKey {
        ClientKey {
            branch: self.branch.clone(),
            method,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transaction::testutil::{request, response};

    fn key(text: &str, method: Method) -> ServerKey {
        let r = request(text);
        let via = r.headers.top_via().unwrap();
        ServerKey::new(&via, &r, method)
    }

    const INVITE: &str = "INVITE sip:bob@example.com SIP/2.0\r\n\
        Via: SIP/2.0/UDP pc33.example.com:5060;branch=z9hG4bK776asdhds\r\n\
        Max-Forwards: 70\r\nTo: <sip:bob@example.com>\r\n\
        From: <sip:alice@example.com>;tag=1928301774\r\nCall-ID: a84b4c76e66710\r\n\
        CSeq: 314159 INVITE\r\nContent-Length: 0\r\n\r\n";

    #[test]
    fn ack_and_cancel_map_to_invite_key() {
        let invite = key(INVITE, Method::Invite);
        let ack = INVITE
            .replace("INVITE sip", "ACK sip")
            .replace("314159 INVITE", "314159 ACK")
            .replace(
                "<sip:bob@example.com>\r\n",
                "<sip:bob@example.com>;tag=x\r\n",
            );
        assert_eq!(key(&ack, Method::Invite), invite);
        let cancel = INVITE
            .replace("INVITE sip", "CANCEL sip")
            .replace("314159 INVITE", "314159 CANCEL");
        assert_eq!(key(&cancel, Method::Invite), invite);
        assert_ne!(key(&cancel, Method::Cancel), invite);
    }

    #[test]
    fn sent_by_is_part_of_the_key() {
        let other = INVITE.replace("pc33.example.com:5060", "pc34.example.com:5060");
        assert_ne!(key(INVITE, Method::Invite), key(&other, Method::Invite));
        let other_port = INVITE.replace("pc33.example.com:5060", "pc33.example.com:5070");
        assert_ne!(
            key(INVITE, Method::Invite),
            key(&other_port, Method::Invite)
        );
    }

    #[test]
    fn legacy_branch_uses_rfc2543_fields() {
        let legacy = INVITE.replace("branch=z9hG4bK776asdhds", "branch=1");
        let k = key(&legacy, Method::Invite);
        assert!(matches!(k, ServerKey::Legacy { seq: 314159, .. }));
        let ack = legacy
            .replace("INVITE sip", "ACK sip")
            .replace("314159 INVITE", "314159 ACK")
            .replace(
                "<sip:bob@example.com>\r\n",
                "<sip:bob@example.com>;tag=x\r\n",
            );
        assert_eq!(key(&ack, Method::Invite), k);
        let next = legacy.replace("314159 INVITE", "314160 INVITE");
        assert_ne!(key(&next, Method::Invite), k);
        let no_branch = INVITE.replace(";branch=z9hG4bK776asdhds", "");
        assert!(matches!(
            key(&no_branch, Method::Invite),
            ServerKey::Legacy { branch: None, .. }
        ));
    }

    #[test]
    fn client_keys_match_by_branch_and_cseq_method() {
        let req = request(INVITE);
        let k = ClientKey::for_request(&req).unwrap();
        let resp = response(
            "SIP/2.0 180 Ringing\r\n\
             Via: SIP/2.0/UDP pc33.example.com:5060;branch=z9hG4bK776asdhds\r\n\
             To: <sip:bob@example.com>;tag=a\r\nFrom: <sip:alice@example.com>;tag=1928301774\r\n\
             Call-ID: a84b4c76e66710\r\nCSeq: 314159 INVITE\r\nContent-Length: 0\r\n\r\n",
        );
        assert_eq!(ClientKey::for_response(&resp), Some(k.clone()));
        let mut cancel_resp = resp.clone();
        cancel_resp
            .headers
            .set(vpbx_sip_msg::HeaderName::CSeq, "314159 CANCEL");
        assert_eq!(
            ClientKey::for_response(&cancel_resp),
            Some(k.with_method(Method::Cancel))
        );
    }

    #[test]
    fn missing_branch_or_cseq_gives_no_client_key() {
        let no_branch = request(&INVITE.replace(";branch=z9hG4bK776asdhds", ""));
        assert_eq!(ClientKey::for_request(&no_branch), None);
        let resp = response(
            "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nContent-Length: 0\r\n\r\n",
        );
        assert_eq!(ClientKey::for_response(&resp), None);
    }
}
