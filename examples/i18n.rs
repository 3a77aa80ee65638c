//! The translation catalogs of the LuCI app, kept the way LuCI keeps its own: a template
//! `po/templates/ddns-dc.pot` with every translatable string, and one `po/LANG/ddns-dc.po` per
//! language. Not part of the shipped binary; needs no gettext and no LuCI tree.
//!
//! ```text
//! cargo run --example i18n -- scan     # rewrite the .pot from the app's sources
//! cargo run --example i18n -- update   # merge the .pot into every po/LANG/ddns-dc.po
//! cargo run --example i18n -- check    # exit 1, saying what, if a string is missing,
//!                                      # stale, untranslated or fuzzy anywhere
//! ```
//!
//! After adding, changing or removing a `_()` string in the view (any `.js` under `htdocs/`,
//! such as `view/status/include/70_ddns-dc.js`), the menu title or the ACL description: run
//! `scan`, then `update`, then translate the new entries (their `msgstr ""`) in each `.po`
//! file; a reworded string's old translation waits at the end of the file as an obsolete
//! `#~` entry. A string that LuCI's own catalog (luci-base's `base.po`) also has, such as
//! "Cancel" or "Interfaces", gets base's translation: the router sends both catalogs to the
//! browser as one table keyed by the string's hash, and which one wins depends on the order of
//! the files in `/usr/lib/lua/luci/i18n`. `tests/luci.rs` runs `check`. A new language: create `po/LANG/ddns-dc.po` with
//! just a header (copy one, change `Language:` and `Plural-Forms:`), then run `update`; the
//! packages pick it up (`packaging/openwrt-packages`). An optional last argument names another
//! app directory (default: `openwrt/luci-app-ddns-dc`).
//!
//! `scan` writes what LuCI's `build/i18n-scan.pl` writes for `applications/luci-app-ddns-dc`:
//! xgettext 0.21's JavaScript extraction with the keywords `_:1`, `_:1,2c`, `N_:2,3`,
//! `N_:2,3,4c` (its quirks included: a regular expression ends at the first unescaped `/`,
//! even inside `[...]`), the `"title"` and `"description"` strings of `menu.d` and `acl.d`
//! JSON files, whitespace collapsed, empty ids dropped, `msguniq -s` order, references sorted
//! by file and line. `update` does what LuCI's `build/i18n-update.pl` does (`msgmerge -U -N`
//! into each `.po`, its header kept as it was): entries in the template's order with its
//! references, translations and translator comments kept, new entries untranslated,
//! translated entries that left the template kept at the end as obsolete `#~` entries, a file
//! left alone when nothing changed. Both write PO files as GNU gettext 0.21 does: lines
//! wrapped at 79 columns where libunistring 1.0's Unicode line breaking allows, CJK characters
//! two columns wide.
//!
//! Checked byte for byte against the real tools (outside this repository, LuCI at daf2e0b
//! with Debian 12's gettext 0.21): `scan` on this app, on 90 JavaScript-only apps and the
//! JavaScript of 35 module, protocol and theme trees of LuCI, and on 3,300 generated files of
//! random tokens; `update` on LuCI's 524 de, es, fr, ja, ru and zh_Hans app catalogs and
//! luci-base's, as they are and against templates with entries taken out and added. Not imitated, and refused or noted: `.uc`, `.ut`, `.lua` and `.htm` sources (the app
//! is refused); a `<` after an operator, where xgettext reads E4X XML (refused); the JSON
//! files of `statistics/plugins` and `https-dns-proxy/providers`; line breaking of scripts
//! other than Latin, Greek, Cyrillic and CJK (Hangul, Indic, Arabic), which may wrap lines
//! differently from gettext.

#![allow(
    clippy::unwrap_used,
    reason = "a build tool that cannot read its input should stop"
)]

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The page width of gettext's PO writer.
const PAGE_WIDTH: usize = 79;

// ---------------------------------------------------------------------------------------------
// Messages and PO files

/// One message of a catalog.
#[derive(Clone, Debug, Default, PartialEq)]
struct Msg {
    /// Translator comments (`# ...`), without the `#` and one space.
    comments: Vec<String>,
    /// Extracted comments (`#. ...`).
    extracted: Vec<String>,
    /// References (`file:line`).
    refs: Vec<String>,
    fuzzy: bool,
    ctxt: Option<String>,
    id: String,
    plural: Option<String>,
    /// The translation; one string per plural form with `plural`.
    strs: Vec<String>,
    obsolete: bool,
}

impl Msg {
    fn key(&self) -> (Option<&str>, &str) {
        (self.ctxt.as_deref(), self.id.as_str())
    }

    fn is_header(&self) -> bool {
        self.id.is_empty() && self.ctxt.is_none()
    }

    fn translated(&self) -> bool {
        self.strs.first().is_some_and(|s| !s.is_empty())
    }
}

/// PO string escaping as gettext writes it.
fn escape(s: &str) -> Vec<char> {
    let mut out = Vec::new();
    for c in s.chars() {
        let e = match c {
            '\u{7}' => Some('a'),
            '\u{8}' => Some('b'),
            '\u{c}' => Some('f'),
            '\n' => Some('n'),
            '\r' => Some('r'),
            '\t' => Some('t'),
            '\u{b}' => Some('v'),
            '\\' | '"' => Some(c),
            _ => None,
        };
        match e {
            Some(e) => out.extend(['\\', e]),
            None => out.push(c),
        }
    }
    out
}

/// The inverse of `escape`, for the text between a PO line's quotes (also octal and hex
/// escapes, which gettext reads).
fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(e) = it.next() else { break };
        match e {
            'a' => out.push('\u{7}'),
            'b' => out.push('\u{8}'),
            'f' => out.push('\u{c}'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'v' => out.push('\u{b}'),
            '0'..='7' => out.push(char::from_u32(octal(e, &mut it)).unwrap_or('\u{fffd}')),
            'x' => {
                let mut n = 0;
                while let Some(d) = it.peek().and_then(|d| d.to_digit(16)) {
                    n = n * 16 + d;
                    it.next();
                }
                out.push(char::from_u32(n).unwrap_or('\u{fffd}'));
            }
            other => out.push(other),
        }
    }
    out
}

/// Read a PO file: its messages (the header first if it has one) in file order, obsolete ones
/// flagged. Strict enough for catalogs that gettext or Weblate wrote.
fn parse_po(text: &str) -> Result<Vec<Msg>, String> {
    let mut msgs = Vec::new();
    let mut cur = Msg::default();
    let mut started = false; // a keyword line was read for `cur`
    // Which string continuation lines extend: 0 ctxt, 1 id, 2 plural, 3+n msgstr[n].
    let mut field: Option<usize> = None;
    for (n, raw) in text.lines().enumerate() {
        let at = || format!("line {}", n + 1);
        let (obsolete, line) = match raw.strip_prefix("#~") {
            Some(rest) if !rest.starts_with('|') => (true, rest.strip_prefix(' ').unwrap_or(rest)),
            _ => (false, raw),
        };
        // Comments keep their trailing blanks; keyword and string lines may have some.
        let line = if line.starts_with('#') {
            line
        } else {
            line.trim_end()
        };
        if line.is_empty() {
            continue;
        }
        let is_keyword = line.starts_with("msg");
        let is_comment = line.starts_with('#');
        // A comment or keyword that cannot continue the current message starts the next one.
        let has_id = field.is_some_and(|f| f >= 1);
        if started
            && (is_comment || line.starts_with("msgctxt") || (line.starts_with("msgid ") && has_id))
        {
            msgs.push(std::mem::take(&mut cur));
            started = false;
            field = None;
        }
        if is_comment {
            if let Some(rest) = line.strip_prefix("#,") {
                for flag in rest.split(',').map(str::trim) {
                    if flag == "fuzzy" {
                        cur.fuzzy = true;
                    }
                }
            } else if let Some(rest) = line.strip_prefix("#:") {
                cur.refs.extend(rest.split_whitespace().map(str::to_string));
            } else if let Some(rest) = line.strip_prefix("#.") {
                cur.extracted
                    .push(rest.strip_prefix(' ').unwrap_or(rest).to_string());
            } else if line.starts_with("#|") || line.starts_with("#~|") {
                // previous msgid: gettext drops it unless asked to keep it
            } else {
                let rest = &line[1..];
                cur.comments
                    .push(rest.strip_prefix(' ').unwrap_or(rest).to_string());
            }
            continue;
        }
        let (kw, rest) = if is_keyword {
            let sp = line.find(' ').ok_or_else(at)?;
            (&line[..sp], line[sp..].trim_start())
        } else {
            ("", line)
        };
        let s = rest
            .strip_prefix('"')
            .and_then(|r| r.strip_suffix('"'))
            .ok_or_else(|| format!("{}: not a quoted string: {raw}", at()))?;
        let s = unescape(s);
        if is_keyword {
            started = true;
            cur.obsolete = obsolete;
            let f = match kw {
                "msgctxt" => 0,
                "msgid" => 1,
                "msgid_plural" => 2,
                "msgstr" => 3,
                k => {
                    let n = k
                        .strip_prefix("msgstr[")
                        .and_then(|k| k.strip_suffix(']'))
                        .and_then(|k| k.parse::<usize>().ok())
                        .ok_or_else(|| format!("{}: unknown keyword {k}", at()))?;
                    3 + n
                }
            };
            match f {
                0 => cur.ctxt = Some(String::new()),
                2 => cur.plural = Some(String::new()),
                f if f >= 3 && cur.strs.len() < f - 2 => cur.strs.resize(f - 2, String::new()),
                _ => {}
            }
            field = Some(f);
        }
        let target = match field.ok_or_else(|| format!("{}: string outside a message", at()))? {
            0 => cur.ctxt.get_or_insert_with(String::new),
            1 => &mut cur.id,
            2 => cur.plural.get_or_insert_with(String::new),
            f => &mut cur.strs[f - 3],
        };
        target.push_str(&s);
    }
    if started {
        msgs.push(cur);
    }
    Ok(msgs)
}

// --- Line breaking, as libunistring 1.0's u8_possible_linebreaks and u8_width_linebreaks

/// Unicode line breaking classes (UAX #14) of the characters `lb_class` knows; the first 21
/// index the pair table.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Lb {
    Wj,
    Gl,
    B2,
    Ba,
    Bb,
    Hy,
    Cl,
    Cp,
    Ex,
    In,
    Ns,
    Op,
    /// An East Asian (wide) opening bracket.
    OpWide,
    Qu,
    Is,
    Nu,
    Po,
    Pr,
    Sy,
    Al,
    Id,
    // Not in the pair table:
    Zwj,
    Cm,
    Sp,
    Zw,
    Bk,
}

/// The pair table (UAX #14 table 7.3) as libunistring 1.0 applies it, for the classes above:
/// the row is the class before the break, the column the class after it. D: a break is
/// allowed, I: only after spaces, P: none.
const PAIRS: [&[u8; 21]; 21] = [
    //WJ GL B2 BA BB HY CL CP EX IN NS OP OPw QU IS NU PO PR SY AL ID
    b"PIIIIIPPPIIIIIPIIIPII", // WJ
    b"PIIIIIPPPIIIIIPIIIPII", // GL
    b"PIPIDIPPPIIDDIPDDDPDD", // B2
    b"PDDIDIPPPIIDDIPDDDPDD", // BA
    b"PIIIIIPPPIIIIIPIIIPII", // BB
    b"PDDIDIPPPIIDDIPIDDPDD", // HY
    b"PIDIDIPPPIPDDIPDIIPDD", // CL
    b"PIDIDIPPPIIDDIPIIIPID", // CP
    b"PIDIDIPPPIIDDIPDDDPDD", // EX
    b"PIDIDIPPPIIDDIPDDDPDD", // IN
    b"PIDIDIPPPIIDDIPDDDPDD", // NS
    b"PPPPPPPPPPPPPPPPPPPPP", // OP
    b"PPPPPPPPPPPPPPPPPPPPP", // OPw
    b"PIIIIIPPPIIPPIPIIIPII", // QU
    b"PIDIDIPPPIIDDIPIDDPDD", // IS
    b"PIDIDIPPPIIIDIPIIIPID", // NU
    b"PIDIDIPPPIIIIIPIDDPID", // PO
    b"PIDIDIPPPIIIIIPIDDPII", // PR
    b"PIDIDIPPPIIDDIPIDDPDD", // SY
    b"PIDIDIPPPIIIDIPIIIPID", // AL
    b"PIDIDIPPPIIDDIPDIDPDD", // ID
];

/// The line breaking class of a character in the blocks our catalogs use: Latin (U+0000 to
/// U+024F and combining marks), general punctuation, currency, letterlike symbols and arrows
/// (U+2000 to U+21FF), CJK symbols, kana, ideographs and fullwidth forms (U+2E80 to U+A4CF,
/// U+F900 to U+FAFF, U+FE10 to U+FFEF, U+20000 and up). Other characters count as alphabetic,
/// which is right for most letters and may break differently from gettext for other symbols.
#[expect(
    clippy::match_same_arms,
    reason = "arms follow the Unicode blocks and classes they were checked against"
)]
fn lb_class(c: char) -> Lb {
    match c {
        '\n' | '\u{b}' | '\u{c}' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}' => Lb::Bk,
        '\u{0}'..='\u{8}' | '\u{e}'..='\u{1f}' | '\u{7f}'..='\u{84}' | '\u{86}'..='\u{9f}' => {
            Lb::Cm
        }
        '\u{300}'..='\u{34e}' | '\u{350}'..='\u{35b}' | '\u{363}'..='\u{36f}' => Lb::Cm,
        '\u{34f}' | '\u{35c}'..='\u{362}' => Lb::Gl,
        '\u{200c}'
        | '\u{200e}'
        | '\u{200f}'
        | '\u{202a}'..='\u{202e}'
        | '\u{2066}'..='\u{206f}' => Lb::Cm,
        '\u{20d0}'..='\u{20f0}'
        | '\u{302a}'..='\u{302f}'
        | '\u{3035}'
        | '\u{3099}'
        | '\u{309a}'
        | '\u{fe20}'..='\u{fe2f}' => Lb::Cm,
        '\u{200d}' => Lb::Zwj,
        ' ' => Lb::Sp,
        '\u{200b}' => Lb::Zw,
        '\u{2060}' | '\u{feff}' => Lb::Wj,
        '\u{a0}' | '\u{2007}' | '\u{2011}' | '\u{202f}' => Lb::Gl,
        '\t'
        | '|'
        | '\u{ad}'
        | '\u{2000}'..='\u{2006}'
        | '\u{2008}'..='\u{200a}'
        | '\u{2010}'
        | '\u{2012}'
        | '\u{2013}'
        | '\u{2027}'
        | '\u{2056}'
        | '\u{2058}'..='\u{205b}'
        | '\u{205d}'..='\u{205f}'
        | '\u{3000}' => Lb::Ba,
        '\u{b4}' => Lb::Bb,
        '\u{2014}' => Lb::B2,
        '-' => Lb::Hy,
        '}' | '\u{2046}' | '\u{207e}' | '\u{208e}' | '\u{3001}' | '\u{3002}' | '\u{3009}'
        | '\u{300b}' | '\u{300d}' | '\u{300f}' | '\u{3011}' | '\u{3015}' | '\u{3017}'
        | '\u{3019}' | '\u{301b}' | '\u{301e}' | '\u{301f}' | '\u{fe11}' | '\u{fe12}'
        | '\u{fe18}' | '\u{fe36}' | '\u{fe38}' | '\u{fe3a}' | '\u{fe3c}' | '\u{fe3e}'
        | '\u{fe40}' | '\u{fe42}' | '\u{fe44}' | '\u{fe48}' | '\u{fe50}' | '\u{fe52}'
        | '\u{fe5a}' | '\u{fe5c}' | '\u{fe5e}' | '\u{ff09}' | '\u{ff0c}' | '\u{ff0e}'
        | '\u{ff3d}' | '\u{ff5d}' | '\u{ff60}' | '\u{ff61}' | '\u{ff63}' | '\u{ff64}' => Lb::Cl,
        ')' | ']' => Lb::Cp,
        '!' | '?' | '\u{fe15}' | '\u{fe16}' | '\u{fe56}' | '\u{fe57}' | '\u{ff01}' | '\u{ff1f}' => {
            Lb::Ex
        }
        '\u{2024}'..='\u{2026}' | '\u{fe19}' => Lb::In,
        '\u{203c}'
        | '\u{203d}'
        | '\u{2047}'..='\u{2049}'
        | '\u{3005}'
        | '\u{301c}'
        | '\u{303b}'
        | '\u{303c}'
        | '\u{309b}'..='\u{309e}'
        | '\u{30a0}'
        | '\u{30fb}'..='\u{30fe}'
        | '\u{31f0}'..='\u{31ff}'
        | '\u{a015}'
        | '\u{fe54}'
        | '\u{fe55}'
        | '\u{ff1a}'
        | '\u{ff1b}'
        | '\u{ff65}'
        | '\u{ff67}'..='\u{ff70}'
        | '\u{ff9e}'
        | '\u{ff9f}' => Lb::Ns,
        // Small kana (UAX #14's CJ, which libunistring takes as NS).
        '\u{3041}' | '\u{3043}' | '\u{3045}' | '\u{3047}' | '\u{3049}' | '\u{3063}'
        | '\u{3083}' | '\u{3085}' | '\u{3087}' | '\u{308e}' | '\u{3095}' | '\u{3096}'
        | '\u{30a1}' | '\u{30a3}' | '\u{30a5}' | '\u{30a7}' | '\u{30a9}' | '\u{30c3}'
        | '\u{30e3}' | '\u{30e5}' | '\u{30e7}' | '\u{30ee}' | '\u{30f5}' | '\u{30f6}' => Lb::Ns,
        '(' | '[' | '{' | '\u{a1}' | '\u{bf}' | '\u{201a}' | '\u{201e}' | '\u{2045}'
        | '\u{207d}' | '\u{208d}' => Lb::Op,
        '\u{3008}' | '\u{300a}' | '\u{300c}' | '\u{300e}' | '\u{3010}' | '\u{3014}'
        | '\u{3016}' | '\u{3018}' | '\u{301a}' | '\u{301d}' | '\u{fe17}' | '\u{fe35}'
        | '\u{fe37}' | '\u{fe39}' | '\u{fe3b}' | '\u{fe3d}' | '\u{fe3f}' | '\u{fe41}'
        | '\u{fe43}' | '\u{fe47}' | '\u{fe59}' | '\u{fe5b}' | '\u{fe5d}' | '\u{ff08}'
        | '\u{ff3b}' | '\u{ff5b}' | '\u{ff5f}' | '\u{ff62}' => Lb::OpWide,
        '"'
        | '\''
        | '\u{ab}'
        | '\u{bb}'
        | '\u{2018}'
        | '\u{2019}'
        | '\u{201b}'..='\u{201d}'
        | '\u{201f}'
        | '\u{2039}'
        | '\u{203a}' => Lb::Qu,
        ',' | '.' | ':' | ';' | '\u{2044}' | '\u{fe10}' | '\u{fe13}' | '\u{fe14}' => Lb::Is,
        '0'..='9' => Lb::Nu,
        '%'
        | '\u{a2}'
        | '\u{b0}'
        | '\u{2030}'..='\u{2037}'
        | '\u{20a7}'
        | '\u{20b6}'
        | '\u{20bb}'
        | '\u{20be}'
        | '\u{20c0}'
        | '\u{2103}'
        | '\u{2109}'
        | '\u{fe6a}'
        | '\u{ff05}'
        | '\u{ffe0}' => Lb::Po,
        '$'
        | '+'
        | '\\'
        | '\u{a3}'..='\u{a5}'
        | '\u{b1}'
        | '\u{20a0}'..='\u{20cf}'
        | '\u{2116}'
        | '\u{fe69}'
        | '\u{ff04}'
        | '\u{ffe1}'
        | '\u{ffe5}'
        | '\u{ffe6}' => Lb::Pr,
        '/' => Lb::Sy,
        '\u{2e80}'..='\u{2e99}'
        | '\u{2e9b}'..='\u{2ef3}'
        | '\u{2f00}'..='\u{2fd5}'
        | '\u{2ff0}'..='\u{2ffb}'
        | '\u{3003}'..='\u{3029}'
        | '\u{3030}'..='\u{303f}'
        | '\u{3042}'..='\u{3096}'
        | '\u{309f}'..='\u{30ff}'
        | '\u{3105}'..='\u{312f}'
        | '\u{3131}'..='\u{318e}'
        | '\u{3190}'..='\u{31e3}'
        | '\u{3200}'..='\u{321e}'
        | '\u{3220}'..='\u{3247}'
        | '\u{3250}'..='\u{4dbf}'
        | '\u{4e00}'..='\u{a48c}'
        | '\u{a490}'..='\u{a4c6}'
        | '\u{f900}'..='\u{faff}'
        | '\u{fe30}'..='\u{fe52}'
        | '\u{fe54}'..='\u{fe66}'
        | '\u{fe68}'..='\u{fe6b}'
        | '\u{ff02}'..='\u{ff5e}'
        | '\u{ff66}'..='\u{ffbe}'
        | '\u{ffc2}'..='\u{ffc7}'
        | '\u{ffca}'..='\u{ffcf}'
        | '\u{ffd2}'..='\u{ffd7}'
        | '\u{ffda}'..='\u{ffdc}'
        | '\u{ffe2}'..='\u{ffe4}'
        | '\u{20000}'..='\u{3fffd}' => Lb::Id,
        _ => Lb::Al,
    }
}

/// Columns a character takes (libunistring's `uc_width` for UTF-8) in the blocks `lb_class`
/// knows: East Asian wide and fullwidth 2, combining marks and format characters 0.
#[expect(
    clippy::match_same_arms,
    reason = "control characters (ignored) apart from zero-width ones"
)]
fn col_width(c: char) -> usize {
    match c {
        '\u{0}'
        | '\u{ad}'
        | '\u{300}'..='\u{36f}'
        | '\u{200b}'..='\u{200f}'
        | '\u{202a}'..='\u{202e}'
        | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{206f}'
        | '\u{20d0}'..='\u{20f0}'
        | '\u{302a}'..='\u{302d}'
        | '\u{3099}'
        | '\u{309a}'
        | '\u{fe00}'..='\u{fe0f}'
        | '\u{fe20}'..='\u{fe2f}'
        | '\u{feff}' => 0,
        '\u{1}'..='\u{1f}' | '\u{7f}'..='\u{9f}' => 0, // control: ignored
        '\u{1100}'..='\u{115f}'
        | '\u{2e80}'..='\u{3029}'
        | '\u{302e}'..='\u{303e}'
        | '\u{3040}'..='\u{3098}'
        | '\u{309b}'..='\u{3247}'
        | '\u{3250}'..='\u{4dbf}'
        | '\u{4e00}'..='\u{a4cf}'
        | '\u{ac00}'..='\u{d7a3}'
        | '\u{f900}'..='\u{faff}'
        | '\u{fe10}'..='\u{fe1f}'
        | '\u{fe30}'..='\u{fe6f}'
        | '\u{ff00}'..='\u{ff60}'
        | '\u{ffe0}'..='\u{ffe6}'
        | '\u{20000}'..='\u{3ffff}' => 2,
        _ => 1,
    }
}

/// `u8_possible_linebreaks` (libunistring 1.0): whether a line may break before each
/// character, and where it must.
fn possible_breaks(text: &[char]) -> Vec<Brk> {
    let mut p = vec![Brk::No; text.len()];
    let mut prev: Option<Lb> = None; // None: a mandatory break (LBP_BK), as at the start
    let mut last: Option<Lb> = None; // the last class that was not a space
    let mut seen_space = false;
    for (i, &c) in text.iter().enumerate() {
        let prop = lb_class(c);
        match prop {
            Lb::Bk => {
                p[i] = Brk::Must;
                last = None;
                seen_space = false;
            }
            Lb::Sp => seen_space = true,
            Lb::Zw => {
                last = Some(Lb::Zw);
                seen_space = false;
            }
            Lb::Cm | Lb::Zwj => match last {
                None => {
                    last = Some(Lb::Al);
                    seen_space = false;
                }
                Some(l) if l == Lb::Zw || seen_space => {
                    p[i] = Brk::May;
                    last = Some(Lb::Al);
                    seen_space = false;
                }
                Some(_) => {}
            },
            _ => {
                p[i] = match last {
                    None => Brk::No,
                    Some(Lb::Zw) => Brk::May,
                    Some(_) if prev == Some(Lb::Zwj) => Brk::No,
                    Some(l) => match PAIRS[l as usize][prop as usize] {
                        b'D' => Brk::May,
                        b'I' if seen_space => Brk::May,
                        _ => Brk::No,
                    },
                };
                last = Some(prop);
                seen_space = false;
            }
        }
        prev = if prop == Lb::Bk { None } else { Some(prop) };
    }
    p
}

/// A line break opportunity before a character.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Brk {
    No,
    May,
    Must,
}

/// `u8_width_linebreaks` with gettext's overrides (`Some(false)`: no break here): where to
/// break so that no line is wider than `width`, the first one starting at column `start`.
fn width_breaks(
    text: &[char],
    overrides: &[Option<bool>],
    width: usize,
    start: usize,
) -> Vec<bool> {
    let possible = possible_breaks(text);
    let mut out = vec![false; text.len()];
    let mut last_col = start;
    let mut last_p: Option<usize> = None;
    let mut piece = 0;
    for (i, &c) in text.iter().enumerate() {
        let brk = match overrides[i] {
            Some(true) => Brk::May,
            Some(false) => Brk::No,
            None => possible[i],
        };
        if brk != Brk::No
            && let Some(lp) = last_p
            && last_col + piece > width
        {
            out[lp] = true;
            last_col = 0;
        }
        if brk == Brk::Must {
            last_p = None;
            last_col = 0;
            piece = 0;
        } else {
            if brk == Brk::May {
                last_p = Some(i);
                last_col += piece;
                piece = 0;
            }
            piece += col_width(c);
        }
    }
    if let Some(lp) = last_p
        && last_col + piece > width
    {
        out[lp] = true;
    }
    out
}

/// gettext's `wrap`: one keyword and its string, as lines of at most 79 columns where
/// possible, split after each `\n`; `prefix` is `#~ ` for obsolete entries.
fn wrap(out: &mut String, prefix: &str, name: &str, value: &str) {
    let mut portions: Vec<&str> = value.split_inclusive('\n').collect();
    if portions.is_empty() {
        portions.push("");
    }
    let mut first = true;
    for (n, portion) in portions.iter().enumerate() {
        let more = n + 1 < portions.len();
        let mut text = Vec::new();
        let mut overrides = Vec::new();
        for c in portion.chars() {
            let e = escape(&c.to_string());
            overrides.push(None);
            if e.len() == 2 {
                overrides.push(Some(false));
            }
            text.extend(e);
        }
        if portion.ends_with('\n') {
            let at = overrides.len() - 2;
            overrides[at] = Some(false);
        }
        let after_break = prefix.len() + 1;
        let width = PAGE_WIDTH - 1 - after_break;
        let start =
            |first: bool| prefix.len() + if first { name.len() + 1 } else { 0 } + 1 - after_break;
        let mut breaks = width_breaks(&text, &overrides, width, start(first));
        if first && !text.is_empty() && (more || start(first) > width || breaks.contains(&true)) {
            let _ = writeln!(out, "{prefix}{name} \"\"");
            first = false;
            breaks = width_breaks(&text, &overrides, width, start(first));
        }
        out.push_str(prefix);
        if first {
            out.push_str(name);
            out.push(' ');
            first = false;
        }
        out.push('"');
        for (c, b) in text.iter().zip(&breaks) {
            if *b {
                let _ = write!(out, "\"\n{prefix}\"");
            }
            out.push(*c);
        }
        out.push_str("\"\n");
    }
}

/// A catalog as gettext's PO writer prints it: messages, then obsolete ones.
fn write_po(msgs: &[Msg]) -> String {
    let mut out = String::new();
    let ordered = msgs
        .iter()
        .filter(|m| !m.obsolete)
        .chain(msgs.iter().filter(|m| m.obsolete && m.translated()));
    for (i, m) in ordered.enumerate() {
        if i > 0 {
            out.push('\n');
        }
        for c in &m.comments {
            out.push('#');
            if !c.is_empty() {
                out.push(' ');
            }
            out.push_str(c);
            out.push('\n');
        }
        for c in &m.extracted {
            out.push_str(if c.is_empty() { "#." } else { "#. " });
            out.push_str(c);
            out.push('\n');
        }
        if !m.refs.is_empty() {
            out.push_str("#:");
            let mut column = 2;
            for r in &m.refs {
                if column > 2 && column + r.len() + 1 > PAGE_WIDTH {
                    out.push_str("\n#:");
                    column = 2;
                }
                out.push(' ');
                out.push_str(r);
                column += r.len() + 1;
            }
            out.push('\n');
        }
        if m.fuzzy && m.translated() {
            out.push_str("#, fuzzy\n");
        }
        let prefix = if m.obsolete { "#~ " } else { "" };
        if let Some(c) = &m.ctxt {
            wrap(&mut out, prefix, "msgctxt", c);
        }
        wrap(&mut out, prefix, "msgid", &m.id);
        match &m.plural {
            None => wrap(
                &mut out,
                prefix,
                "msgstr",
                m.strs.first().map_or("", String::as_str),
            ),
            Some(p) => {
                wrap(&mut out, prefix, "msgid_plural", p);
                for (n, s) in m.strs.iter().enumerate() {
                    wrap(&mut out, prefix, &format!("msgstr[{n}]"), s);
                }
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// scan: the strings of the sources, as xgettext's JavaScript parser finds them

/// The tokens of xgettext's JavaScript lexer (x-javascript.c in gettext 0.21) that its
/// extractor tells apart.
#[derive(Debug, Clone, PartialEq)]
enum Tok {
    /// An identifier or a number.
    Symbol(String),
    /// `return` or `else` (xgettext knows no other keywords).
    Keyword,
    /// A string, or a template without substitutions, with the line it starts on; `'a' + 'b'`
    /// is one string.
    Str(String, usize),
    /// A part of a template literal with substitutions: before the first `${` (`left`),
    /// between two (`mid`), or after the last (neither).
    Template {
        left: bool,
        mid: bool,
    },
    Open(char),
    Close(char),
    Comma,
    Dot,
    Plus,
    Regexp,
    /// An operator or anything else.
    Other,
}

impl Tok {
    /// xgettext's `is_after_expression`: after this token, `/` divides and `<` compares.
    fn ends_expression(&self) -> bool {
        match self {
            Tok::Symbol(_) | Tok::Str(..) | Tok::Close(_) | Tok::Regexp => true,
            Tok::Template { left, mid } => !left && !mid,
            _ => false,
        }
    }
}

type Chars<'a> = std::iter::Peekable<std::str::Chars<'a>>;

/// An octal escape whose first digit is `first`: up to two more digits are taken from `it`
/// (PO files and JavaScript strings read them alike).
fn octal(first: char, it: &mut Chars) -> u32 {
    let mut n = first.to_digit(8).unwrap_or_default();
    for _ in 0..2 {
        match it.peek().and_then(|d| d.to_digit(8)) {
            Some(d) => {
                n = n * 8 + d;
                it.next();
            }
            None => break,
        }
    }
    n
}

/// `n` hex digits ahead, consumed if they are all there.
fn hex(it: &mut Chars, n: usize) -> Option<u32> {
    let ahead: String = it.clone().take(n).collect();
    if ahead.len() == n && ahead.chars().all(|c| c.is_ascii_hexdigit()) {
        for _ in 0..n {
            it.next();
        }
        u32::from_str_radix(&ahead, 16).ok()
    } else {
        None
    }
}

/// One character of a JavaScript string or template, as xgettext's `phase7_getuc` reads it:
/// `None` at the closing quote, at the end of input, or (unterminated) at the end of a line.
fn js_char(it: &mut Chars, quote: char, line: &mut usize) -> Option<char> {
    loop {
        let c = it.next()?;
        if c == quote {
            return None;
        }
        if c == '\n' {
            *line += 1;
            return (quote == '`').then_some('\n');
        }
        if c == '\r' && quote == '`' && it.peek() == Some(&'\n') {
            it.next();
            *line += 1;
            return Some('\n');
        }
        if c != '\\' {
            return Some(c);
        }
        let e = it.next()?;
        let v = match e {
            '\n' => {
                *line += 1;
                continue;
            }
            'b' => 0x8,
            'f' => 0xc,
            'n' => 0xa,
            'r' => 0xd,
            't' => 0x9,
            'v' => 0xb,
            '0'..='7' => octal(e, it),
            'x' => hex(it, 2).unwrap_or(u32::from('x')),
            'u' => match hex(it, 4) {
                Some(hi @ 0xd800..=0xdbff) => {
                    // A UTF-16 surrogate pair written as two escapes is one character.
                    let mut look = it.clone();
                    let lo = if look.next() == Some('\\') && look.next() == Some('u') {
                        hex(&mut look, 4).filter(|lo| (0xdc00..=0xdfff).contains(lo))
                    } else {
                        None
                    };
                    match lo {
                        Some(lo) => {
                            *it = look;
                            0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00)
                        }
                        None => 0xfffd,
                    }
                }
                Some(n) => n,
                None => u32::from('u'),
            },
            other => u32::from(other),
        };
        return Some(char::from_u32(v).unwrap_or('\u{fffd}'));
    }
}

/// The rest of a template literal, after its opening backquote (`first`) or after the `}` of
/// a substitution: a string when it has no substitution, else its part up to the next `${`.
fn template(
    it: &mut Chars,
    line: &mut usize,
    braces: &mut Vec<usize>,
    start: usize,
    first: bool,
) -> Tok {
    let mut s = String::new();
    loop {
        let mut look = it.clone();
        if look.next() == Some('$') && look.next() == Some('{') {
            *it = look;
            if first {
                braces.push(0);
            }
            return Tok::Template {
                left: first,
                mid: !first,
            };
        }
        match js_char(it, '`', line) {
            Some(c) => s.push(c),
            None => break,
        }
    }
    if first {
        Tok::Str(s, start)
    } else {
        braces.pop();
        Tok::Template {
            left: false,
            mid: false,
        }
    }
}

/// The next character of code (xgettext's `phase3_getc`): a backslash-newline is eaten.
fn code_char(it: &mut Chars, line: &mut usize) -> Option<char> {
    loop {
        let c = it.next()?;
        if c == '\\' {
            let mut look = it.clone();
            if look.next() == Some('\n') {
                *it = look;
                *line += 1;
                continue;
            }
        }
        return Some(c);
    }
}

/// The character `code_char` would read next.
fn peek_code(it: &Chars) -> Option<char> {
    code_char(&mut it.clone(), &mut 0)
}

/// xgettext's JavaScript lexer (`phase5_get`, with `x_javascript_lex` joining `'a' + 'b'` and
/// dropping tagged templates). A `<` where xgettext would start reading E4X XML is refused:
/// that syntax is not supported here.
fn js_tokens(src: &str) -> Result<Vec<Tok>, String> {
    let mut toks: Vec<Tok> = Vec::new();
    let mut it = src.chars().peekable();
    let mut line = 1;
    // Open `{` per template nesting level: a `}` at zero ends a `${...}`.
    let mut braces = vec![0usize];
    // Whether the last token read (even one dropped) ends an expression, or is a name.
    let mut after_expr = false;
    let mut after_symbol = false;
    loop {
        // As in xgettext, a token's line is taken before a backslash-newline before it is eaten.
        let start = line;
        let Some(c) = code_char(&mut it, &mut line) else {
            break;
        };
        let tok = match c {
            '\n' => {
                line += 1;
                continue;
            }
            ' ' | '\t' | '\u{c}' => continue,
            '/' if it.peek() == Some(&'/') => {
                for c in it.by_ref() {
                    if c == '\n' {
                        line += 1;
                        break;
                    }
                }
                continue;
            }
            '/' if it.peek() == Some(&'*') => {
                it.next();
                let mut star = false;
                for c in it.by_ref() {
                    if c == '\n' {
                        line += 1;
                    }
                    if star && c == '/' {
                        break;
                    }
                    star = c == '*';
                }
                continue;
            }
            '.' if !peek_code(&it).is_some_and(|d| d.is_ascii_digit()) => Tok::Dot,
            c if c.is_ascii_alphanumeric() || c == '_' || c == '.' => {
                let mut w = c.to_string();
                while let Some(d) = peek_code(&it) {
                    if d.is_ascii_alphanumeric() || d == '_' {
                        w.push(d);
                        code_char(&mut it, &mut line);
                    } else {
                        break;
                    }
                }
                if w == "return" || w == "else" {
                    Tok::Keyword
                } else {
                    Tok::Symbol(w)
                }
            }
            '"' | '\'' => {
                let mut s = String::new();
                while let Some(c) = js_char(&mut it, c, &mut line) {
                    s.push(c);
                }
                Tok::Str(s, start)
            }
            '`' => template(&mut it, &mut line, &mut braces, start, true),
            '}' if braces.len() > 1 && braces.last() == Some(&0) => {
                template(&mut it, &mut line, &mut braces, start, false)
            }
            '+' => Tok::Plus,
            '<' if !after_expr => {
                return Err(format!(
                    "line {line}: a `<` after an operator (as in `<<`), where xgettext 0.21 starts \
                     reading E4X XML, which this scan does not imitate: write the expression \
                     another way"
                ));
            }
            '/' if !after_expr => {
                // To the next unescaped `/` (xgettext knows no character classes), then at
                // most one flag.
                while let Some(c) = it.next() {
                    match c {
                        '/' => break,
                        '\\' if it.next() == Some('\n') => line += 1,
                        '\n' => line += 1,
                        _ => {}
                    }
                }
                if matches!(it.peek(), Some('g' | 'i' | 'm')) {
                    it.next();
                }
                Tok::Regexp
            }
            '(' | '[' => Tok::Open(c),
            ')' | ']' => Tok::Close(c),
            '{' => {
                if let Some(b) = braces.last_mut() {
                    *b += 1;
                }
                Tok::Open('{')
            }
            '}' => {
                if let Some(b) = braces.last_mut() {
                    *b = b.saturating_sub(1);
                }
                Tok::Close('}')
            }
            ',' => Tok::Comma,
            _ => Tok::Other,
        };
        let tagged = after_symbol;
        after_symbol = matches!(tok, Tok::Symbol(_));
        after_expr = tok.ends_expression();
        // A tagged template (a name, then a template) is a call the extractor does not see.
        if c == '`' && matches!(tok, Tok::Str(..)) && tagged {
            continue;
        }
        // 'a' + 'b' (strings or templates without substitutions) is one string.
        if let Tok::Str(b, _) = &tok
            && let [.., Tok::Str(..), Tok::Plus] = &toks[..]
        {
            toks.pop();
            if let Some(Tok::Str(a, _)) = toks.last_mut() {
                a.push_str(b);
            }
            continue;
        }
        toks.push(tok);
    }
    Ok(toks)
}

/// A string found by the scan: context, id, plural, and where.
type Found = (Option<String>, String, Option<String>, usize);

/// xgettext's `extract_balanced`: the tokens from `*i` to the one closing `delim` (`None`:
/// the end of input), remembering the first string of each argument of a keyword call
/// (`keyword`, whose message goes into `found`), and the calls inside. True at the end of
/// input.
fn js_balanced(
    toks: &[Tok],
    i: &mut usize,
    delim: Option<char>,
    keyword: Option<&str>,
    found: &mut Vec<Found>,
) -> bool {
    let mut args: Vec<Option<(String, usize)>> = vec![None];
    let done = |args: &[Option<(String, usize)>], found: &mut Vec<Found>| {
        let arg = |n: usize| args.get(n).cloned().flatten();
        match keyword {
            // _:1 and _:1,2c
            Some("_") => {
                if let Some((id, line)) = arg(0) {
                    found.push((arg(1).map(|c| c.0), id, None, line));
                }
            }
            // N_:2,3 and N_:2,3,4c
            Some(_) => {
                if let (Some((id, line)), Some((plural, _))) = (arg(1), arg(2)) {
                    found.push((arg(3).map(|c| c.0), id, Some(plural), line));
                }
            }
            None => {}
        }
    };
    // A keyword just seen: a `(` next makes a call.
    let mut call: Option<&str> = None;
    loop {
        let Some(t) = toks.get(*i) else {
            done(&args, found);
            return true;
        };
        *i += 1;
        let seen = call.take();
        match t {
            Tok::Symbol(w) if w == "_" || w == "N_" => call = Some(w.as_str()),
            Tok::Open(c) => {
                let (close, inner) = match c {
                    '(' => (')', seen),
                    '[' => (']', None),
                    _ => ('}', None),
                };
                if js_balanced(toks, i, Some(close), inner, found) {
                    done(&args, found);
                    return true;
                }
            }
            Tok::Close(c) if delim.is_none() || delim == Some(*c) => {
                done(&args, found);
                return false;
            }
            Tok::Comma => args.push(None),
            Tok::Str(s, line) => {
                let last = args.last_mut().unwrap();
                if last.is_none() {
                    *last = Some((s.clone(), *line));
                }
            }
            _ => {}
        }
    }
}

/// LuCI's `preprocess_json`: `"title": "x"` and `"description": "x"` become `_("x")` calls.
fn json_as_js(src: &str) -> String {
    let mut out = String::new();
    let mut rest = src;
    'outer: while !rest.is_empty() {
        for key in ["\"title\"", "\"description\""] {
            if let Some(after) = rest.strip_prefix(key) {
                let after_ws = after.trim_start();
                if let Some(v) = after_ws.strip_prefix(':').map(str::trim_start)
                    && v.starts_with('"')
                {
                    let mut end = None;
                    let mut esc = false;
                    for (i, c) in v.char_indices().skip(1) {
                        if esc {
                            esc = false;
                        } else if c == '\\' {
                            esc = true;
                        } else if c == '"' {
                            end = Some(i + 1);
                            break;
                        }
                    }
                    if let Some(end) = end {
                        let _ = write!(out, "{key}: _({})", &v[..end]);
                        rest = &v[end..];
                        continue 'outer;
                    }
                }
            }
        }
        let c = rest.chars().next().unwrap();
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// LuCI's `whitespace_collapse`: newlines and tabs become spaces, runs of spaces one, and one
/// space is trimmed at each end.
fn collapse(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        let c = if c == '\n' || c == '\t' { ' ' } else { c };
        if !(c == ' ' && out.ends_with(' ')) {
            out.push(c);
        }
    }
    let out = out.strip_prefix(' ').unwrap_or(&out);
    out.strip_suffix(' ').unwrap_or(out).to_string()
}

/// The files i18n-scan.pl reads (`.js` anywhere, JSON under `menu.d` and `acl.d`), as paths
/// relative to the app.
#[expect(
    clippy::case_sensitive_file_extension_comparisons,
    reason = "i18n-scan.pl's find -name '*.js' is case-sensitive too"
)]
fn sources(app: &Path) -> Result<Vec<String>, String> {
    fn walk(dir: &Path, rel: &str, out: &mut Vec<String>) -> Result<(), String> {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .map_err(|e| format!("{}: {e}", dir.display()))?
            .map(|e| e.unwrap())
            .collect();
        entries.sort_by_key(std::fs::DirEntry::file_name);
        for e in entries {
            let name = e.file_name().into_string().unwrap();
            let path = if rel.is_empty() {
                name.clone()
            } else {
                format!("{rel}/{name}")
            };
            if e.file_type().unwrap().is_dir() {
                walk(&e.path(), &path, out)?;
            } else if [".uc", ".ut", ".lua", ".htm"]
                .iter()
                .any(|x| name.ends_with(x))
            {
                return Err(format!("{path}: only .js and JSON files can be scanned"));
            } else if name.ends_with(".js")
                || (name.ends_with(".json")
                    && (rel.ends_with("/menu.d") || rel.ends_with("/acl.d")))
            {
                out.push(path);
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(app, "", &mut out)?;
    Ok(out)
}

/// The template: every string of the app's sources, sorted as `msguniq -s` sorts them.
#[expect(
    clippy::case_sensitive_file_extension_comparisons,
    reason = "i18n-scan.pl's find -name '*.js' is case-sensitive too"
)]
fn scan(app: &Path) -> Result<String, String> {
    let name = app
        .canonicalize()
        .map_err(|e| format!("{}: {e}", app.display()))?;
    let name = name.file_name().unwrap().to_str().unwrap();
    let mut msgs: Vec<Msg> = Vec::new();
    for rel in sources(app)? {
        let text = std::fs::read_to_string(app.join(&rel)).map_err(|e| format!("{rel}: {e}"))?;
        let text = if rel.ends_with(".json") {
            json_as_js(&text)
        } else {
            text
        };
        let toks = js_tokens(&text).map_err(|e| format!("{rel}: {e}"))?;
        let mut found = Vec::new();
        let mut i = 0;
        while !js_balanced(&toks, &mut i, None, None, &mut found) {}
        for (ctxt, id, plural, line) in found {
            let (ctxt, id, plural) = (
                ctxt.map(|c| collapse(&c)),
                collapse(&id),
                plural.map(|p| collapse(&p)),
            );
            if id.is_empty() || ctxt.as_deref() == Some("") || plural.as_deref() == Some("") {
                continue;
            }
            let at = format!("applications/{name}/{rel}:{line}");
            match msgs.iter_mut().find(|m| m.key() == (ctxt.as_deref(), &id)) {
                Some(m) => {
                    if !m.refs.contains(&at) {
                        m.refs.push(at);
                    }
                }
                None => msgs.push(Msg {
                    refs: vec![at],
                    strs: vec![String::new(); if plural.is_some() { 2 } else { 1 }],
                    ctxt,
                    id,
                    plural,
                    ..Msg::default()
                }),
            }
        }
    }
    msgs.sort_by(|a, b| {
        a.id.as_bytes().cmp(b.id.as_bytes()).then_with(|| {
            a.ctxt
                .as_deref()
                .map(str::as_bytes)
                .cmp(&b.ctxt.as_deref().map(str::as_bytes))
        })
    });
    for m in &mut msgs {
        m.refs.sort_by(|a, b| {
            let split = |r: &str| {
                let (f, l) = r.rsplit_once(':').unwrap();
                (f.to_string(), l.parse::<u64>().unwrap())
            };
            split(a).cmp(&split(b))
        });
    }
    if msgs.is_empty() {
        // msguniq writes nothing for a catalog with only its header.
        return Ok(String::new());
    }
    let header = Msg {
        strs: vec!["Content-Type: text/plain; charset=UTF-8".to_string()],
        ..Msg::default()
    };
    msgs.insert(0, header);
    Ok(write_po(&msgs))
}

// ---------------------------------------------------------------------------------------------
// update: msgmerge -U -N, keeping each .po's header text

/// i18n-update.pl's header pattern: `msgid ""`, `msgstr ""`, quoted lines, a blank line.
fn header_block(text: &str) -> Option<&str> {
    let start = text
        .match_indices("msgid \"\"\nmsgstr \"\"\n")
        .map(|(i, _)| i)
        .find(|&i| i == 0 || text.as_bytes()[i - 1] == b'\n')?;
    let mut end = start + "msgid \"\"\nmsgstr \"\"\n".len();
    let mut lines = 0;
    loop {
        let rest = &text[end..];
        let line_end = rest.find('\n')?;
        let line = &rest[..line_end];
        if line.len() >= 3 && line.starts_with('"') && line.ends_with('"') {
            end += line_end + 1;
            lines += 1;
        } else if line.is_empty() && lines > 0 {
            return Some(&text[start..=end]);
        } else {
            return None;
        }
    }
}

/// The merged catalog of `po` (a .po file's text) and the template's messages, as msgmerge
/// writes it, or `None` when msgmerge would leave the file as it is.
fn merge(po: &str, pot: &[Msg]) -> Result<Option<String>, String> {
    let old = parse_po(po)?;
    let nplurals = old
        .iter()
        .find(|m| m.id.is_empty() && m.ctxt.is_none() && !m.obsolete)
        .and_then(|h| h.strs.first())
        .and_then(|h| h.lines().find_map(|l| l.strip_prefix("Plural-Forms:")))
        .and_then(|p| {
            p.split(';')
                .find_map(|f| f.trim().strip_prefix("nplurals="))
        })
        .and_then(|n| n.trim().parse::<usize>().ok())
        .unwrap_or(2);
    let mut used = vec![false; old.len()];
    let mut new: Vec<Msg> = Vec::new();
    if let Some((i, h)) = old
        .iter()
        .enumerate()
        .find(|(_, m)| m.id.is_empty() && m.ctxt.is_none() && !m.obsolete)
    {
        used[i] = true;
        new.push(h.clone());
    }
    for r in pot
        .iter()
        .filter(|m| !(m.id.is_empty() && m.ctxt.is_none()))
    {
        let mut m = Msg {
            refs: r.refs.clone(),
            extracted: r.extracted.clone(),
            ctxt: r.ctxt.clone(),
            id: r.id.clone(),
            plural: r.plural.clone(),
            ..Msg::default()
        };
        let found = old
            .iter()
            .enumerate()
            .find(|(i, d)| !used[*i] && !d.is_header() && d.key() == r.key());
        match found {
            Some((i, d)) => {
                used[i] = true;
                m.comments.clone_from(&d.comments);
                m.fuzzy = d.fuzzy;
                m.strs.clone_from(&d.strs);
                if r.plural.is_some() != d.plural.is_some() {
                    return Err(format!(
                        "{:?}: the template and the translation disagree on plural forms; fix by hand",
                        r.id
                    ));
                }
            }
            None => {
                m.strs = vec![String::new(); if r.plural.is_some() { nplurals } else { 1 }];
            }
        }
        new.push(m);
    }
    for (i, d) in old.iter().enumerate() {
        if !used[i] {
            let mut m = d.clone();
            m.obsolete = true;
            m.refs.clear();
            m.extracted.clear();
            new.push(m);
        }
    }
    let compare = |m: &Msg| {
        let mut m = m.clone();
        m.fuzzy = m.fuzzy && m.translated();
        m
    };
    let old_kept: Vec<Msg> = old
        .iter()
        .filter(|m| !m.obsolete || m.translated())
        .map(compare)
        .collect();
    let new_kept: Vec<Msg> = new
        .iter()
        .filter(|m| !m.obsolete || m.translated())
        .map(compare)
        .collect();
    if old_kept == new_kept {
        return Ok(None);
    }
    let mut text = write_po(&new);
    // i18n-update.pl puts the .po file's own header text back.
    if let (Some(was), Some(now)) = (header_block(po), header_block(&text)) {
        text = text.replacen(now, was, 1);
    }
    Ok(Some(text))
}

// ---------------------------------------------------------------------------------------------

/// The app's template path and its catalogs (`po/LANG/NAME.po`, sorted by language).
fn catalogs(app: &Path) -> Result<(PathBuf, Vec<PathBuf>), String> {
    let name = app
        .canonicalize()
        .map_err(|e| format!("{}: {e}", app.display()))?;
    let name = name.file_name().unwrap().to_str().unwrap();
    let base = name.strip_prefix("luci-app-").unwrap_or(name);
    let pot = app.join(format!("po/templates/{base}.pot"));
    let mut pos = Vec::new();
    if let Ok(dirs) = std::fs::read_dir(app.join("po")) {
        for d in dirs {
            let d = d.unwrap();
            if d.file_name() != "templates" && d.file_type().unwrap().is_dir() {
                let po = d.path().join(format!("{base}.po"));
                if po.is_file() {
                    pos.push(po);
                }
            }
        }
    }
    pos.sort();
    Ok((pot, pos))
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

/// What `check` finds: strings of the sources missing from the template or stale in it, and
/// per catalog the template's ids it lacks, ids it has that the template does not (obsolete
/// `#~` entries aside), and entries left untranslated or fuzzy. References and line wrapping
/// are not compared: they follow with the next `scan` and `update`.
fn check(app: &Path) -> Result<Vec<String>, String> {
    type Key = (Option<String>, String);
    let (pot_path, pos) = catalogs(app)?;
    let mut problems = Vec::new();
    let ids = |msgs: &[Msg]| -> BTreeSet<Key> {
        msgs.iter()
            .filter(|m| !m.obsolete && !m.is_header())
            .map(|m| (m.ctxt.clone(), m.id.clone()))
            .collect()
    };
    let show = |k: &Key| match &k.0 {
        Some(c) => format!("{:?} (context {c:?})", k.1),
        None => format!("{:?}", k.1),
    };
    let wanted = ids(&parse_po(&scan(app)?)?);
    let pot = std::fs::read_to_string(&pot_path).unwrap_or_default();
    let have = ids(&parse_po(&pot).map_err(|e| format!("{}: {e}", pot_path.display()))?);
    for k in wanted.difference(&have) {
        problems.push(format!("{}: missing {}", pot_path.display(), show(k)));
    }
    for k in have.difference(&wanted) {
        problems.push(format!(
            "{}: stale {} (not in the sources)",
            pot_path.display(),
            show(k)
        ));
    }
    for po in &pos {
        let msgs = parse_po(&read(po)?).map_err(|e| format!("{}: {e}", po.display()))?;
        let po_ids = ids(&msgs);
        for k in have.difference(&po_ids) {
            problems.push(format!("{}: missing {}", po.display(), show(k)));
        }
        for k in po_ids.difference(&have) {
            problems.push(format!(
                "{}: stale {} (not in the template)",
                po.display(),
                show(k)
            ));
        }
        for m in msgs.iter().filter(|m| {
            !m.obsolete && !m.is_header() && have.contains(&(m.ctxt.clone(), m.id.clone()))
        }) {
            let key = (m.ctxt.clone(), m.id.clone());
            if m.strs.is_empty() || m.strs.iter().any(String::is_empty) {
                problems.push(format!("{}: untranslated {}", po.display(), show(&key)));
            } else if m.fuzzy {
                problems.push(format!("{}: fuzzy {}", po.display(), show(&key)));
            }
        }
    }
    Ok(problems)
}

fn run(args: &[String]) -> Result<bool, String> {
    let default = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("openwrt/luci-app-ddns-dc");
    let (cmd, app) = match args {
        [cmd] => (cmd.as_str(), default),
        [cmd, app] => (cmd.as_str(), PathBuf::from(app)),
        _ => return Err("usage: i18n scan|update|check [APP_DIR]".to_string()),
    };
    match cmd {
        "scan" => {
            let (pot, _) = catalogs(&app)?;
            write(&pot, &scan(&app)?)?;
            println!("{}", pot.display());
        }
        "update" => {
            let (pot, pos) = catalogs(&app)?;
            let template = parse_po(&read(&pot)?)?;
            for po in pos {
                match merge(&read(&po)?, &template).map_err(|e| format!("{}: {e}", po.display()))? {
                    Some(text) => {
                        write(&po, &text)?;
                        println!("{}: updated", po.display());
                    }
                    None => println!("{}: up to date", po.display()),
                }
            }
        }
        "check" => {
            let problems = check(&app)?;
            for p in &problems {
                eprintln!("i18n: {p}");
            }
            if !problems.is_empty() {
                eprintln!(
                    "i18n: run `cargo run --example i18n -- scan`, then `-- update`, then \
                     translate each msgstr \"\" (see the top of examples/i18n.rs)"
                );
                return Ok(false);
            }
        }
        other => return Err(format!("unknown command {other}: scan, update or check")),
    }
    Ok(true)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(true) => {}
        Ok(false) => std::process::exit(1),
        Err(e) => {
            eprintln!("i18n: {e}");
            std::process::exit(2);
        }
    }
}
