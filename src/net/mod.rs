//! The network layer: HTTPS through one ureq agent with verified TLS (`http.rs`, `tls.rs`), DNS
//! through one stub resolver on hickory-proto's wire format (`dns.rs`), single questions to
//! chosen servers (`query.rs`) and the zone's authoritative answer for a record
//! (`authority.rs`). Everything here has a time and a size bound.

pub mod authority;
pub mod dns;
pub mod http;
pub mod query;
pub mod resolv;
pub mod tls;

use crate::error::Result;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};

/// The DNS and HTTPS clients of one run, built on first use: a run that needs neither builds
/// neither (a no-op `update` with DNS sources makes no TLS handshake).
pub struct Net {
    resolvers: Option<Vec<SocketAddr>>,
    ssl_cert_file: Option<String>,
    dns: OnceLock<Arc<dns::Dns>>,
    http: OnceLock<http::Http>,
}

impl Net {
    /// Clients that will use `resolvers` (else the system's) and `ssl_cert_file`'s roots.
    pub fn new(resolvers: Option<Vec<SocketAddr>>, ssl_cert_file: Option<String>) -> Net {
        Net {
            resolvers,
            ssl_cert_file,
            dns: OnceLock::new(),
            http: OnceLock::new(),
        }
    }

    /// The DNS client.
    pub fn dns(&self) -> &Arc<dns::Dns> {
        self.dns
            .get_or_init(|| Arc::new(dns::Dns::new(self.resolvers.as_deref())))
    }

    /// The HTTPS client.
    pub fn http(&self) -> Result<&http::Http> {
        if let Some(http) = self.http.get() {
            return Ok(http);
        }
        let http = http::Http::new(Arc::clone(self.dns()), self.ssl_cert_file.as_deref())?;
        Ok(self.http.get_or_init(|| http))
    }
}
