//! Domain Connect, the protocol `ddns` speaks with DNS providers. The wire format, as pure
//! functions (URLs, bodies, reply parsing): `protocol.rs` (discovery, consent, apply),
//! `oauth.rs` (codes and token replies), `token.rs` (token requests, PKCE, pinned token
//! endpoints), `reply.rs` (error replies). `client.rs` makes the calls over
//! HTTPS and says what each reply status means. Reference: `shared/domain-connect.md`.

pub mod client;
pub mod oauth;
pub mod protocol;
pub mod reply;
pub mod token;
