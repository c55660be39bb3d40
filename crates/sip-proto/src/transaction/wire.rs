//! Serialization of messages the layer sends (RFC 3261 §7, via vpbx-sip-msg's printer).
//!
//! Invariant: each message is serialized exactly once; retransmissions reuse the bytes.

use vpbx_sip_msg::{Message, Request, Response};

/// The wire form of `request`.
pub(crate) fn encode_request(request: Request) -> Vec<u8> {
    Message::Request(request).to_bytes()
}

/// The wire form of `response`.
pub(crate) fn encode_response(response: Response) -> Vec<u8> {
    Message::Response(response).to_bytes()
}
