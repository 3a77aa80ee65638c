//! Domain Connect, the protocol `ddns` speaks with DNS providers: `protocol.rs` (discovery,
//! consent, apply) and `oauth.rs` (codes and tokens) hold the wire format as pure functions
//! (URLs, bodies, reply parsing), `client.rs` the calls over HTTPS and what each reply status
//! means. Reference: `shared/domain-connect.md`.

pub mod client;
pub mod oauth;
pub mod protocol;
