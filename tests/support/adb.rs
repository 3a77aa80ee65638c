//! A strict reader for apk-tools v3 packages (the ADB format OpenWrt 25.12 installs): just
//! enough to check every structure `examples/mkapk.rs` writes (apk-tools `doc/apk-v3.5.scd`,
//! `src/apk_adb.h`). `parse` asserts the layout; the accessors read values.

use std::collections::BTreeMap;
use std::process::{Command, Stdio};

/// Package info fields (`ADBI_PI_*`).
pub const PI_NAME: usize = 1;
/// Version.
pub const PI_VERSION: usize = 2;
/// The unique id.
pub const PI_HASHES: usize = 3;
/// Description.
pub const PI_DESCRIPTION: usize = 4;
/// Architecture.
pub const PI_ARCH: usize = 5;
/// Origin: the source package.
pub const PI_ORIGIN: usize = 7;
/// Maintainer.
pub const PI_MAINTAINER: usize = 8;
/// Build time.
pub const PI_BUILD_TIME: usize = 11;
/// Installed size.
pub const PI_INSTALLED_SIZE: usize = 12;
/// Dependencies.
pub const PI_DEPENDS: usize = 15;
/// Script fields (`ADBI_SCRPT_*`).
pub const SCRIPT_POSTINST: usize = 3;
/// Pre-deinstall script.
pub const SCRIPT_PREDEINST: usize = 4;
/// Post-upgrade script.
pub const SCRIPT_POSTUPGRADE: usize = 7;

/// Little-endian u32 at `at`.
pub fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().expect("4 bytes"))
}

/// The value `v`: (type nibble, immediate or offset).
pub fn split(v: u32) -> (u32, usize) {
    (v >> 28, (v & 0x0fff_ffff) as usize)
}

/// A blob value (NULL is empty).
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

/// An integer value.
pub fn int(adb: &[u8], v: u32) -> u64 {
    match split(v) {
        (0x1, n) => n as u64,
        (0x2, at) => u64::from(u32_at(adb, at)),
        (0x3, at) => u64::from_le_bytes(adb[at..at + 8].try_into().expect("8 bytes")),
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

/// An object's slots.
pub fn obj(adb: &[u8], v: u32) -> Vec<u32> {
    slots(adb, v, 0xe)
}

/// An array's items.
pub fn arr(adb: &[u8], v: u32) -> Vec<u32> {
    slots(adb, v, 0xd)
}

/// Field `i` (1-based) of an object's slots, NULL when absent.
pub fn field(o: &[u32], i: usize) -> u32 {
    o.get(i - 1).copied().unwrap_or(0)
}

/// One file of a package.
#[derive(Debug, Clone)]
pub struct File {
    /// Absolute path, e.g. `/usr/bin/ddns-dc`.
    pub path: String,
    /// Permission bits.
    pub mode: u64,
    /// Content (from its DATA block).
    pub data: Vec<u8>,
}

/// A parsed package.
#[derive(Debug)]
pub struct Package {
    /// The ADB block.
    pub adb: Vec<u8>,
    /// The package info object's slots.
    pub info: Vec<u32>,
    /// The scripts object's slots.
    pub scripts: Vec<u32>,
    /// Every file, in the package's order.
    pub files: Vec<File>,
}

impl Package {
    /// A text field of the package info.
    pub fn info_text(&self, i: usize) -> String {
        self.text(field(&self.info, i))
    }

    /// A blob value as UTF-8 text.
    pub fn text(&self, v: u32) -> String {
        String::from_utf8(blob(&self.adb, v)).expect("UTF-8")
    }

    /// A script's text (`SCRIPT_*`).
    pub fn script(&self, i: usize) -> String {
        self.text(field(&self.scripts, i))
    }

    /// The names of the dependencies, in stored order.
    pub fn depends(&self) -> Vec<String> {
        arr(&self.adb, field(&self.info, PI_DEPENDS))
            .into_iter()
            .map(|d| {
                let dep = obj(&self.adb, d);
                assert_eq!(dep.len(), 1, "a bare dependency has only its name");
                self.text(field(&dep, 1))
            })
            .collect()
    }

    /// The file at `path`.
    pub fn file(&self, path: &str) -> &File {
        self.files
            .iter()
            .find(|f| f.path == path)
            .unwrap_or_else(|| panic!("no {path} in the package"))
    }
}

/// Parse a package as `apk mkpkg` writes it by default ("ADBd" + raw deflate of the ADB file),
/// asserting its structure: blocks aligned and zero-padded, one ADB block first, no signature,
/// one DATA block per file, the unique id, sorted directories with mode 0755 owned by root, and
/// each file's size, mtime (`epoch`) and SHA-256 matching its DATA block.
pub fn parse(packed: &[u8], epoch: u64) -> Package {
    assert_eq!(&packed[..4], b"ADBd", "deflated ADB");
    let mut child = Command::new("python3")
        .args([
            "-c",
            "import sys, zlib; sys.stdout.buffer.write(zlib.decompress(sys.stdin.buffer.read()[4:], -15))",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3");
    let mut stdin = child.stdin.take().expect("stdin");
    let input = packed.to_vec();
    let writer = std::thread::spawn(move || std::io::Write::write_all(&mut stdin, &input));
    let out = child.wait_with_output().expect("inflate");
    writer.join().expect("writer").expect("write");
    assert!(out.status.success(), "{out:?}");
    let bytes = out.stdout;
    assert!(bytes.len() > packed.len(), "compressed");
    assert_eq!(&bytes[..8], b"ADB.pckg", "ADB, package schema");

    let mut at = 8;
    let mut blocks: Vec<(u32, Vec<u8>)> = Vec::new();
    while at < bytes.len() {
        assert_eq!(at % 8, 0, "block alignment");
        let tag = u32_at(&bytes, at);
        let (kind, raw) = (tag >> 30, (tag & 0x3fff_ffff) as usize);
        assert!(raw >= 4 && at + raw <= bytes.len(), "block size");
        blocks.push((kind, bytes[at + 4..at + raw].to_vec()));
        let padded = raw.div_ceil(8) * 8;
        assert!(
            bytes[at + raw..(at + padded).min(bytes.len())]
                .iter()
                .all(|b| *b == 0),
            "zero padding"
        );
        at += padded;
    }
    assert_eq!(at, bytes.len());
    assert_eq!(blocks[0].0, 0, "the ADB block comes first");
    assert!(
        blocks[1..].iter().all(|b| b.0 == 2),
        "then only DATA blocks (no signature)"
    );
    let adb = blocks[0].1.clone();
    assert_eq!(&adb[..4], &[0, 0, 0, 0], "adb_compat_ver 0, adb_ver 0");
    let root = obj(&adb, u32_at(&adb, 4));
    let info = obj(&adb, field(&root, 1));
    let scripts = obj(&adb, field(&root, 3));
    let text = |v: u32| String::from_utf8(blob(&adb, v)).expect("UTF-8");
    assert_eq!(int(&adb, field(&info, PI_BUILD_TIME)), epoch, "build-time");

    // The unique id: SHA-256 of the ADB block with the id zeroed, first 20 bytes.
    let uid_value = field(&info, PI_HASHES);
    let uid = blob(&adb, uid_value);
    assert_eq!(uid.len(), 20);
    let mut zeroed = adb.clone();
    let uid_at = split(uid_value).1 + 1;
    zeroed[uid_at..uid_at + 20].fill(0);
    assert_eq!(
        uid,
        ring::digest::digest(&ring::digest::SHA256, &zeroed).as_ref()[..20].to_vec()
    );

    let data: BTreeMap<(u32, u32), Vec<u8>> = blocks[1..]
        .iter()
        .map(|(_, p)| ((u32_at(p, 0), u32_at(p, 4)), p[8..].to_vec()))
        .collect();
    assert_eq!(data.len(), blocks.len() - 1, "one DATA block per file");
    let mut files = Vec::new();
    let mut installed = 0;
    let mut names = Vec::new();
    for (d, dir_v) in arr(&adb, field(&root, 2)).into_iter().enumerate() {
        let dir = obj(&adb, dir_v);
        let dir_name = text(field(&dir, 1));
        names.push(dir_name.clone());
        let acl = obj(&adb, field(&dir, 2));
        assert_eq!(int(&adb, field(&acl, 1)), 0o755, "{dir_name}");
        assert_eq!(text(field(&acl, 2)), "root");
        for (f, file_v) in arr(&adb, field(&dir, 3)).into_iter().enumerate() {
            let file = obj(&adb, file_v);
            let name = text(field(&file, 1));
            let path = format!("/{dir_name}/{name}");
            let key = (
                u32::try_from(d + 1).expect("index"),
                u32::try_from(f + 1).expect("index"),
            );
            let content = data[&key].clone();
            let facl = obj(&adb, field(&file, 2));
            let mode = int(&adb, field(&facl, 1));
            assert_eq!(int(&adb, field(&file, 3)), content.len() as u64, "{path}");
            assert_eq!(int(&adb, field(&file, 4)), epoch, "{path}");
            assert_eq!(
                blob(&adb, field(&file, 5)),
                ring::digest::digest(&ring::digest::SHA256, &content).as_ref(),
                "{path}"
            );
            installed += content.len() as u64;
            files.push(File {
                path,
                mode,
                data: content,
            });
        }
    }
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "directories sorted");
    assert_eq!(int(&adb, field(&info, PI_INSTALLED_SIZE)), installed);
    Package {
        adb,
        info,
        scripts,
        files,
    }
}
