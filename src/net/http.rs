//! HTTPS for `ddns`: one ureq agent with verified TLS (bundled roots, the system store or
//! `SSL_CERT_FILE`), hostnames resolved by our own DNS stack, a timeout on every call, a size
//! bound on every body, no redirects followed, and errors that name the host but never a
//! secret-carrying URL.

use crate::address::Family;
use crate::error::{Error, Result};
use crate::net::dns::Dns;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};
use std::io::{ErrorKind, Read, Write};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use ureq::unversioned::transport::{
    Buffers, ConnectProxyConnector, ConnectionDetails, Connector, Either, LazyBuffers, NextTimeout,
    TcpConnector, Transport, TransportAdapter, time,
};

/// Connecting may take this long.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// A whole call (resolve, connect, TLS, request, reply) may take this long.
const CALL_TIMEOUT: Duration = Duration::from_secs(15);
/// A reply body larger than this is an error, not an out-of-memory.
pub const MAX_BODY: u64 = 64 * 1024;

/// The system CA bundles tried, in order, when `SSL_CERT_FILE` is not set.
const SYSTEM_BUNDLES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/cert.pem",
];

/// An HTTP reply: its status and its (bounded) body.
#[derive(Debug)]
pub struct Reply {
    /// The status code.
    pub status: u16,
    /// The body, at most [`MAX_BODY`] bytes.
    pub body: Vec<u8>,
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

/// The bundled Mozilla roots, as trust anchors made by `build.rs`.
mod bundled {
    use rustls::pki_types::{Der, TrustAnchor};
    include!(concat!(env!("OUT_DIR"), "/roots.rs"));
}

/// The trusted roots: the bundled Mozilla roots plus the PEM file named by `SSL_CERT_FILE`,
/// or else the first system bundle found.
///
/// The bundled roots are trust anchors (subject, public key, name constraints: all rustls keeps
/// of a root), made from the certificates at build time; the extra certificates are reduced to
/// the same anchors here, as ureq's own TLS setup would do with all of them.
fn roots(ssl_cert_file: Option<&str>) -> Result<RootCertStore> {
    let mut store = RootCertStore {
        roots: bundled::ROOTS.to_vec(),
    };
    let extra = match ssl_cert_file.filter(|s| !s.is_empty()) {
        Some(path) => Some(std::fs::read(path).map_err(|e| {
            Error::usage(format!(
                "could not read SSL_CERT_FILE {} ({e}): point it at a PEM file of CA \
                 certificates, or unset it",
                crate::out::printable(path, 80)
            ))
        })?),
        None => SYSTEM_BUNDLES.iter().find_map(|p| std::fs::read(p).ok()),
    };
    if let Some(pem) = extra {
        store.add_parsable_certificates(ureq::tls::parse_pem(&pem).filter_map(|item| match item {
            Ok(ureq::tls::PemItem::Certificate(c)) => {
                Some(CertificateDer::from(c.der()).into_owned())
            }
            _ => None,
        }));
    }
    Ok(store)
}

/// ureq's TLS step with a rustls configuration built here (ureq 3.5 builds its own from whole
/// certificates only). It does what ureq's `RustlsConnector` does: wrap the TCP stream of an
/// `https` request in TLS for the URL's host, within what is left of the connect timeout.
#[derive(Debug)]
struct Tls(Arc<ClientConfig>);

impl<In: Transport> Connector<In> for Tls {
    type Out = Either<In, TlsTransport>;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<In>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        let Some(transport) = chained else {
            return Ok(None);
        };
        if !details.needs_tls() || transport.is_tls() {
            return Ok(Some(Either::A(transport)));
        }
        let host = details.uri.host().unwrap_or_default();
        let host = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        let name = ServerName::try_from(host)
            .map_err(|_| ureq::Error::Tls("Rustls invalid dns name error"))?
            .to_owned();
        let mut conn = ClientConnection::new(Arc::clone(&self.0), name)?;
        let mut sock = TransportAdapter::new(transport.boxed(), details.current_time.clone());
        sock.set_timeout(connect_time_left(details));
        conn.complete_io(&mut sock)?;
        Ok(Some(Either::B(TlsTransport {
            buffers: LazyBuffers::new(
                details.config.input_buffer_size(),
                details.config.output_buffer_size(),
            ),
            stream: StreamOwned { conn, sock },
        })))
    }
}

/// ddns never presents a client certificate, so it loads no private key: without ring's key
/// loader the RSA, ECDSA and Ed25519 signing code stays out of the binary.
#[derive(Debug)]
struct NoKeys;

impl rustls::crypto::KeyProvider for NoKeys {
    fn load_private_key(
        &self,
        _key: rustls::pki_types::PrivateKeyDer<'static>,
    ) -> Result<Arc<dyn rustls::sign::SigningKey>, rustls::Error> {
        Err(rustls::Error::General(
            "ddns uses no client certificate".into(),
        ))
    }
}

/// The connect timeout runs from the start of the connection (DNS, TCP), not from the TLS
/// handshake: what is left of it.
fn connect_time_left(details: &ConnectionDetails) -> NextTimeout {
    let mut timeout = details.timeout;
    if let (time::Duration::Exact(after), time::Instant::Exact(start), time::Instant::Exact(now)) =
        (timeout.after, details.now, (details.current_time)())
    {
        timeout.after =
            time::Duration::Exact(after.saturating_sub(now.saturating_duration_since(start)));
    }
    timeout
}

/// A TLS connection as a ureq transport.
struct TlsTransport {
    buffers: LazyBuffers,
    stream: StreamOwned<ClientConnection, TransportAdapter>,
}

impl std::fmt::Debug for TlsTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TlsTransport")
    }
}

impl Transport for TlsTransport {
    fn buffers(&mut self) -> &mut dyn Buffers {
        &mut self.buffers
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        self.stream.get_mut().set_timeout(timeout);
        let output = &self.buffers.output()[..amount];
        self.stream.write_all(output)?;
        Ok(())
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        self.stream.get_mut().set_timeout(timeout);
        let input = self.buffers.input_append_buf();
        let amount = self.stream.read(input)?;
        self.buffers.input_appended(amount);
        Ok(amount > 0)
    }

    fn is_open(&mut self) -> bool {
        self.stream.get_mut().get_mut().is_open()
    }

    fn is_tls(&self) -> bool {
        true
    }
}

impl Http {
    /// Build the client. `ssl_cert_file` is the value of `SSL_CERT_FILE`.
    pub fn new(dns: Arc<Dns>, ssl_cert_file: Option<&str>) -> Result<Http> {
        let provider = Arc::new(rustls::crypto::CryptoProvider {
            key_provider: &NoKeys,
            ..rustls::crypto::ring::default_provider()
        });
        let tls = ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(rustls::ALL_VERSIONS)
            .map_err(|e| Error::new(crate::error::Class::Bug, format!("TLS setup failed ({e})")))?
            .with_root_certificates(roots(ssl_cert_file)?)
            .with_no_client_auth();
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
                .chain(Tls(Arc::new(tls)));
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
        ping: &crate::notify::ping::Ping,
        within: Duration,
    ) -> Result<Reply, CallError> {
        let limit = Some(within.min(CALL_TIMEOUT));
        let connect = Some(within.min(CONNECT_TIMEOUT));
        if ping.method == "POST" {
            let request = self
                .agent
                .post(&ping.url)
                .header("Content-Type", "text/plain; charset=utf-8")
                .config()
                .timeout_global(limit)
                .timeout_connect(connect)
                .build();
            finish(&ping.url, request.send(ping.body.as_str()), within)
        } else {
            let request = self
                .agent
                .get(&ping.url)
                .config()
                .timeout_global(limit)
                .timeout_connect(connect)
                .build();
            finish(&ping.url, request.call(), within)
        }
    }
}

/// The host (and port) of a URL, for messages: never the query, which may carry a secret.
pub fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split(['/', '?', '#']).next().unwrap_or(rest)
}

fn finish(
    url: &str,
    result: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    limit: Duration,
) -> Result<Reply, CallError> {
    let host = host_of(url);
    let mut response = result.map_err(|e| CallError {
        error: describe(host, &e, limit),
        maybe_sent: maybe_sent(&e),
    })?;
    let status = response.status().as_u16();
    let body = response
        .body_mut()
        .with_config()
        .limit(MAX_BODY)
        .read_to_vec()
        .map_err(|e| CallError {
            error: describe(host, &e, limit),
            maybe_sent: true,
        })?;
    Ok(Reply { status, body })
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
        E::Io(io) => {
            let tls = io
                .get_ref()
                .is_some_and(|i| i.downcast_ref::<rustls::Error>().is_some());
            !(tls
                || matches!(
                    io.kind(),
                    K::NotFound
                        | K::ConnectionRefused
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
    let tls = |e: &rustls::Error| tls_error(host, e);
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
            None if io.kind() == std::io::ErrorKind::NotFound => Error::transient(io.to_string()),
            None => Error::transient(format!("could not talk to {host} ({io}): try again later")),
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

fn tls_error(host: &str, e: &rustls::Error) -> Error {
    use rustls::CertificateError as C;
    match e {
        rustls::Error::InvalidCertificate(
            C::Expired | C::NotValidYet | C::ExpiredContext { .. } | C::NotValidYetContext { .. },
        ) => Error::transient(format!(
            "the TLS certificate of {host} is not valid at this machine's time: if the \
                 clock is wrong (a router before NTP sync), set it and try again"
        )),
        rustls::Error::InvalidCertificate(_) => Error::refused(format!(
            "the TLS certificate of {host} is not trusted ({e}): if you use a private CA, \
             point SSL_CERT_FILE at its PEM file"
        )),
        _ => Error::transient(format!("the TLS connection to {host} failed ({e})")),
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
                let not_found =
                    |m: String| ureq::Error::Io(std::io::Error::new(ErrorKind::NotFound, m));
                let ips = self
                    .0
                    .lookup_ip(host, family)
                    .map_err(|e| not_found(e.message))?;
                if ips.is_empty() {
                    let what = family.map_or("address", |f| match f {
                        Family::Ipv4 => "IPv4 address",
                        Family::Ipv6 => "IPv6 address",
                    });
                    return Err(not_found(format!("{host} has no {what} in DNS")));
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
    fn host_of_never_shows_the_query() {
        assert_eq!(
            host_of("https://api.p.test:8443/v2/x?code=SECRET"),
            "api.p.test:8443"
        );
        assert_eq!(host_of("https://api.p.test?code=SECRET"), "api.p.test");
    }

    #[test]
    fn bundled_roots_load_and_a_missing_cert_file_is_one_sentence() {
        assert!(roots(Some("")).unwrap().len() > 100);
        let err = roots(Some("/nonexistent/ca.pem")).unwrap_err();
        assert!(
            err.message
                .starts_with("could not read SSL_CERT_FILE /nonexistent/ca.pem")
        );
    }
}
