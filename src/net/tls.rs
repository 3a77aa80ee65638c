//! TLS for `ddns`'s HTTPS: the trusted roots (Mozilla's, bundled as trust anchors made at
//! build time, plus the system bundle; or only the PEM file `SSL_CERT_FILE` names), a rustls
//! configuration with ring and no private-key loader, the ureq connector that wraps a TCP
//! stream in it, and one sentence for each kind of TLS failure.

use crate::error::{Error, Result};
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};
use std::io::{Read, Write};
use std::sync::Arc;
use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, Either, LazyBuffers, NextTimeout, Transport,
    TransportAdapter, time,
};

/// The system CA bundles tried, in order, when `SSL_CERT_FILE` is not set.
const SYSTEM_BUNDLES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/cert.pem",
];

/// The bundled Mozilla roots, as trust anchors made by `build.rs`.
mod bundled {
    use rustls::pki_types::{Der, TrustAnchor};
    include!(concat!(env!("OUT_DIR"), "/roots.rs"));
}

/// The trusted roots: the PEM file named by `SSL_CERT_FILE` alone when it is set (so that an
/// administrator can drop a root, not only add one: issue 22), else the bundled Mozilla roots
/// plus the first system bundle found.
///
/// The bundled roots are trust anchors (subject, public key, name constraints: all rustls keeps
/// of a root), made from the certificates at build time; the certificates of a PEM file are
/// reduced to the same anchors here, as ureq's own TLS setup would do with all of them.
fn roots(ssl_cert_file: Option<&str>) -> Result<RootCertStore> {
    let anchors = |pem: &[u8], store: &mut RootCertStore| {
        store.add_parsable_certificates(ureq::tls::parse_pem(pem).filter_map(|item| match item {
            Ok(ureq::tls::PemItem::Certificate(c)) => {
                Some(CertificateDer::from(c.der()).into_owned())
            }
            _ => None,
        }));
    };
    if let Some(path) = ssl_cert_file.filter(|s| !s.is_empty()) {
        let shown = crate::error::printable(path, 80);
        let pem = std::fs::read(path).map_err(|e| {
            Error::usage(format!(
                "could not read SSL_CERT_FILE {shown} ({e}): point it at a PEM file of CA \
                 certificates, or unset it"
            ))
        })?;
        let mut store = RootCertStore::empty();
        anchors(&pem, &mut store);
        if store.is_empty() {
            return Err(Error::usage(format!(
                "SSL_CERT_FILE {shown} holds no usable CA certificate, and it replaces the \
                 built-in ones: point it at a PEM file of CA certificates, or unset it"
            )));
        }
        return Ok(store);
    }
    let mut store = RootCertStore {
        roots: bundled::ROOTS.to_vec(),
    };
    if let Some(pem) = SYSTEM_BUNDLES.iter().find_map(|p| std::fs::read(p).ok()) {
        anchors(&pem, &mut store);
    }
    Ok(store)
}

/// ureq's TLS step with a rustls configuration built here (ureq 3.5 builds its own from whole
/// certificates only). It does what ureq's `RustlsConnector` does: wrap the TCP stream of an
/// `https` request in TLS for the URL's host, within what is left of the connect timeout.
#[derive(Debug)]
pub struct Tls(pub Arc<ClientConfig>);

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
pub struct TlsTransport {
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

/// The rustls configuration every connection uses.
pub fn config(ssl_cert_file: Option<&str>) -> Result<Arc<ClientConfig>> {
    let provider = Arc::new(rustls::crypto::CryptoProvider {
        key_provider: &NoKeys,
        ..rustls::crypto::ring::default_provider()
    });
    let config = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(rustls::ALL_VERSIONS)
        .map_err(|e| Error::new(crate::error::Class::Bug, format!("TLS setup failed ({e})")))?
        .with_root_certificates(roots(ssl_cert_file)?)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// One sentence for a TLS failure with `host`.
pub fn error(host: &str, e: &rustls::Error) -> Error {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_roots_load_and_a_missing_cert_file_is_one_sentence() {
        assert!(roots(Some("")).unwrap().len() > 100);
        let err = roots(Some("/nonexistent/ca.pem")).unwrap_err();
        assert!(
            err.message
                .starts_with("could not read SSL_CERT_FILE /nonexistent/ca.pem")
        );
    }

    /// Regression (issue 22): the file was added to the bundled roots, so an administrator
    /// could not drop one of them.
    #[test]
    fn ssl_cert_file_replaces_the_bundled_roots() {
        let dir = std::env::temp_dir().join(format!("ddns-tls-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        // One private CA, as a company's CA file would hold it.
        let one = dir.join("one.pem");
        let ca = rcgen::generate_simple_self_signed(vec!["ca.example".into()]).unwrap();
        std::fs::write(&one, ca.cert.pem()).unwrap();
        assert_eq!(roots(Some(one.to_str().unwrap())).unwrap().len(), 1);
        let empty = dir.join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let err = roots(Some(empty.to_str().unwrap())).unwrap_err();
        assert!(
            err.message.contains("holds no usable CA certificate"),
            "{err}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
