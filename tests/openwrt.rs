//! The OpenWrt packages, byte by byte: the .ipk and .apk built by `packaging/openwrt-packages` from the
//! test binary (outer gzip'd tar, member order, GNU headers, owners, modes, control fields, file
//! list, reproducibility), and the WAN hotplug hook and postinst run by busybox's ash in a
//! chroot with stub OpenWrt libraries and a stub `ddns-dc` that records its arguments.

#![allow(
    clippy::unwrap_used,
    reason = "a test that cannot unwrap should fail loudly"
)]

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn scratch(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ddns-openwrt-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn top() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// One tar member: name, type flag, mode, uid, gid, size, mtime, content.
#[derive(Debug)]
struct Member {
    name: String,
    kind: u8,
    mode: u32,
    uid: u32,
    gid: u32,
    mtime: u64,
    data: Vec<u8>,
    magic: Vec<u8>,
}

fn octal(field: &[u8]) -> u64 {
    let s: String = field
        .iter()
        .take_while(|b| **b != 0 && **b != b' ')
        .map(|b| char::from(*b))
        .collect();
    u64::from_str_radix(s.trim(), 8).unwrap_or_else(|_| panic!("octal field {field:?}"))
}

/// Parse an uncompressed tar archive.
fn untar(bytes: &[u8]) -> Vec<Member> {
    let mut out = Vec::new();
    let mut at = 0;
    while at + 512 <= bytes.len() {
        let h = &bytes[at..at + 512];
        if h.iter().all(|b| *b == 0) {
            break;
        }
        let sum: u64 = h
            .iter()
            .enumerate()
            .map(|(i, b)| {
                if (148..156).contains(&i) {
                    32
                } else {
                    u64::from(*b)
                }
            })
            .sum();
        assert_eq!(sum, octal(&h[148..156]), "header checksum");
        let name: String = h[..100]
            .iter()
            .take_while(|b| **b != 0)
            .map(|b| char::from(*b))
            .collect();
        let size = usize::try_from(octal(&h[124..136])).unwrap();
        let data = bytes[at + 512..at + 512 + size].to_vec();
        out.push(Member {
            name,
            kind: h[156],
            mode: u32::try_from(octal(&h[100..108])).unwrap(),
            uid: u32::try_from(octal(&h[108..116])).unwrap(),
            gid: u32::try_from(octal(&h[116..124])).unwrap(),
            mtime: octal(&h[136..148]),
            data,
            magic: h[257..265].to_vec(),
        });
        at += 512 + size.div_ceil(512) * 512;
    }
    out
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    assert_eq!(&bytes[..2], b"\x1f\x8b", "gzip magic");
    assert_eq!(&bytes[4..8], b"\0\0\0\0", "gzip -n: no timestamp");
    let mut child = Command::new("gzip")
        .arg("-dc")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let input = bytes.to_vec();
    let writer = std::thread::spawn(move || std::io::Write::write_all(&mut stdin, &input));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(out.status.success());
    out.stdout
}

const EPOCH: u64 = 1_790_000_000;

fn build_ipk(out: &Path) -> Vec<u8> {
    let bin = env!("CARGO_BIN_EXE_ddns");
    let status = Command::new(top().join("packaging/openwrt-packages"))
        .arg(out)
        .arg(format!("{bin}=x86_64"))
        .env("SOURCE_DATE_EPOCH", EPOCH.to_string())
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let version = format!("{}-r1", env!("CARGO_PKG_VERSION"));
    std::fs::read(out.join(format!("ddns-dc_{version}_x86_64.ipk"))).unwrap()
}

fn check_member_common(m: &Member) {
    assert_eq!(m.magic, b"ustar  \0", "{}: GNU tar header", m.name);
    assert_ne!(m.kind, b'x', "{}: no PAX headers", m.name);
    assert_ne!(m.kind, b'g', "{}: no PAX headers", m.name);
    assert_eq!((m.uid, m.gid), (0, 0), "{}: owner 0:0", m.name);
    assert_eq!(m.mtime, EPOCH, "{}: fixed mtime", m.name);
    if m.kind == b'5' {
        assert!(m.name.ends_with('/'), "{}: directory ends with /", m.name);
        assert_eq!(m.mode, 0o755, "{}: directory mode", m.name);
    }
}

#[test]
fn ipk_is_what_opkg_expects_and_reproducible() {
    let dir = scratch("ipk");
    let ipk = build_ipk(&dir.join("a"));
    assert_eq!(
        ipk,
        build_ipk(&dir.join("b")),
        "two builds are byte-identical"
    );

    let outer = untar(&gunzip(&ipk));
    let names: Vec<&str> = outer.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(
        names,
        ["./debian-binary", "./data.tar.gz", "./control.tar.gz"]
    );
    outer.iter().for_each(check_member_common);
    assert_eq!(outer[0].data, b"2.0\n");

    let data = untar(&gunzip(&outer[1].data));
    data.iter().for_each(check_member_common);
    let listing: Vec<(String, u32)> = data.iter().map(|m| (m.name.clone(), m.mode)).collect();
    let expected: Vec<(String, u32)> = [
        ("./", 0o755),
        ("./etc/", 0o755),
        ("./etc/config/", 0o755),
        ("./etc/config/ddns-dc", 0o600),
        ("./etc/hotplug.d/", 0o755),
        ("./etc/hotplug.d/iface/", 0o755),
        ("./etc/hotplug.d/iface/96-ddns-dc", 0o644),
        ("./lib/", 0o755),
        ("./lib/upgrade/", 0o755),
        ("./lib/upgrade/keep.d/", 0o755),
        ("./lib/upgrade/keep.d/ddns-dc", 0o644),
        ("./usr/", 0o755),
        ("./usr/bin/", 0o755),
        ("./usr/bin/ddns-dc", 0o755),
        ("./usr/share/", 0o755),
        ("./usr/share/ddns-dc/", 0o755),
        ("./usr/share/ddns-dc/crontab.example", 0o644),
    ]
    .iter()
    .map(|(n, m)| ((*n).to_string(), *m))
    .collect();
    assert_eq!(listing, expected);
    let binary = data.iter().find(|m| m.name == "./usr/bin/ddns-dc").unwrap();
    assert_eq!(
        binary.data,
        std::fs::read(env!("CARGO_BIN_EXE_ddns")).unwrap()
    );
    let keep = data
        .iter()
        .find(|m| m.name == "./lib/upgrade/keep.d/ddns-dc")
        .unwrap();
    assert_eq!(
        keep.data, b"/etc/ddns/\n",
        "the state directory survives firmware upgrades"
    );
    assert!(
        !data.iter().any(|m| m.name.starts_with("./etc/init.d")),
        "no init script"
    );

    let control = untar(&gunzip(&outer[2].data));
    control.iter().for_each(check_member_common);
    let names: Vec<&str> = control.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(
        names,
        ["./", "./conffiles", "./control", "./postinst", "./prerm"]
    );
    let text = String::from_utf8(control[2].data.clone()).unwrap();
    let field = |k: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{k}: ")))
            .unwrap_or_else(|| panic!("{k} in {text}"))
            .to_string()
    };
    assert_eq!(field("Package"), "ddns-dc");
    assert_eq!(
        field("Version"),
        format!("{}-r1", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(field("Architecture"), "x86_64");
    assert_eq!(field("SourceDateEpoch"), EPOCH.to_string());
    let data_tar_len = gunzip(&outer[1].data).len();
    let size: usize = field("Installed-Size").parse().unwrap();
    assert!(
        size <= data_tar_len && size + 20 * 512 >= data_tar_len,
        "{size} vs {data_tar_len}"
    );
    assert!(!text.contains("Depends"), "no dependencies");
    assert!(
        text.contains("Description: Dynamic DNS client using Domain Connect\n "),
        "{text}"
    );
    assert_eq!(control[1].data, b"/etc/config/ddns-dc\n");
    assert_eq!((control[3].mode, control[4].mode), (0o755, 0o755));
    let postinst = String::from_utf8(control[3].data.clone()).unwrap();
    assert!(postinst.contains("default_postinst $0 $@") && postinst.contains("IPKG_NO_SCRIPT"));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A chroot with busybox as /bin/sh, stub OpenWrt libraries driven by environment variables,
/// the real hook, and a stub ddns-dc that records its arguments after a delay.
struct Router {
    root: PathBuf,
}

const FUNCTIONS_SH: &str = r#"
config_load() { [ "$1" = ddns-dc ] || echo "config_load $1" >> /calls; }
config_get() {
    eval "ddns_stub_v=\${UCI_${2}_${3}-}"
    [ -n "$ddns_stub_v" ] || ddns_stub_v="$4"
    eval "$1=\"\$ddns_stub_v\""
}
config_get_bool() {
    config_get "$@"
    eval "case \"\$$1\" in 1|on|true|yes|enabled) $1=1 ;; *) $1=0 ;; esac"
}
default_postinst() { echo "default_postinst $*" >> /calls; }
default_prerm() { echo "default_prerm $*" >> /calls; }
"#;

const NETWORK_SH: &str = r#"
network_get_ipaddr() { eval "$1=\${NET_${2}_v4-}"; eval "[ -n \"\${NET_${2}_v4-}\" ]"; }
network_get_ipaddr6() { eval "$1=\${NET_${2}_v6-}"; eval "[ -n \"\${NET_${2}_v6-}\" ]"; }
"#;

const STUB_DDNS: &str = "#!/bin/sh\nsleep 2\necho \"$*\" >> /calls\n";

impl Router {
    fn new(tag: &str) -> Option<Router> {
        if !support::is_root() {
            support::skip("chroot needs root");
            return None;
        }
        let Some(busybox) = ["/bin/busybox", "/usr/bin/busybox"]
            .iter()
            .map(Path::new)
            .find(|p| p.exists())
        else {
            support::skip("no busybox (apt-get install busybox-static)");
            return None;
        };
        let ldd = Command::new("ldd")
            .arg(busybox)
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default();
        if ldd.contains("=>") {
            support::skip(&format!(
                "{} is not static (apt-get install busybox-static)",
                busybox.display()
            ));
            return None;
        }
        let root = scratch(tag);
        for d in [
            "bin",
            "dev",
            "lib/functions",
            "usr/bin",
            "etc/hotplug.d/iface",
            "tmp",
        ] {
            std::fs::create_dir_all(root.join(d)).unwrap();
        }
        let null = root.join("dev/null");
        let made = Command::new("mknod")
            .arg(&null)
            .args(["c", "1", "3"])
            .status()
            .is_ok_and(|s| s.success());
        assert!(made, "mknod /dev/null");
        std::fs::set_permissions(&null, std::fs::Permissions::from_mode(0o666)).unwrap();
        std::fs::copy(busybox, root.join("bin/busybox")).unwrap();
        for applet in ["sh", "sleep", "echo", "cat"] {
            std::os::unix::fs::symlink("busybox", root.join("bin").join(applet)).unwrap();
        }
        std::fs::write(root.join("lib/functions.sh"), FUNCTIONS_SH).unwrap();
        std::fs::write(root.join("lib/functions/network.sh"), NETWORK_SH).unwrap();
        std::fs::write(root.join("usr/bin/ddns-dc"), STUB_DDNS).unwrap();
        std::fs::set_permissions(
            root.join("usr/bin/ddns-dc"),
            std::fs::Permissions::from_mode(0o755),
        )
        .unwrap();
        std::fs::copy(
            top().join("openwrt/files/ddns-dc.hotplug"),
            root.join("etc/hotplug.d/iface/96-ddns-dc"),
        )
        .unwrap();
        std::fs::copy(top().join("openwrt/files/postinst"), root.join("postinst")).unwrap();
        Some(Router { root })
    }

    /// Source the hook as hotplug-call does (in a subshell) with this environment; returns how
    /// long it took and what the stub recorded once it had time to run.
    fn hotplug(&self, env: &[(&str, &str)]) -> (Duration, String) {
        let _ = std::fs::remove_file(self.root.join("calls"));
        let started = Instant::now();
        let mut cmd = Command::new("chroot");
        cmd.arg(&self.root).args([
            "/bin/sh",
            "-c",
            "( . /etc/hotplug.d/iface/96-ddns-dc ); echo hook-returned",
        ]);
        cmd.env_clear().env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        let took = started.elapsed();
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("hook-returned"),
            "{out:?}"
        );
        std::thread::sleep(Duration::from_millis(2600));
        let calls = std::fs::read_to_string(self.root.join("calls")).unwrap_or_default();
        (took, calls)
    }
}

impl Drop for Router {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

#[test]
fn hotplug_hook_backgrounds_the_update_with_the_right_arguments() {
    let Some(r) = Router::new("hook") else { return };
    let cases: &[(&[(&str, &str)], &str)] = &[
        (
            &[
                ("ACTION", "ifup"),
                ("INTERFACE", "wan"),
                ("NET_wan_v4", "81.2.69.142"),
            ],
            "--syslog update --ip 81.2.69.142\n",
        ),
        (
            &[
                ("ACTION", "ifup"),
                ("INTERFACE", "wan"),
                ("NET_wan_v4", "192.168.0.7"),
            ],
            "--syslog update\n",
        ),
        (
            &[
                ("ACTION", "ifup"),
                ("INTERFACE", "wan"),
                ("NET_wan_v4", "100.72.1.1"),
            ],
            "--syslog update\n",
        ),
        (
            &[
                ("ACTION", "ifupdate"),
                ("INTERFACE", "wan6"),
                ("NET_wan6_v6", "2a02:898:0:20::1"),
            ],
            "--syslog update --ip 2a02:898:0:20::1\n",
        ),
        (
            &[
                ("ACTION", "ifupdate"),
                ("INTERFACE", "wan6"),
                ("NET_wan6_v6", "fd00::1"),
            ],
            "--syslog update\n",
        ),
        (
            &[
                ("ACTION", "ifup"),
                ("INTERFACE", "wan"),
                ("UCI_hook_args", "home.example.com"),
            ],
            "--syslog update home.example.com\n",
        ),
        (
            &[
                ("ACTION", "ifup"),
                ("INTERFACE", "wanb"),
                ("UCI_hook_interface", "wanb"),
            ],
            "--syslog update\n",
        ),
        (&[("ACTION", "ifdown"), ("INTERFACE", "wan")], ""),
        (&[("ACTION", "ifup-failed"), ("INTERFACE", "wan")], ""),
        (&[("ACTION", "ifup"), ("INTERFACE", "lan")], ""),
        (
            &[
                ("ACTION", "ifup"),
                ("INTERFACE", "wan"),
                ("UCI_hook_enabled", "0"),
            ],
            "",
        ),
    ];
    for (env, expected) in cases {
        let (took, calls) = r.hotplug(env);
        assert!(
            took < Duration::from_secs(1),
            "{env:?}: the hook returned after {took:?}"
        );
        assert_eq!(calls, *expected, "{env:?}");
    }
}

#[test]
fn postinst_calls_default_postinst() {
    let Some(r) = Router::new("postinst") else {
        return;
    };
    let out = Command::new("chroot")
        .arg(&r.root)
        .args(["/bin/sh", "/postinst"])
        .env_clear()
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .env("IPKG_INSTROOT", "")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        std::fs::read_to_string(r.root.join("calls")).unwrap(),
        "default_postinst /postinst\n"
    );
    let out = Command::new("chroot")
        .arg(&r.root)
        .args(["/bin/sh", "/postinst"])
        .env_clear()
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .env("IPKG_NO_SCRIPT", "1")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        std::fs::read_to_string(r.root.join("calls"))
            .unwrap()
            .lines()
            .count(),
        1,
        "IPKG_NO_SCRIPT=1 skips it"
    );
}

/// A strict reader for the apk-tools v3 (ADB) package: just enough to check every structure.
mod adb {
    pub fn u32_at(b: &[u8], at: usize) -> u32 {
        u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
    }

    /// The value at `v`: (type nibble, immediate or offset).
    pub fn split(v: u32) -> (u32, usize) {
        (v >> 28, (v & 0x0fff_ffff) as usize)
    }

    pub fn blob(adb: &[u8], v: u32) -> Vec<u8> {
        let (t, at) = split(v);
        match t {
            0 => Vec::new(),
            0x8 => adb[at + 1..at + 1 + usize::from(adb[at])].to_vec(),
            0x9 => {
                assert_eq!(at % 2, 0, "blob16 alignment");
                let n = usize::from(u16::from_le_bytes([adb[at], adb[at + 1]]));
                adb[at + 2..at + 2 + n].to_vec()
            }
            0xa => {
                assert_eq!(at % 4, 0, "blob32 alignment");
                let n = u32_at(adb, at) as usize;
                adb[at + 4..at + 4 + n].to_vec()
            }
            _ => panic!("not a blob: {v:#x}"),
        }
    }

    pub fn int(adb: &[u8], v: u32) -> u64 {
        match split(v) {
            (0x1, n) => n as u64,
            (0x2, at) => u64::from(u32_at(adb, at)),
            (0x3, at) => u64::from_le_bytes(adb[at..at + 8].try_into().unwrap()),
            _ => panic!("not an int: {v:#x}"),
        }
    }

    /// Slots 1.. of an object or array (index 0 of the result is slot 1).
    pub fn slots(adb: &[u8], v: u32, kind: u32) -> Vec<u32> {
        if v == 0 {
            return Vec::new();
        }
        let (t, at) = split(v);
        assert_eq!(t, kind, "container type of {v:#x}");
        assert_eq!(at % 4, 0, "container alignment");
        let n = u32_at(adb, at) as usize;
        assert!(n >= 2, "an empty container is written as NULL");
        (1..n).map(|i| u32_at(adb, at + 4 * i)).collect()
    }

    pub fn obj(adb: &[u8], v: u32) -> Vec<u32> {
        slots(adb, v, 0xe)
    }

    pub fn arr(adb: &[u8], v: u32) -> Vec<u32> {
        slots(adb, v, 0xd)
    }

    pub fn field(o: &[u32], i: usize) -> u32 {
        o.get(i - 1).copied().unwrap_or(0)
    }
}

#[test]
fn apk_is_a_valid_apk_tools_v3_package() {
    let dir = scratch("apk");
    build_ipk(&dir.join("a"));
    build_ipk(&dir.join("b"));
    let version = format!("{}-r1", env!("CARGO_PKG_VERSION"));
    let file = format!("ddns-dc_{version}_x86_64.apk");
    let packed = std::fs::read(dir.join("a").join(&file)).unwrap();
    assert_eq!(
        packed,
        std::fs::read(dir.join("b").join(&file)).unwrap(),
        "reproducible"
    );
    // "ADBd" and a raw deflate stream of the whole ADB file, as `apk mkpkg` writes by default.
    assert_eq!(&packed[..4], b"ADBd");
    let inflate = Command::new("python3")
        .args(["-c", "import sys, zlib; sys.stdout.buffer.write(zlib.decompress(sys.stdin.buffer.read()[4:], -15))"])
        .stdin(std::fs::File::open(dir.join("a").join(&file)).unwrap())
        .output()
        .unwrap();
    assert!(inflate.status.success(), "{inflate:?}");
    let bytes = inflate.stdout;
    assert!(bytes.len() > packed.len(), "compressed");
    assert_eq!(&bytes[..8], b"ADB.pckg", "ADB, package schema");

    // Blocks: one ADB block, no signature, then DATA blocks; all 8-byte aligned.
    let mut at = 8;
    let mut blocks: Vec<(u32, Vec<u8>)> = Vec::new();
    while at < bytes.len() {
        assert_eq!(at % 8, 0, "block alignment");
        let tag = adb::u32_at(&bytes, at);
        let (kind, raw) = (tag >> 30, (tag & 0x3fff_ffff) as usize);
        assert!(raw >= 4 && at + raw <= bytes.len(), "block size");
        blocks.push((kind, bytes[at + 4..at + raw].to_vec()));
        at += raw.div_ceil(8) * 8;
        assert!(
            bytes[at - (raw.div_ceil(8) * 8 - raw)..at.min(bytes.len())]
                .iter()
                .all(|b| *b == 0),
            "zero padding"
        );
    }
    assert_eq!(at, bytes.len());
    assert_eq!(blocks[0].0, 0, "the ADB block comes first");
    assert!(
        blocks[1..].iter().all(|b| b.0 == 2),
        "then only DATA blocks (no signature)"
    );
    let adb_block = &blocks[0].1;
    assert_eq!(
        &adb_block[..4],
        &[0, 0, 0, 0],
        "adb_compat_ver 0, adb_ver 0"
    );
    let root = adb::obj(adb_block, adb::u32_at(adb_block, 4));

    let info = adb::obj(adb_block, adb::field(&root, 1));
    let text = |v: u32| String::from_utf8(adb::blob(adb_block, v)).unwrap();
    assert_eq!(text(adb::field(&info, 1)), "ddns-dc");
    assert_eq!(text(adb::field(&info, 2)), version);
    assert_eq!(text(adb::field(&info, 5)), "x86_64");
    assert_eq!(
        adb::int(adb_block, adb::field(&info, 11)),
        EPOCH,
        "build-time"
    );
    // The unique id: SHA-256 of the ADB block with the id zeroed, first 20 bytes.
    let uid_value = adb::field(&info, 3);
    let uid = adb::blob(adb_block, uid_value);
    assert_eq!(uid.len(), 20);
    let mut zeroed = adb_block.clone();
    let uid_at = adb::split(uid_value).1 + 1;
    zeroed[uid_at..uid_at + 20].fill(0);
    assert_eq!(
        uid,
        ring::digest::digest(&ring::digest::SHA256, &zeroed).as_ref()[..20].to_vec()
    );

    // Paths: directories sorted, each file's size, mode and SHA-256 matching its DATA block.
    let data: std::collections::BTreeMap<(u32, u32), Vec<u8>> = blocks[1..]
        .iter()
        .map(|(_, p)| ((adb::u32_at(p, 0), adb::u32_at(p, 4)), p[8..].to_vec()))
        .collect();
    assert_eq!(data.len(), blocks.len() - 1, "one DATA block per file");
    let mut files = Vec::new();
    let mut installed = 0;
    let mut names = Vec::new();
    for (d, dir_v) in adb::arr(adb_block, adb::field(&root, 2))
        .into_iter()
        .enumerate()
    {
        let dir = adb::obj(adb_block, dir_v);
        let dir_name = text(adb::field(&dir, 1));
        names.push(dir_name.clone());
        let acl = adb::obj(adb_block, adb::field(&dir, 2));
        assert_eq!(
            adb::int(adb_block, adb::field(&acl, 1)),
            0o755,
            "{dir_name}"
        );
        assert_eq!(text(adb::field(&acl, 2)), "root");
        for (f, file_v) in adb::arr(adb_block, adb::field(&dir, 3))
            .into_iter()
            .enumerate()
        {
            let file = adb::obj(adb_block, file_v);
            let name = text(adb::field(&file, 1));
            let path = format!("/{dir_name}/{name}");
            let content = &data[&(u32::try_from(d + 1).unwrap(), u32::try_from(f + 1).unwrap())];
            let facl = adb::obj(adb_block, adb::field(&file, 2));
            let mode = adb::int(adb_block, adb::field(&facl, 1));
            assert_eq!(
                adb::int(adb_block, adb::field(&file, 3)),
                content.len() as u64,
                "{path}"
            );
            assert_eq!(adb::int(adb_block, adb::field(&file, 4)), EPOCH, "{path}");
            assert_eq!(
                adb::blob(adb_block, adb::field(&file, 5)),
                ring::digest::digest(&ring::digest::SHA256, content).as_ref(),
                "{path}"
            );
            installed += content.len() as u64;
            files.push((path, mode, content.clone()));
        }
    }
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "directories sorted");
    assert_eq!(adb::int(adb_block, adb::field(&info, 12)), installed);
    let listing: Vec<(&str, u64)> = files.iter().map(|(p, m, _)| (p.as_str(), *m)).collect();
    assert_eq!(
        listing,
        [
            ("/etc/config/ddns-dc", 0o600),
            ("/etc/hotplug.d/iface/96-ddns-dc", 0o644),
            ("/lib/apk/packages/ddns-dc.conffiles", 0o644),
            ("/lib/apk/packages/ddns-dc.list", 0o644),
            ("/lib/upgrade/keep.d/ddns-dc", 0o644),
            ("/usr/bin/ddns-dc", 0o755),
            ("/usr/share/ddns-dc/crontab.example", 0o644),
        ]
    );
    let content = |p: &str| files.iter().find(|f| f.0 == p).unwrap().2.clone();
    assert_eq!(
        content("/usr/bin/ddns-dc"),
        std::fs::read(env!("CARGO_BIN_EXE_ddns")).unwrap()
    );
    assert_eq!(
        content("/lib/apk/packages/ddns-dc.conffiles"),
        b"/etc/config/ddns-dc\n"
    );
    assert_eq!(
        String::from_utf8(content("/lib/apk/packages/ddns-dc.list")).unwrap(),
        "/etc/config/ddns-dc\n/etc/hotplug.d/iface/96-ddns-dc\n/lib/upgrade/keep.d/ddns-dc\n/usr/bin/ddns-dc\n/usr/share/ddns-dc/crontab.example\n"
    );

    let scripts = adb::obj(adb_block, adb::field(&root, 3));
    assert!(
        text(adb::field(&scripts, 3)).contains("default_postinst $0 $@"),
        "post-install"
    );
    assert!(
        text(adb::field(&scripts, 4)).contains("default_prerm $0 $@"),
        "pre-deinstall"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
