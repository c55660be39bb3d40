//! SIP message model, parser and printer (RFC 3261 §7, §20, §25).
