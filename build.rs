//! Build script: reduces the bundled Mozilla root certificates (`webpki-root-certs`) to the trust
//! anchors rustls keeps of them (subject, public key, name constraints), with the same function
//! rustls would call on them at run time (`webpki::anchor_from_trusted_cert`). The binary then
//! carries 54 KB of anchors instead of 127 KB of certificates, and parses none of them at run
//! time. `src/http.rs` includes the result.

use std::fmt::Write as _;

/// A byte string literal: `b"\x30\x82..."`.
fn literal(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 4 + 3);
    s.push_str("b\"");
    for b in bytes {
        let _ = write!(s, "\\x{b:02x}");
    }
    s.push('"');
    s
}

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    let mut out = String::from(
        "/// Mozilla's TLS server roots (webpki-root-certs), as rustls trust anchors.\n\
         pub static ROOTS: &[TrustAnchor<'static>] = &[\n",
    );
    for cert in webpki_root_certs::TLS_SERVER_ROOT_CERTS {
        let anchor = webpki::anchor_from_trusted_cert(cert)
            .expect("every bundled root certificate parses as a trust anchor");
        let constraints = anchor
            .name_constraints
            .as_ref()
            .map_or("None".to_string(), |nc| {
                format!("Some(Der::from_slice({}))", literal(nc))
            });
        let _ = writeln!(
            out,
            "    TrustAnchor {{ subject: Der::from_slice({}), subject_public_key_info: \
             Der::from_slice({}), name_constraints: {constraints} }},",
            literal(&anchor.subject),
            literal(&anchor.subject_public_key_info),
        );
    }
    out.push_str("];\n");
    let dir = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    std::fs::write(format!("{dir}/roots.rs"), out).expect("OUT_DIR is writable");
}
