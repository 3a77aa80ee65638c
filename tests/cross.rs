//! The router binaries from `packaging/build-all` (dist/ddns-ARCH), each run under
//! qemu-user with its router's CPU model (24Kc has no FPU: a hard-float MIPS binary dies there)
//! in an empty root holding only the emulator, the binary, the test CA and /data: `--version`,
//! `check` on an empty state, then setup, update and check against the fake provider, which
//! exercises DNS (hickory to a loopback server), TLS and the state file on that CPU.
//! Needs root (chroot), qemu-user-static and all five binaries from `packaging/build-all`, so it
//! is ignored unless asked for (`cargo test -- --include-ignored`, as `.ci/run` does, which
//! builds and installs them); then a missing binary or emulator fails it.

#![allow(
    clippy::unwrap_used,
    reason = "a test that cannot unwrap should fail loudly"
)]

mod support;

use std::path::{Path, PathBuf};
use support::World;
use support::provider::Route;

/// (dist name, qemu binary, CPU model); x86_64 runs natively.
const ARCHS: &[(&str, Option<&str>, &str)] = &[
    ("amd64", None, ""),
    ("arm64", Some("qemu-aarch64-static"), "cortex-a53"),
    ("arm", Some("qemu-arm-static"), "cortex-a7"),
    ("mipsle", Some("qemu-mipsel-static"), "24Kc"),
    ("mips", Some("qemu-mips-static"), "24Kc"),
];

fn find(dir: &str, name: &str) -> Option<PathBuf> {
    let p = Path::new(dir).join(name);
    p.exists().then_some(p)
}

#[test]
#[ignore = "needs root, qemu-user-static and the dist/ binaries of packaging/build-all"]
fn router_binaries_run_under_their_cpu_in_an_empty_root() {
    support::require_root("chroot");
    let dist = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("dist");
    let mut ran = 0;
    for (arch, qemu, cpu) in ARCHS {
        let bin = dist.join(format!("ddns-{arch}"));
        support::require(
            bin.exists(),
            &format!("{} (run packaging/build-all)", bin.display()),
        );
        let emulator = qemu.map(|q| {
            let found = find("/usr/bin", q);
            support::require(
                found.is_some(),
                &format!("/usr/bin/{q} (apt-get install qemu-user-static)"),
            );
            found.unwrap()
        });
        let mut w = World::new(&bin, &format!("cross-{arch}"));
        let root = w.dir.join("root");
        std::fs::create_dir_all(root.join("data")).unwrap();
        std::fs::copy(&bin, root.join("ddns")).unwrap();
        let mut wrapper = vec!["chroot".to_string(), root.to_str().unwrap().to_string()];
        if let (Some(emulator), Some(q)) = (&emulator, qemu) {
            std::fs::copy(emulator, root.join(q)).unwrap();
            wrapper.extend([format!("/{q}"), "-cpu".to_string(), cpu.to_string()]);
        }
        wrapper.push("/ddns".to_string());
        let wrapper: Vec<&str> = wrapper.iter().map(String::as_str).collect();
        w.use_root(&root, &wrapper);

        w.assert_starts_empty(arch);
        let s = w.setup(&["--ipv4"]);
        assert_eq!(s.code, Some(0), "{arch}: {s:?}");
        let u = w.run(&["update"]);
        assert_eq!(
            u.stdout, "home.example.com A 81.2.69.142 published\n",
            "{arch}: {u:?}"
        );
        let c = w.run(&["check"]);
        assert_eq!(c.code, Some(0), "{arch}: {c:?}");
        w.expect_all(&support::SETUP);
        w.expect_all(&[(Route::Echo, 2), (Route::Apply, 1)]);
        w.assert_strict();
        eprintln!("{arch}: ok");
        ran += 1;
    }
    assert_eq!(ran, ARCHS.len(), "every router binary checked");
}
