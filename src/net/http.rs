//! HTTPS for `ddns`: one ureq agent with verified TLS (`tls.rs`), hostnames resolved by our
//! own DNS stack, a timeout on every call, a size
//! bound on every body, no redirects followed, and errors that name the host but never a
//! secret-carrying URL.

use crate::address::Family;
use crate::error::{Error, Result};
use crate::net::dns::{Dns, DnsError};
use crate::net::tls;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use ureq::unversioned::transport::{ConnectProxyConnector, Connector, TcpConnector};

/// Connecting may take this long.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// A whole call (resolve, connect, TLS, request, reply) may take this long.
const CALL_TIMEOUT: Duration = Duration::from_secs(15);
/// A reply body larger than this is an error, not an out-of-memory.
pub const MAX_BODY: u64 = 64 * 1024;

/// An HTTP reply: its status and its (bounded) body.
#[derive(Debug)]
pub struct Reply {
    /// The status code.
    pub status: u16,
    /// The body, at most [`MAX_BODY`] bytes.
    pub body: Vec<u8>,
    /// Seconds the server asked the client to wait (`Retry-After`), if it did.
    pub retry_after: Option<u64>,
}

/// A failed call: the error, and whether the request may have reached the server (a failure
/// before or during the TLS handshake sent nothing; one after it may have).
#[derive(Debug)]
pub struct CallError {
    /// What went wrong, in one sentence.
    pub error: Error,
    /// Whether the request may have been delivered.
    pub maybe_sent: bool,
}

impl From<CallError> for Error {
    fn from(e: CallError) -> Error {
        e.error
    }
}

/// The HTTPS client.
pub struct Http {
    agent: ureq::Agent,
}

impl Http {
    /// Build the client. `ssl_cert_file` is the value of `SSL_CERT_FILE`.
    pub fn new(dns: Arc<Dns>, ssl_cert_file: Option<&str>) -> Result<Http> {
        let tls = tls::config(ssl_cert_file)?;
        let config = ureq::Agent::config_builder()
            .https_only(true)
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_connect(Some(CONNECT_TIMEOUT))
            .timeout_global(Some(CALL_TIMEOUT))
            .user_agent(concat!("ddns/", env!("CARGO_PKG_VERSION")))
            .accept("application/json, text/plain")
            .max_idle_connections(4)
            .build();
        // ureq's default chain (proxy CONNECT, TCP, TLS), with our TLS step.
        let connector =
            ().chain(ConnectProxyConnector::default())
                .chain(TcpConnector::default())
                .chain(tls::Tls(tls));
        let agent = ureq::Agent::with_parts(config, connector, UreqResolver(dns));
        Ok(Http { agent })
    }

    /// `GET url`, over the given address family when one is given.
    pub fn get(&self, url: &str, family: Option<Family>) -> Result<Reply, CallError> {
        let request = self.agent.get(url);
        let request = match family {
            Some(f) => request
                .config()
                .ip_family(match f {
                    Family::Ipv4 => ureq::config::IpFamily::Ipv4Only,
                    Family::Ipv6 => ureq::config::IpFamily::Ipv6Only,
                })
                .build(),
            None => request,
        };
        finish(url, request.call(), CALL_TIMEOUT)
    }

    /// `POST url` with a JSON body and, when given, a bearer token.
    pub fn post_json(
        &self,
        url: &str,
        body: &str,
        bearer: Option<&str>,
    ) -> Result<Reply, CallError> {
        let mut request = self
            .agent
            .post(url)
            .header("Content-Type", "application/json");
        if let Some(token) = bearer {
            request = request.header("Authorization", format!("Bearer {token}"));
        }
        finish(url, request.send(body), CALL_TIMEOUT)
    }
}

impl Http {
    /// A health-check ping: `GET`, or `POST` with a plain-text body, within `within` (less
    /// than the usual call limit: a ping must never hold a run up for long).
    pub fn ping(
        &self,
        method: &str,
        url: &str,
        body: &str,
        within: Duration,
    ) -> Result<Reply, CallError> {
        let limit = Some(within.min(CALL_TIMEOUT));
        let connect = Some(within.min(CONNECT_TIMEOUT));
        if method == "POST" {
            let request = self
                .agent
                .post(url)
                .header("Content-Type", "text/plain; charset=utf-8")
                .config()
                .timeout_global(limit)
                .timeout_connect(connect)
                .build();
            finish(url, request.send(body), within)
        } else {
            let request = self
                .agent
                .get(url)
                .config()
                .timeout_global(limit)
                .timeout_connect(connect)
                .build();
            finish(url, request.call(), within)
        }
    }
}

fn finish(
    url: &str,
    result: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    limit: Duration,
) -> Result<Reply, CallError> {
    let host = crate::url::host(url);
    let mut response = result.map_err(|e| CallError {
        error: describe(host, &e, limit),
        maybe_sent: maybe_sent(&e),
    })?;
    let status = response.status().as_u16();
    // By its constant: looking a header up by a string would parse the name (11 KB of code).
    let retry_after = (response.headers().get(ureq::http::header::RETRY_AFTER))
        .and_then(|v| v.to_str().ok())
        .and_then(retry_after);
    let body = response
        .body_mut()
        .with_config()
        .limit(MAX_BODY)
        .read_to_vec()
        .map_err(|e| CallError {
            error: describe(host, &e, limit),
            maybe_sent: true,
        })?;
    Ok(Reply {
        status,
        body,
        retry_after,
    })
}

/// A `Retry-After` value (RFC 9110, 10.2.3) in seconds from now: a number of seconds, or an
/// HTTP date.
fn retry_after(value: &str) -> Option<u64> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return value.parse().ok();
    }
    let at = crate::clock::parse_http_date(value)?;
    Some(at.saturating_sub(crate::clock::now()))
}

/// Whether a request that failed this way may have reached the server: not when the name did
/// not resolve, the connection was refused or unreachable, the connect timed out, or TLS
/// failed (the handshake comes before the request).
fn maybe_sent(e: &ureq::Error) -> bool {
    use std::io::ErrorKind as K;
    use ureq::Error as E;
    match e {
        E::HostNotFound
        | E::Rustls(_)
        | E::RequireHttpsOnly(_)
        | E::Timeout(ureq::Timeout::Resolve | ureq::Timeout::Connect) => false,
        E::Other(other) if other.is::<DnsError>() => false,
        E::Io(io) => {
            let tls = io
                .get_ref()
                .is_some_and(|i| i.downcast_ref::<rustls::Error>().is_some());
            !(tls
                || matches!(
                    io.kind(),
                    K::ConnectionRefused
                        | K::NetworkUnreachable
                        | K::HostUnreachable
                        | K::AddrNotAvailable
                ))
        }
        _ => true,
    }
}

/// One sentence for a failed call to `host`, which had `limit` to complete.
fn describe(host: &str, e: &ureq::Error, limit: Duration) -> Error {
    use ureq::Error as E;
    let tls = |e: &rustls::Error| tls::error(host, e);
    match e {
        E::Timeout(_) => Error::transient(format!(
            "{host} did not answer within {} seconds: the service may be down or the network \
             slow; try again later",
            limit.as_millis().div_ceil(1000)
        )),
        E::BodyExceedsLimit(_) => Error::transient(format!(
            "the reply from {host} is larger than {} KiB, more than this protocol ever needs: \
             the service may be broken",
            MAX_BODY / 1024
        )),
        E::Rustls(inner) => tls(inner),
        E::Io(io) => match io.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
            Some(inner) => tls(inner),
            None => Error::transient(format!("could not talk to {host} ({io}): try again later")),
        },
        E::Other(other) => match other.downcast_ref::<DnsError>() {
            Some(dns) => dns.clone().into(),
            None => Error::transient(format!(
                "could not talk to {host} ({other}): try again later"
            )),
        },
        E::HostNotFound => Error::transient(format!(
            "could not resolve {host}: check the network or the resolver setting"
        )),
        E::RequireHttpsOnly(_) => Error::refused(format!(
            "refusing a plain http:// URL for {host}: ddns only talks HTTPS"
        )),
        other => Error::transient(format!(
            "could not talk to {host} ({other}): try again later"
        )),
    }
}

/// ureq's resolver hook: every hostname ureq connects to is resolved by [`Dns`], honouring the
/// request's address family (an IPv6 echo request must go over IPv6).
#[derive(Debug)]
struct UreqResolver(Arc<Dns>);

impl ureq::unversioned::resolver::Resolver for UreqResolver {
    fn resolve(
        &self,
        uri: &ureq::http::Uri,
        config: &ureq::config::Config,
        _timeout: ureq::unversioned::transport::NextTimeout,
    ) -> Result<ureq::unversioned::resolver::ResolvedSocketAddrs, ureq::Error> {
        let host = uri.host().ok_or(ureq::Error::HostNotFound)?;
        let port = uri.port_u16().unwrap_or(match uri.scheme_str() {
            Some("http") => 80,
            _ => 443,
        });
        let family = match config.ip_family() {
            ureq::config::IpFamily::Ipv4Only => Some(Family::Ipv4),
            ureq::config::IpFamily::Ipv6Only => Some(Family::Ipv6),
            ureq::config::IpFamily::Any => None,
        };
        let literal = host.trim_start_matches('[').trim_end_matches(']');
        let ips = match literal.parse::<IpAddr>() {
            Ok(ip) => vec![ip],
            Err(_) => {
                // Our own error, through ureq's slot for one, recognised in `describe`.
                let failed = |e: DnsError| ureq::Error::Other(Box::new(e));
                let ips = self.0.lookup_ip(host, family).map_err(failed)?;
                if ips.is_empty() {
                    return Err(failed(DnsError::NoAddress(host.to_string(), family)));
                }
                ips
            }
        };
        let mut out = self.empty();
        for ip in ips
            .into_iter()
            .filter(|ip| family.is_none_or(|f| Family::of(ip) == f))
            .take(16)
        {
            out.push(SocketAddr::new(ip, port));
        }
        if out.is_empty() {
            return Err(ureq::Error::HostNotFound);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_takes_seconds_or_an_http_date() {
        assert_eq!(retry_after(" 120 "), Some(120));
        // A date in the past: try again now.
        assert_eq!(retry_after("Tue, 29 Feb 2000 00:00:00 GMT"), Some(0));
        let soon = crate::clock::now() + 3600;
        let (y, mo, d, h, mi, se) = crate::clock::civil(soon);
        let weekday =
            ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][(soon / 86_400 % 7) as usize];
        let month = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ][mo as usize - 1];
        let date = format!("{weekday}, {d:02} {month} {y} {h:02}:{mi:02}:{se:02} GMT");
        assert!(
            retry_after(&date).is_some_and(|s| (3598..=3600).contains(&s)),
            "{date}: {:?}",
            retry_after(&date)
        );
        assert_eq!(retry_after("soon"), None);
        assert_eq!(retry_after(""), None);
    }

    #[test]
    fn the_host_never_shows_the_query() {
        let host_of = crate::url::host;
        assert_eq!(
            host_of("https://api.p.test:8443/v2/x?code=SECRET"),
            "api.p.test:8443"
        );
        assert_eq!(host_of("https://api.p.test?code=SECRET"), "api.p.test");
        assert_eq!(host_of("https://user:pw@hc.test/x"), "hc.test");
    }
}
