//! Turns a gettext `.po` file into LuCI's `.lmo` catalog, byte for byte as LuCI's own `po2lmo`
//! does (`modules/luci-base/src/po2lmo.c`, with `sfh_hash` from `src/lib/lmo.c`). Used by
//! `packaging/openwrt-packages` for the `luci-i18n-ddns-dc-*` packages, so the build needs no
//! LuCI source tree; not part of the shipped binary.
//!
//! Usage: po2lmo input.po output.lmo
//!
//! The `.lmo` format (read by `lmo_open`/`lmo_find_entry` on the router; the LuCI web server
//! sends the pairs to the browser as `window.TR`, keyed by the same hash):
//! - the translated strings, each padded with NULs to a multiple of 4 bytes, in the order the
//!   `.po` file has them;
//! - the index, sorted by key: per entry four big-endian u32s `key_id`, `val_id`, `offset`,
//!   `length` (offset and unpadded length of the string);
//! - the index's offset, one big-endian u32 (also the total length of the strings).
//!
//! `key_id` is Paul Hsieh's SuperFastHash (`sfh_hash`, seeded with the length) of the key:
//! `msgid`, `msgctxt \1 msgid` with a context, `msgid \2 N` for plural form N (the singular
//! `msgid`, N in decimal), `msgctxt \1 msgid \2 N` for both. `val_id` is the number of plural
//! forms of the message (1 without plurals). A translation whose hash equals its key's is left
//! out (it would translate a string to itself), as is an empty `msgstr`. The header's
//! `Plural-Forms:` value becomes an entry with key 0 and `val_id` 0.
//!
//! Quirks kept on purpose, because the output must equal the real tool's:
//! - Lines are read as `fgets` reads them into 4096 bytes; a line of 4096 bytes or more is
//!   split, and its rest is read as a line of its own.
//! - `msgstr[N]` with N from -1 to -3 writes the field before `val` in C's `struct msg`
//!   (`id_plural`, `id`, `ctxt`), as the real tool does on 64-bit hosts.
//! - A string's escapes are not decoded, except `\"` and `\\`: `\n` stays a backslash and an
//!   `n` (LuCI's `_()` keys are the source's text as i18n-scan.pl writes it, so both sides agree).
//! - An empty `msgid` makes a message header-like: only its `Plural-Forms:` field is kept.
//! - An empty `Plural-Forms:` value stops the tool with "Failed to write" (C's `fwrite` of 0
//!   bytes returns 0); a catalog with no entries is not written at all (the file is removed).
//! - A line of 4096 bytes or more, or a string without its closing quote, makes C read bytes
//!   of its string buffer that no line wrote (uninitialized at first, then left from earlier
//!   lines); those bytes are zeros here at first, so such files can differ from the C tool's
//!   output, which is itself not repeatable.
//! - Entries with equal keys keep their input order, as glibc's `qsort` (a merge sort for
//!   arrays this small) keeps them; LuCI's lookup finds only one of them anyway.

use std::io::Write;

/// The size of po2lmo's line, key and string buffers.
const BUF: usize = 4096;

/// Paul Hsieh's SuperFastHash as `sfh_hash` in LuCI's `lmo.c`: 16-bit words little-endian,
/// the last odd bytes as C's `signed char`.
fn sfh_hash(data: &[u8], init: u32) -> u32 {
    fn get16(d: &[u8]) -> u32 {
        u32::from(d[0]) | (u32::from(d[1]) << 8)
    }
    fn signed(b: u8) -> u32 {
        i32::from(b.cast_signed()).cast_unsigned()
    }
    if data.is_empty() {
        return 0;
    }
    let mut hash = init;
    let mut d = data;
    for _ in 0..data.len() >> 2 {
        hash = hash.wrapping_add(get16(d));
        let tmp = (get16(&d[2..]) << 11) ^ hash;
        hash = (hash << 16) ^ tmp;
        d = &d[4..];
        hash = hash.wrapping_add(hash >> 11);
    }
    match data.len() & 3 {
        3 => {
            hash = hash.wrapping_add(get16(d));
            hash ^= hash << 16;
            hash ^= signed(d[2]) << 18;
            hash = hash.wrapping_add(hash >> 11);
        }
        2 => {
            hash = hash.wrapping_add(get16(d));
            hash ^= hash << 11;
            hash = hash.wrapping_add(hash >> 17);
        }
        1 => {
            hash = hash.wrapping_add(signed(d[0]));
            hash ^= hash << 10;
            hash = hash.wrapping_add(hash >> 1);
        }
        _ => {}
    }
    hash ^= hash << 3;
    hash = hash.wrapping_add(hash >> 5);
    hash ^= hash << 4;
    hash = hash.wrapping_add(hash >> 17);
    hash ^= hash << 25;
    hash = hash.wrapping_add(hash >> 6);
    hash
}

/// `sfh_hash(s, len, len)`: the length, a C `size_t`, passed on as the `uint32_t` seed.
#[expect(
    clippy::cast_possible_truncation,
    reason = "C converts the size_t length to the uint32_t seed the same way"
)]
fn hash(s: &[u8]) -> u32 {
    sfh_hash(s, s.len() as u32)
}

/// C's `uint32_t` of a `size_t` length, as stored in the index.
#[expect(
    clippy::cast_possible_truncation,
    reason = "C stores size_t lengths and offsets in uint32_t fields"
)]
fn u32_of(n: usize) -> u32 {
    n as u32
}

/// The bytes of a C string: up to its first NUL.
fn c_str(bytes: &[u8]) -> &[u8] {
    bytes
        .iter()
        .position(|&b| b == 0)
        .map_or(bytes, |n| &bytes[..n])
}

/// `extract_string`: the text between the first `"` of `src` and the next unescaped `"`, with
/// `\"` and `\\` unescaped and other escapes kept, written into `dest` (po2lmo's reused buffer,
/// whose old bytes show through when the closing quote is missing, as in C). `None` for a
/// comment or a line without a quote.
fn extract_string(src: &[u8], dest: &mut [u8; BUF]) -> Option<usize> {
    if src.first() == Some(&b'#') {
        return None;
    }
    let mut off: Option<usize> = None;
    let mut esc = false;
    for (pos, &c) in src.iter().enumerate().take(BUF) {
        let Some(o) = off else {
            if c == b'"' {
                off = Some(pos + 1);
            }
            continue;
        };
        if esc {
            let o = if c == b'"' || c == b'\\' { o + 1 } else { o };
            off = Some(o);
            dest[pos - o] = c;
            esc = false;
        } else if c == b'\\' {
            dest[pos - o] = c;
            esc = true;
        } else if c != b'"' {
            dest[pos - o] = c;
        } else {
            dest[pos - o] = 0;
            break;
        }
    }
    off.map(|_| c_str(&dest[..]).len())
}

/// One index entry.
struct Entry {
    key_id: u32,
    val_id: u32,
    offset: u32,
    length: u32,
}

/// The message being read (po2lmo's `struct msg`); `None` is C's NULL.
#[derive(Default)]
struct Msg {
    plural_num: i32,
    ctxt: Option<Vec<u8>>,
    id: Option<Vec<u8>>,
    id_plural: Option<Vec<u8>>,
    val: [Option<Vec<u8>>; 10],
    cur: Option<Field>,
}

/// Which string of the message continuation lines append to (`msg.cur`).
#[derive(Clone, Copy)]
enum Field {
    Ctxt,
    Id,
    IdPlural,
    Val(usize),
}

impl Msg {
    fn field(&mut self, f: Field) -> &mut Option<Vec<u8>> {
        match f {
            Field::Ctxt => &mut self.ctxt,
            Field::Id => &mut self.id,
            Field::IdPlural => &mut self.id_plural,
            Field::Val(i) => &mut self.val[i],
        }
    }
}

/// The catalog being written: strings as they come, then the index.
#[derive(Default)]
struct Lmo {
    out: Vec<u8>,
    index: Vec<Entry>,
    offset: usize,
}

/// po2lmo's fatal errors ("Error: ..."); the output written so far stays, as in C.
struct Die(&'static str);

impl Lmo {
    /// `print`: the bytes, then NULs to a multiple of 4. Writing nothing is C's failed `fwrite`.
    fn print(&mut self, bytes: &[u8]) -> Result<(), Die> {
        if bytes.is_empty() {
            return Err(Die("Failed to write"));
        }
        self.out.extend_from_slice(bytes);
        self.out
            .resize(self.out.len() + (4 - bytes.len() % 4) % 4, 0);
        Ok(())
    }

    fn add(&mut self, key_id: u32, val_id: u32, value: &[u8]) -> Result<(), Die> {
        self.index.push(Entry {
            key_id,
            val_id,
            offset: u32_of(self.offset),
            length: u32_of(value.len()),
        });
        self.print(value)?;
        self.offset += value.len() + (4 - value.len() % 4) % 4;
        Ok(())
    }

    /// `print_msg`: write a finished message's entries, then forget it (C's `memset`, which
    /// also sets `plural_num` to 0).
    fn print_msg(&mut self, msg: &mut Msg) -> Result<(), Die> {
        let result = self.entries(msg);
        *msg = Msg::default();
        result
    }

    fn entries(&mut self, msg: &mut Msg) -> Result<(), Die> {
        if msg.val[0].is_none() {
            return Ok(());
        }
        let Some(id) = &msg.id else {
            return self.plural_forms(msg.val[0].as_deref().unwrap_or_default());
        };
        for i in 0..=msg.plural_num {
            let slot = usize::try_from(i).unwrap_or_default();
            let Some(val) = &msg.val[slot] else { continue };
            let mut key = Vec::new();
            if let Some(ctxt) = &msg.ctxt {
                key.extend_from_slice(ctxt);
                key.push(1);
            }
            key.extend_from_slice(id);
            if msg.id_plural.is_some() {
                key.push(2);
                key.extend_from_slice(i.to_string().as_bytes());
            }
            // snprintf into key[4096]
            key.truncate(BUF - 1);
            let key_id = hash(&key);
            if key_id != hash(val) {
                let val_id = (msg.plural_num + 1).cast_unsigned();
                let val = val.clone();
                self.add(key_id, val_id, &val)?;
            }
        }
        Ok(())
    }

    /// A message without msgid (the header): its `Plural-Forms: ` field (matched without
    /// regard to case), if one ends with the escape `\n`, as the entry with key 0.
    fn plural_forms(&mut self, header: &[u8]) -> Result<(), Die> {
        let mut field = 0;
        let mut esc = false;
        for p in 0..header.len() {
            if esc {
                if header[p] == b'n' {
                    let f = &header[field..p - 1];
                    if f.len() >= 14 && f[..14].eq_ignore_ascii_case(b"Plural-Forms: ") {
                        return self.add(0, 0, &f[14..]);
                    }
                    field = p + 1;
                }
                esc = false;
            } else if header[p] == b'\\' {
                esc = true;
            }
        }
        Ok(())
    }

    /// `print_index` and the trailing offset; `None` when po2lmo writes no file.
    fn finish(mut self) -> Option<Vec<u8>> {
        // A stable sort, as glibc's qsort (merge sort) is for these sizes.
        self.index.sort_by_key(|e| e.key_id);
        for e in &self.index {
            for v in [e.key_id, e.val_id, e.offset, e.length] {
                self.out.extend_from_slice(&v.to_be_bytes());
            }
        }
        if self.offset == 0 {
            return None;
        }
        self.out
            .extend_from_slice(&u32_of(self.offset).to_be_bytes());
        Some(self.out)
    }
}

/// The lines of `input` as `fgets(line, 4096, in)` returns them, each cut at a NUL as C
/// string functions see it.
fn fgets_lines(input: &[u8]) -> Vec<&[u8]> {
    let mut lines = Vec::new();
    let mut rest = input;
    while !rest.is_empty() {
        let mut n = rest
            .iter()
            .position(|&b| b == b'\n')
            .map_or(rest.len(), |i| i + 1);
        n = n.min(BUF - 1);
        lines.push(c_str(&rest[..n]));
        rest = &rest[n..];
    }
    lines
}

/// `strtoul(s, NULL, 10)` as C's `int`: leading blanks, a sign, digits.
fn strtoul_int(s: &[u8]) -> i64 {
    let s: Vec<u8> = s
        .iter()
        .copied()
        .skip_while(u8::is_ascii_whitespace)
        .collect();
    let (neg, digits) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, &s[..]),
    };
    let mut n: i64 = 0;
    for d in digits.iter().take_while(|d| d.is_ascii_digit()) {
        n = n.saturating_mul(10).saturating_add(i64::from(d - b'0'));
    }
    if neg { -n } else { n }
}

/// po2lmo's main loop over the `.po` text.
fn convert(input: &[u8], lmo: &mut Lmo) -> Result<(), Die> {
    let mut msg = Msg {
        plural_num: -1,
        ..Msg::default()
    };
    let mut tmp = [0u8; BUF];
    let lines = fgets_lines(input);
    let mut lines = lines.iter();
    loop {
        let next = lines.next();
        let eof = next.is_none();
        let line: &[u8] = next.map_or(&[], |l| l);
        if line.starts_with(b"msgctxt \"") {
            if msg.id.is_some() || msg.val[0].is_some() {
                lmo.print_msg(&mut msg)?;
            }
            msg.ctxt = None;
            msg.cur = Some(Field::Ctxt);
        } else if eof || line.starts_with(b"msgid \"") {
            if msg.id.is_some() || msg.val[0].is_some() {
                lmo.print_msg(&mut msg)?;
            }
            msg.id = None;
            msg.cur = Some(Field::Id);
        } else if line.starts_with(b"msgid_plural \"") {
            msg.id_plural = None;
            msg.cur = Some(Field::IdPlural);
        } else if line.starts_with(b"msgstr \"") || line.starts_with(b"msgstr[") {
            let n = if line[6] == b'[' {
                strtoul_int(&line[7..])
            } else {
                0
            };
            // C keeps strtoul's value in an int and checks only `>= 10`: `msgstr[-1]` to
            // `msgstr[-3]` land on the fields before `val` in `struct msg` (x86_64 and other
            // LP64 layouts): id_plural, id, ctxt. Further down C corrupts its stack; we stop.
            let field = match n {
                0..=9 => Field::Val(usize::try_from(n).unwrap_or_default()),
                -1 => Field::IdPlural,
                -2 => Field::Id,
                -3 => Field::Ctxt,
                _ => return Err(Die("Too many plural forms")),
            };
            msg.plural_num = i32::try_from(n).unwrap_or_default();
            *msg.field(field) = None;
            msg.cur = Some(field);
        }
        if eof {
            break;
        }
        if let Some(cur) = msg.cur
            && let Some(len) = extract_string(line, &mut tmp)
            && len > 0
        {
            msg.field(cur)
                .get_or_insert_with(Vec::new)
                .extend_from_slice(&tmp[..len]);
        }
    }
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let usage = || -> ! {
        eprintln!(
            "Usage: {} input.po output.lmo",
            args.first().map_or("po2lmo", String::as_str)
        );
        std::process::exit(1);
    };
    if args.len() != 3 {
        usage();
    }
    let Ok(input) = std::fs::read(&args[1]) else {
        usage()
    };
    let Ok(mut file) = std::fs::File::create(&args[2]) else {
        usage()
    };
    let mut lmo = Lmo::default();
    if let Err(Die(why)) = convert(&input, &mut lmo) {
        let _ = file.write_all(&lmo.out);
        eprintln!("Error: {why}");
        std::process::exit(1);
    }
    match lmo.finish() {
        Some(bytes) => {
            if file
                .write_all(&bytes)
                .and_then(|()| file.sync_all())
                .is_err()
            {
                eprintln!("Error: Failed to write");
                std::process::exit(1);
            }
        }
        None => {
            drop(file);
            let _ = std::fs::remove_file(&args[2]);
        }
    }
}
