//! Parser and printer throughput on the messages the REGISTER load consists of
//! (`cargo bench -p vpbx-sip-msg`).

use vpbx_sip_msg::{Message, Request};
use vpbx_testkit::bench::measure;

const REGISTER: &[u8] = b"REGISTER sip:t1.example SIP/2.0\r\n\
Via: SIP/2.0/UDP 127.0.0.1:5172;branch=z9hG4bK-4711-1-2;rport\r\n\
Max-Forwards: 70\r\n\
From: <sip:1000@t1.example>;tag=4711R1\r\n\
To: <sip:1000@t1.example>\r\n\
Call-ID: 1-4711@127.0.0.1\r\n\
CSeq: 2 REGISTER\r\n\
Contact: <sip:1000@127.0.0.1:5172;transport=udp>\r\n\
Authorization: Digest username=\"1000\",realm=\"t1.example\",uri=\"sip:127.0.0.1:5060\",\
nonce=\"000000006b0373821bf7db599fe91e85c33c058dae36cecb\",response=\"0123456789abcdef0123456789abcdef\",\
algorithm=MD5,cnonce=\"6b8b4567\",qop=auth,nc=00000001\r\n\
Expires: 3600\r\n\
User-Agent: vpbx-bench-sipp\r\n\
Content-Length: 0\r\n\r\n";

fn main() {
    measure("parse REGISTER with Authorization", || {
        Message::parse(REGISTER).ok()
    });
    let Ok(Message::Request(req)) = Message::parse(REGISTER) else {
        panic!("benchmark message must parse");
    };
    measure("validate", || req.validate().is_ok());
    measure("typed Authorization header", || {
        req.headers
            .auth(&vpbx_sip_msg::HeaderName::Authorization)
            .ok()
    });
    measure("build 200 response", || {
        req.response(200, "OK", Some("abc"))
    });
    let resp = Message::Response(req.response(200, "OK", Some("abc")));
    measure("print response", || resp.to_bytes());
    measure("parse+validate+respond+print", || {
        let Ok(Message::Request(r)) = Message::parse(REGISTER) else {
            return 0;
        };
        let _ = r.validate();
        Message::Response(Request::response(&r, 200, "OK", Some("t")))
            .to_bytes()
            .len()
    });
}
