//! The ACK a client INVITE transaction generates for a 3xx–6xx response
//! (RFC 3261 §17.1.1.3).
//!
//! Invariants: the ACK copies Request-URI, Call-ID, From, the CSeq number and Route set of
//! the original INVITE, carries only the INVITE's top Via (same branch), takes its To
//! (with the tag) from the response, and has no body. Missing headers are simply omitted:
//! building never fails.

use vpbx_sip_msg::{HeaderName, Headers, Method, Request, Response, Uri};

use super::wire::encode_request;

/// RFC 3261 §8.1.1.6: Max-Forwards of requests a UA originates.
const MAX_FORWARDS: &str = "70";

/// What the ACK needs from the original INVITE (RFC 3261 §17.1.1.3).
#[derive(Clone, Debug)]
pub(crate) struct AckTemplate {
    uri: Uri,
    via: Option<String>,
    routes: Vec<String>,
    from: Option<String>,
    to: Option<String>,
    call_id: Option<String>,
    seq: u32,
}

impl AckTemplate {
    /// Remembers what the ACK of `invite` will copy.
    pub(crate) fn from_request(invite: &Request) -> AckTemplate {
        let h = &invite.headers;
        AckTemplate {
            uri: invite.uri.clone(),
            via: h.get(&HeaderName::Via).map(str::to_owned),
            routes: h.get_all(&HeaderName::Route).map(str::to_owned).collect(),
            from: h.get(&HeaderName::From).map(str::to_owned),
            to: h.get(&HeaderName::To).map(str::to_owned),
            call_id: h.get(&HeaderName::CallId).map(str::to_owned),
            seq: h.cseq().map(|c| c.seq).unwrap_or(0),
        }
    }

    /// The serialized ACK for the non-2xx final `response`.
    pub(crate) fn build(&self, response: &Response) -> Vec<u8> {
        let mut headers = Headers::new();
        let optional = |headers: &mut Headers, name: HeaderName, value: Option<&str>| {
            if let Some(v) = value {
                headers.push(name, v);
            }
        };
        optional(&mut headers, HeaderName::Via, self.via.as_deref());
        for route in &self.routes {
            headers.push(HeaderName::Route, route.as_str());
        }
        headers.push(HeaderName::MaxForwards, MAX_FORWARDS);
        optional(&mut headers, HeaderName::From, self.from.as_deref());
        let to = response.headers.get(&HeaderName::To).or(self.to.as_deref());
        optional(&mut headers, HeaderName::To, to);
        optional(&mut headers, HeaderName::CallId, self.call_id.as_deref());
        headers.push(HeaderName::CSeq, format!("{} ACK", self.seq));
        headers.push(HeaderName::ContentLength, "0");
        encode_request(Request {
            method: Method::Ack,
            uri: self.uri.clone(),
            headers,
            body: Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transaction::testutil::{request, response};
    use vpbx_sip_msg::Message;

    #[test]
    fn ack_follows_17_1_1_3() {
        let invite = request(
            "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n\
             Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8\r\n\
             Via: SIP/2.0/UDP proxy.example.com;branch=z9hG4bKupstream\r\n\
             Route: <sip:p1.example.com;lr>\r\nRoute: <sip:p2.example.com;lr>\r\n\
             Max-Forwards: 70\r\nTo: Bob <sip:bob@biloxi.example.com>\r\n\
             From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n\
             Call-ID: a84b4c76e66710\r\nCSeq: 314159 INVITE\r\n\
             Content-Type: application/sdp\r\nContent-Length: 4\r\n\r\nv=0\n",
        );
        let busy = response(
            "SIP/2.0 486 Busy Here\r\n\
             Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8\r\n\
             To: Bob <sip:bob@biloxi.example.com>;tag=8321234356\r\n\
             From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n\
             Call-ID: a84b4c76e66710\r\nCSeq: 314159 INVITE\r\nContent-Length: 0\r\n\r\n",
        );
        let bytes = AckTemplate::from_request(&invite).build(&busy);
        let Ok(Message::Request(ack)) = Message::parse(&bytes) else {
            panic!("ACK does not parse: {}", String::from_utf8_lossy(&bytes));
        };
        assert_eq!(ack.method, Method::Ack);
        assert_eq!(ack.uri, invite.uri);
        let vias = ack.headers.vias().unwrap();
        assert_eq!(vias.len(), 1);
        assert_eq!(vias[0].branch(), Some("z9hG4bKnashds8"));
        assert_eq!(ack.headers.name_addrs(&HeaderName::Route).unwrap().len(), 2);
        assert_eq!(ack.headers.to().unwrap().tag(), Some("8321234356"));
        assert_eq!(ack.headers.from().unwrap().tag(), Some("1928301774"));
        assert_eq!(ack.headers.call_id().unwrap(), "a84b4c76e66710");
        let cseq = ack.headers.cseq().unwrap();
        assert_eq!((cseq.seq, cseq.method), (314159, Method::Ack));
        assert!(ack.body.is_empty());
        assert_eq!(ack.headers.content_length().unwrap(), Some(0));
        assert_eq!(ack.headers.max_forwards().unwrap(), Some(70));
        assert!(ack.validate().is_ok());
    }

    #[test]
    fn ack_without_headers_does_not_fail() {
        let invite = request(
            "INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n\
             Content-Length: 0\r\n\r\n",
        );
        let resp = response("SIP/2.0 500 Oops\r\nContent-Length: 0\r\n\r\n");
        let bytes = AckTemplate::from_request(&invite).build(&resp);
        assert!(bytes.starts_with(b"ACK sip:bob@example.com SIP/2.0\r\n"));
    }
}
