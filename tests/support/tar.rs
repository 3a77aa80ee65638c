//! A strict reader for the tar archives in OpenWrt's .ipk packages (GNU format, checked header
//! checksums) and a `gzip -dc` helper that also checks the header carries no timestamp.

use std::process::{Command, Stdio};

/// One tar member.
#[derive(Debug, Clone)]
pub struct Member {
    /// The stored name, e.g. `./etc/config/ddns-dc` or `./etc/` for a directory.
    pub name: String,
    /// The type flag: `b'0'` file, `b'5'` directory, `b'x'`/`b'g'` PAX headers.
    pub kind: u8,
    /// Permission bits.
    pub mode: u32,
    /// Owner.
    pub uid: u32,
    /// Group.
    pub gid: u32,
    /// Modification time.
    pub mtime: u64,
    /// The content of a file.
    pub data: Vec<u8>,
    /// The header's magic and version (`ustar  \0` for GNU tar).
    pub magic: Vec<u8>,
}

fn octal(field: &[u8]) -> u64 {
    let s: String = field
        .iter()
        .take_while(|b| **b != 0 && **b != b' ')
        .map(|b| char::from(*b))
        .collect();
    u64::from_str_radix(s.trim(), 8).unwrap_or_else(|_| panic!("octal field {field:?}"))
}

/// Parse an uncompressed tar archive, checking every header's checksum.
pub fn untar(bytes: &[u8]) -> Vec<Member> {
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
        let size = usize::try_from(octal(&h[124..136])).expect("size");
        let data = bytes[at + 512..at + 512 + size].to_vec();
        out.push(Member {
            name,
            kind: h[156],
            mode: u32::try_from(octal(&h[100..108])).expect("mode"),
            uid: u32::try_from(octal(&h[108..116])).expect("uid"),
            gid: u32::try_from(octal(&h[116..124])).expect("gid"),
            mtime: octal(&h[136..148]),
            data,
            magic: h[257..265].to_vec(),
        });
        at += 512 + size.div_ceil(512) * 512;
    }
    out
}

/// Decompress gzip data with `gzip -dc`, after checking the magic and that the header has no
/// timestamp (`gzip -n`, for reproducible packages).
pub fn gunzip(bytes: &[u8]) -> Vec<u8> {
    assert_eq!(&bytes[..2], b"\x1f\x8b", "gzip magic");
    assert_eq!(&bytes[4..8], b"\0\0\0\0", "gzip -n: no timestamp");
    let mut child = Command::new("gzip")
        .arg("-dc")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("gzip");
    let mut stdin = child.stdin.take().expect("stdin");
    let input = bytes.to_vec();
    let writer = std::thread::spawn(move || std::io::Write::write_all(&mut stdin, &input));
    let out = child.wait_with_output().expect("gzip output");
    writer.join().expect("writer").expect("write to gzip");
    assert!(out.status.success(), "gzip -dc failed");
    out.stdout
}

/// The member called `name`.
pub fn member<'a>(members: &'a [Member], name: &str) -> &'a Member {
    members
        .iter()
        .find(|m| m.name == name)
        .unwrap_or_else(|| panic!("no member {name}"))
}
