//! Writes an apk-tools v3 package (the ADB format OpenWrt 25.12 installs with `apk add`), the
//! way `apk mkpkg --compression none` does, from a directory tree. Used by
//! `packaging/openwrt-packages`; not part of the shipped binary.
//!
//! Format (apk-tools `doc/apk-v3.5.scd`, `src/adb.h`, `src/apk_adb.h`, `src/app_mkpkg.c`):
//! `ADB.` magic, the schema `pckg`, one ADB block holding the package object, then one DATA
//! block per file (`path index, file index` as two little-endian u32, then the bytes). Blocks
//! start with a u32 tag (2 bits type, 30 bits size including the tag) and are padded to 8
//! bytes. Inside the ADB block every value is a u32 tag: 4 bits type, 28 bits immediate value
//! or offset; objects and arrays are u32 slot lists whose slot 0 is the slot count.
//!
//! Usage: mkapk --root DIR --name N --version V --arch A --epoch SECS --description TEXT
//!              [--origin SOURCE] [--depends "NAME ..."] [--post-install FILE]
//!              [--pre-deinstall FILE] [--post-upgrade FILE] --output FILE

#![allow(
    clippy::unwrap_used,
    reason = "a build tool that cannot read its input should stop"
)]

use std::collections::BTreeMap;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

const TYPE_INT: u32 = 0x1000_0000;
const TYPE_INT_32: u32 = 0x2000_0000;
const TYPE_INT_64: u32 = 0x3000_0000;
const TYPE_BLOB_8: u32 = 0x8000_0000;
const TYPE_BLOB_16: u32 = 0x9000_0000;
const TYPE_BLOB_32: u32 = 0xa000_0000;
const TYPE_ARRAY: u32 = 0xd000_0000;
const TYPE_OBJECT: u32 = 0xe000_0000;
const NULL: u32 = 0;

const BLOCK_ADB: u32 = 0;
const BLOCK_DATA: u32 = 2;

/// The ADB block being built: its 8-byte header, then values.
struct Adb(Vec<u8>);

impl Adb {
    fn new() -> Adb {
        Adb(vec![0; 8]) // adb_compat_ver, adb_ver, reserved (u16), root (u32)
    }

    fn align(&mut self, to: usize) {
        while !self.0.len().is_multiple_of(to) {
            self.0.push(0);
        }
    }

    fn offset(&self) -> u32 {
        u32::try_from(self.0.len()).unwrap()
    }

    fn blob(&mut self, bytes: &[u8]) -> u32 {
        let (kind, prefix): (u32, Vec<u8>) = match bytes.len() {
            0 => return NULL,
            n if n <= 0xff => (TYPE_BLOB_8, vec![u8::try_from(n).unwrap()]),
            n if n <= 0xffff => (
                TYPE_BLOB_16,
                u16::try_from(n).unwrap().to_le_bytes().to_vec(),
            ),
            n => (
                TYPE_BLOB_32,
                u32::try_from(n).unwrap().to_le_bytes().to_vec(),
            ),
        };
        self.align(prefix.len());
        let at = self.offset();
        self.0.extend_from_slice(&prefix);
        self.0.extend_from_slice(bytes);
        kind | at
    }

    fn int(&mut self, v: u64) -> u32 {
        if v < 0x1000_0000 {
            return TYPE_INT | u32::try_from(v).unwrap();
        }
        self.align(4);
        let at = self.offset();
        if let Ok(v32) = u32::try_from(v) {
            self.0.extend_from_slice(&v32.to_le_bytes());
            TYPE_INT_32 | at
        } else {
            self.0.extend_from_slice(&v.to_le_bytes());
            TYPE_INT_64 | at
        }
    }

    /// An object or array from its slots 1..; trailing NULL slots are dropped.
    fn slots(&mut self, kind: u32, values: &[u32]) -> u32 {
        let used = values.iter().rposition(|v| *v != NULL).map_or(0, |i| i + 1);
        if used == 0 {
            return NULL;
        }
        self.align(4);
        let at = self.offset();
        self.0
            .extend_from_slice(&u32::try_from(used + 1).unwrap().to_le_bytes());
        for v in &values[..used] {
            self.0.extend_from_slice(&v.to_le_bytes());
        }
        kind | at
    }

    fn acl(&mut self, mode: u32) -> u32 {
        let mode = self.int(u64::from(mode));
        let user = self.blob(b"root");
        let group = self.blob(b"root");
        self.slots(TYPE_OBJECT, &[mode, user, group])
    }
}

fn block(out: &mut Vec<u8>, kind: u32, payload: &[&[u8]]) {
    let len: usize = payload.iter().map(|p| p.len()).sum();
    let raw = 4 + len;
    assert!(raw < 0x3fff_ffff, "block too large");
    out.extend_from_slice(&((kind << 30) + u32::try_from(raw).unwrap()).to_le_bytes());
    for p in payload {
        out.extend_from_slice(p);
    }
    while !out.len().is_multiple_of(8) {
        out.push(0);
    }
}

struct Args(BTreeMap<String, String>);

impl Args {
    fn get(&self, k: &str) -> &str {
        self.0
            .get(k)
            .map_or_else(|| panic!("--{k} is required"), String::as_str)
    }
}

/// Collect the directories under `root` (by path relative to it) and the regular files in each.
fn walk(root: &Path, rel: &str, dirs: &mut BTreeMap<String, Vec<(String, PathBuf)>>) {
    dirs.entry(rel.to_string()).or_default();
    let mut entries: Vec<_> = std::fs::read_dir(root.join(rel))
        .unwrap()
        .map(|e| e.unwrap())
        .collect();
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for e in entries {
        let name = e.file_name().into_string().unwrap();
        let child = if rel.is_empty() {
            name.clone()
        } else {
            format!("{rel}/{name}")
        };
        let kind = e.file_type().unwrap();
        if kind.is_dir() {
            walk(root, &child, dirs);
        } else if kind.is_file() {
            dirs.get_mut(rel).unwrap().push((name, e.path()));
        } else {
            panic!(
                "{}: only directories and regular files are supported",
                e.path().display()
            );
        }
    }
}

fn main() {
    let raw: Vec<String> = std::env::args().skip(1).collect();
    let args = Args(
        raw.chunks(2)
            .map(|p| (p[0].trim_start_matches("--").to_string(), p[1].clone()))
            .collect(),
    );
    let root = PathBuf::from(args.get("root"));
    let epoch: u64 = args.get("epoch").parse().unwrap();

    // Directories (root first, then sorted) and the regular files in each, sorted.
    let mut dirs: BTreeMap<String, Vec<(String, PathBuf)>> = BTreeMap::new();
    walk(&root, "", &mut dirs);

    let mut adb = Adb::new();
    let mut installed = 0u64;
    let mut dir_values = Vec::new();
    let mut contents: Vec<Vec<Vec<u8>>> = Vec::new();
    for (dir, files) in &dirs {
        let mut file_values = Vec::new();
        let mut data = Vec::new();
        for (name, path) in files {
            let bytes = std::fs::read(path).unwrap();
            let mode = std::fs::metadata(path).unwrap().permissions().mode() & 0o7777;
            installed += bytes.len() as u64;
            let hash = ring::digest::digest(&ring::digest::SHA256, &bytes);
            let fields = [
                adb.blob(name.as_bytes()),
                adb.acl(mode),
                adb.int(bytes.len() as u64),
                adb.int(epoch),
                adb.blob(hash.as_ref()),
            ];
            file_values.push(adb.slots(TYPE_OBJECT, &fields));
            data.push(bytes);
        }
        let mode = std::fs::metadata(root.join(dir)).unwrap().mode() & 0o7777;
        let fields = [
            adb.blob(dir.as_bytes()),
            adb.acl(mode),
            adb.slots(TYPE_ARRAY, &file_values),
        ];
        dir_values.push(adb.slots(TYPE_OBJECT, &fields));
        contents.push(data);
    }
    let paths = adb.slots(TYPE_ARRAY, &dir_values);

    // Dependencies (bare names: a dependency object with only its name), sorted and unique as
    // apk's schema_dependency_array keeps them.
    let mut depends: Vec<&str> = args
        .0
        .get("depends")
        .map(|d| d.split_whitespace().collect())
        .unwrap_or_default();
    depends.sort_unstable();
    depends.dedup();
    let depends: Vec<u32> = depends
        .iter()
        .map(|name| {
            let name = adb.blob(name.as_bytes());
            adb.slots(TYPE_OBJECT, &[name])
        })
        .collect();
    let depends = adb.slots(TYPE_ARRAY, &depends);
    // The package's unique id: the first 20 bytes of the SHA-256 of the ADB block, computed
    // with the id's own bytes zeroed (as app_mkpkg.c does).
    let uid_value = adb.blob(&[0u8; 20]);
    let uid_at = usize::try_from(uid_value & 0x0fff_ffff).unwrap() + 1;
    let info = [
        adb.blob(args.get("name").as_bytes()),
        adb.blob(args.get("version").as_bytes()),
        uid_value,
        adb.blob(args.get("description").as_bytes()),
        adb.blob(args.get("arch").as_bytes()),
        adb.blob(b"MIT OR Apache-2.0"),
        // origin: the source package (OpenWrt's recipe), the package itself by default
        adb.blob(
            args.0
                .get("origin")
                .map_or(args.get("name"), String::as_str)
                .as_bytes(),
        ),
        adb.blob(b"ddns developers <ddns@users.noreply.github.com>"),
        NULL, // url
        NULL, // repo-commit
        adb.int(epoch),
        adb.int(installed.max(1)),
        NULL, // file-size
        NULL, // provider-priority
        depends,
    ];
    let pkginfo = adb.slots(TYPE_OBJECT, &info);
    let script = |adb: &mut Adb, key: &str| match args.0.get(key) {
        Some(path) => adb.blob(&std::fs::read(path).unwrap()),
        None => NULL,
    };
    let scripts = [
        NULL, // trigger
        NULL, // pre-install
        script(&mut adb, "post-install"),
        script(&mut adb, "pre-deinstall"),
        NULL, // post-deinstall
        NULL, // pre-upgrade
        script(&mut adb, "post-upgrade"),
    ];
    let scripts = adb.slots(TYPE_OBJECT, &scripts);
    let package = adb.slots(TYPE_OBJECT, &[pkginfo, paths, scripts]);
    adb.0[4..8].copy_from_slice(&package.to_le_bytes());
    let digest = ring::digest::digest(&ring::digest::SHA256, &adb.0);
    adb.0[uid_at..uid_at + 20].copy_from_slice(&digest.as_ref()[..20]);

    let mut out = Vec::new();
    out.extend_from_slice(b"ADB.");
    out.extend_from_slice(b"pckg");
    block(&mut out, BLOCK_ADB, &[&adb.0]);
    for (d, files) in contents.iter().enumerate() {
        for (f, bytes) in files.iter().enumerate() {
            let mut header = Vec::new();
            header.extend_from_slice(&u32::try_from(d + 1).unwrap().to_le_bytes());
            header.extend_from_slice(&u32::try_from(f + 1).unwrap().to_le_bytes());
            block(&mut out, BLOCK_DATA, &[&header, bytes]);
        }
    }
    std::fs::write(args.get("output"), out).unwrap();
}
