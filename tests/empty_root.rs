//! The static binary in an empty root, as in a `FROM scratch` container: no libc, no /etc/ssl,
//! no /etc/resolv.conf, no /etc/nsswitch.conf, no /dev, no /proc, run as a numeric non-root
//! user. It must still resolve (hickory, via DDNS_RESOLVER), verify TLS (bundled roots plus
//! SSL_CERT_FILE), get randomness (the getrandom syscall) and keep its state.
//! Needs root (chroot) and a static binary from `packaging/build-static` (or the path in
//! DDNS_STATIC_BIN), so it is ignored unless asked for (`cargo test -- --include-ignored`, as
//! `.ci/run` does, which provides both); then a missing one fails it.

#![allow(
    clippy::unwrap_used,
    reason = "a test that cannot unwrap should fail loudly"
)]

mod support;

use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use support::provider::Route;
use support::{NAME, World};

fn static_binary() -> PathBuf {
    let path = std::env::var_os("DDNS_STATIC_BIN").map_or_else(
        || {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("target/x86_64-unknown-linux-gnu/release/ddns")
        },
        PathBuf::from,
    );
    support::require(
        path.exists(),
        &format!(
            "a static binary at {} (run packaging/build-static)",
            path.display()
        ),
    );
    path
}

#[test]
#[ignore = "needs root and the static binary of packaging/build-static"]
fn static_binary_works_in_an_empty_root() {
    support::require_root("chroot");
    let bin = static_binary();
    let mut w = World::new(&bin, "emptyroot");
    let root = w.dir.join("root");
    std::fs::create_dir_all(root.join("data")).unwrap();
    std::fs::copy(&bin, root.join("ddns")).unwrap();
    std::os::unix::fs::chown(root.join("data"), Some(65532), Some(65532)).unwrap();
    w.use_root(
        &root,
        &[
            "chroot",
            "--userspec=65532:65532",
            root.to_str().unwrap(),
            "/ddns",
        ],
    );
    let entries: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        entries.len(),
        3,
        "only /ddns, /data and /ca.pem: {entries:?}"
    );

    w.assert_starts_empty("empty root");

    let s = w.setup(&["--ipv4"]);
    assert_eq!(s.code, Some(0), "{s:?}");
    let u = w.run(&["update"]);
    assert_eq!(
        (u.code, u.stdout.as_str()),
        (Some(0), "home.example.com A 81.2.69.142 published\n"),
        "{u:?}"
    );
    let c = w.run(&["check"]);
    assert_eq!(c.code, Some(0), "{c:?}");
    let meta = std::fs::metadata(&w.state).unwrap();
    assert_eq!((meta.uid(), meta.mode() & 0o777), (65532, 0o600));
    assert!(w.state_json()["names"][NAME]["published"]["ipv4"] == "81.2.69.142");
    w.expect_all(&support::SETUP);
    w.expect_all(&[(Route::Echo, 2), (Route::Apply, 1)]);
    w.assert_strict();
}
