//! The network layer: HTTPS through one ureq agent with verified TLS (`http.rs`, `tls.rs`), DNS
//! through one stub resolver on hickory-proto's wire format (`dns.rs`), single questions to
//! chosen servers (`query.rs`) and the zone's authoritative answer for a record
//! (`authority.rs`). Everything here has a time and a size bound.

pub mod authority;
pub mod dns;
pub mod http;
pub mod query;
