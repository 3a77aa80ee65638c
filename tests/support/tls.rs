//! A throwaway certificate authority for the fake provider: generated per run, never shipped.

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::sync::Arc;

/// A CA and a server certificate it signed for the given names.
pub struct TestPki {
    /// The CA certificate, PEM: what the binary gets through `SSL_CERT_FILE`.
    pub ca_pem: String,
    /// The CA certificate, DER: what the test's own clients trust.
    pub ca_der: CertificateDer<'static>,
    /// A rustls server configuration presenting the server certificate.
    pub server: Arc<rustls::ServerConfig>,
}

/// What is wrong with the server certificate, for TLS failure tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flaw {
    /// Nothing.
    None,
    /// Valid only until 2001.
    Expired,
    /// Valid only from 2099.
    NotYetValid,
    /// Signed by itself, not by the test CA.
    SelfSigned,
}

/// Make a CA and a server certificate for `names`.
pub fn make_pki(names: &[&str]) -> TestPki {
    make_pki_with(names, Flaw::None)
}

/// Make a CA and a server certificate for `names`, with a flaw.
pub fn make_pki_with(names: &[&str], flaw: Flaw) -> TestPki {
    let ca_key = KeyPair::generate().expect("CA key");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "ddns test CA");
    let ca_cert = ca_params.self_signed(&ca_key).expect("CA cert");
    let issuer = Issuer::new(ca_params, ca_key);

    let leaf_key = KeyPair::generate().expect("leaf key");
    let mut leaf_params = CertificateParams::new(
        names
            .iter()
            .map(std::string::ToString::to_string)
            .collect::<Vec<_>>(),
    )
    .expect("leaf params");
    match flaw {
        Flaw::Expired => {
            leaf_params.not_before = rcgen::date_time_ymd(2000, 1, 1);
            leaf_params.not_after = rcgen::date_time_ymd(2001, 1, 1);
        }
        Flaw::NotYetValid => {
            leaf_params.not_before = rcgen::date_time_ymd(2099, 1, 1);
            leaf_params.not_after = rcgen::date_time_ymd(2100, 1, 1);
        }
        Flaw::None | Flaw::SelfSigned => {}
    }
    let leaf = if flaw == Flaw::SelfSigned {
        leaf_params
            .self_signed(&leaf_key)
            .expect("self-signed leaf")
    } else {
        leaf_params
            .signed_by(&leaf_key, &issuer)
            .expect("leaf cert")
    };

    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
    let server = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("protocol versions")
    .with_no_client_auth()
    .with_single_cert(vec![leaf.der().clone(), ca_cert.der().clone()], key)
    .expect("server config");
    TestPki {
        ca_pem: ca_cert.pem(),
        ca_der: ca_cert.der().clone(),
        server: Arc::new(server),
    }
}
