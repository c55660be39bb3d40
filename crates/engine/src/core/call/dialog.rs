//! One side of a B2BUA call as a SIP dialog (RFC 3261 §12): identifiers, remote target,
//! route set and local CSeq, and building requests inside it (§12.2.1.1).
//!
//! Invariants: the local CSeq only grows (§12.2.1.1); requests are sent to the first hop of
//! the route set when there is one (loose routing, §16.12) and otherwise to the address
//! the peer last used, which keeps phones behind NAT reachable (RFC 3581 spirit).

use super::target;
use vpbx_sip_msg::{HeaderName, Headers, Method, NameAddr, Request, Uri};
use vpbx_sip_proto::transaction::Peer;

/// State of one dialog (RFC 3261 §12.1).
#[derive(Clone, Debug)]
pub struct Dialog {
    /// Call-ID of the dialog.
    pub call_id: String,
    /// Our URI with our tag, printed (From of our requests).
    pub local: String,
    /// The peer's URI with its tag, printed (To of our requests).
    pub remote: String,
    /// Our tag.
    pub local_tag: String,
    /// The peer's target URI from its Contact (§12.1.1, §12.1.2).
    pub remote_target: Uri,
    /// Route set, in the order our requests carry it (§12.1.1, §12.1.2).
    pub route_set: Vec<String>,
    /// Last CSeq number we used (§12.2.1.1).
    pub local_cseq: u32,
    /// Last CSeq number received from the peer (§12.2.2), if any.
    pub remote_cseq: Option<u32>,
    /// Where the peer's messages come from.
    pub peer: Peer,
}

impl Dialog {
    /// The dialog `request` (with Call-ID `call_id`, From `from`, To `to`) creates with us
    /// as UAS (RFC 3261 §12.1.1): our tag `tag` added to its To, its Record-Route set in
    /// order, the peer's CSeq, and `remote_target` from its Contact.
    pub fn uas(
        request: &Request,
        call_id: &str,
        from: &NameAddr,
        to: &NameAddr,
        remote_target: Uri,
        tag: &str,
        peer: Peer,
    ) -> Dialog {
        let mut local = to.clone();
        local.params.set("tag", Some(tag));
        Dialog {
            call_id: call_id.to_owned(),
            local: local.to_string(),
            remote: from.to_string(),
            local_tag: tag.to_owned(),
            remote_target,
            route_set: request
                .headers
                .get_all(&HeaderName::RecordRoute)
                .map(str::to_owned)
                .collect(),
            local_cseq: 0,
            remote_cseq: request.headers.cseq().ok().map(|c| c.seq),
            peer,
        }
    }

    /// Builds a request within the dialog (RFC 3261 §12.2.1.1) with the given top Via and
    /// the next CSeq (ACK takes the `cseq` of its INVITE, §13.2.2.4).
    pub fn request(&mut self, method: Method, via: &str, cseq: Option<u32>) -> Request {
        let seq = match cseq {
            Some(s) => s,
            None => {
                self.local_cseq += 1;
                self.local_cseq
            }
        };
        let mut headers = Headers::new();
        headers.push(HeaderName::Via, via);
        headers.push(HeaderName::MaxForwards, "70");
        headers.push(HeaderName::From, self.local.clone());
        headers.push(HeaderName::To, self.remote.clone());
        headers.push(HeaderName::CallId, self.call_id.clone());
        headers.push(HeaderName::CSeq, format!("{seq} {method}"));
        for r in &self.route_set {
            headers.push(HeaderName::Route, r.clone());
        }
        Request {
            method,
            uri: self.remote_target.clone(),
            headers,
            body: Vec::new(),
        }
    }

    /// Where requests of this dialog go: the first route's address when routes exist and it
    /// parses, else the address the peer talks to us from.
    pub fn next_hop(&self) -> Peer {
        self.route_set
            .first()
            .and_then(|r| r.parse::<NameAddr>().ok())
            .and_then(|n| target::socket_of(&n.uri, self.peer.transport))
            .map(|(addr, transport)| Peer {
                transport,
                addr,
                conn: None,
            })
            .unwrap_or(self.peer)
    }
}
