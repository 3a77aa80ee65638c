//! Who may change a directory on Windows, read from its security descriptor as Windows prints
//! it in SDDL (`O:owner` then `D:flags(ace)(ace)...`): the Windows twin of the Unix mode check
//! (issue 23). Pure, so it is unit-tested on every system; `windows/files.rs` reads the string.
//!
//! A directory is refused when its owner is not SYSTEM, Administrators or the user running
//! `ddns`; when an allow entry gives anyone else a right to write, delete, or change its
//! permissions or owner; or when an entry that files created in it inherit (`OI`) lets anyone
//! else read them (a file has no mode of its own there: the state file would be readable).
//! Deny entries only take rights away, so they are not needed to judge.

/// SIDs that are trusted besides the user: SYSTEM, Administrators, TrustedInstaller, and the
/// creator/owner placeholders (which stand for the owner, checked separately).
const TRUSTED: [&str; 9] = [
    "SY",
    "S-1-5-18",
    "BA",
    "S-1-5-32-544",
    "S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464",
    "CO",
    "S-1-3-0",
    "OW",
    "S-1-3-4",
];

/// Rights that change a file or directory or its contents: write data or add file (0x2),
/// append or add subdirectory (0x4), write extended attributes (0x10), delete child (0x40),
/// write attributes (0x100), delete (0x10000), write DAC (0x40000), write owner (0x80000),
/// generic all and generic write.
const WRITE: u32 = 0x2 | 0x4 | 0x10 | 0x40 | 0x100 | 0x1_0000 | 0x4_0000 | 0x8_0000 | GA | GW;
/// Read data (0x1), generic all, generic read.
const READ: u32 = 0x1 | GA | GR;
const GA: u32 = 0x1000_0000;
const GW: u32 = 0x4000_0000;
const GR: u32 = 0x8000_0000;

/// Why a directory is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// It belongs to this account.
    Owner(String),
    /// This account may change it or what is in it.
    Writer(String),
    /// This account may read the files created in it.
    Reader(String),
    /// It has no DACL at all: everyone may do anything.
    NoDacl,
}

/// Judge the descriptor `sddl`, with `me` the SID of the user running `ddns`.
pub fn judge(sddl: &str, me: Option<&str>) -> Result<(), Finding> {
    let trusted = |sid: &str| TRUSTED.contains(&sid) || Some(sid) == me;
    let owner = section(sddl, 'O').unwrap_or("");
    if !owner.is_empty() && !trusted(owner) {
        return Err(Finding::Owner(shown(owner)));
    }
    let Some(dacl) = section(sddl, 'D') else {
        return Ok(());
    };
    if dacl.starts_with("NO_ACCESS_CONTROL") {
        return Err(Finding::NoDacl);
    }
    // (inherited by files, mask, SID) of the allow entries for someone untrusted.
    let others: Vec<(bool, u32, &str)> = dacl
        .split('(')
        .skip(1)
        .filter_map(|ace| {
            let fields: Vec<&str> = ace.trim_end_matches(')').split(';').collect();
            let [kind, flags, rights, _, _, sid, ..] = fields[..] else {
                return None;
            };
            let allow = matches!(kind, "A" | "OA" | "XA" | "ZA");
            (allow && !trusted(sid)).then(|| (flag(flags, "OI"), mask(rights), sid))
        })
        .collect();
    if let Some((_, _, sid)) = others.iter().find(|(_, m, _)| m & WRITE != 0) {
        return Err(Finding::Writer(shown(sid)));
    }
    if let Some((_, _, sid)) = others.iter().find(|(files, m, _)| *files && m & READ != 0) {
        return Err(Finding::Reader(shown(sid)));
    }
    Ok(())
}

/// The text after `X:` up to the next section (`O:`, `G:`, `D:`, `S:`), outside parentheses.
fn section(sddl: &str, which: char) -> Option<&str> {
    let mut depth = 0;
    let bytes = sddl.as_bytes();
    let mut start = None;
    for (i, c) in sddl.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            'O' | 'G' | 'D' | 'S' if depth == 0 && bytes.get(i + 1) == Some(&b':') => {
                if let Some(s) = start {
                    return Some(&sddl[s..i]);
                }
                if c == which {
                    start = Some(i + 2);
                }
            }
            _ => {}
        }
    }
    start.map(|s| &sddl[s..])
}

/// Whether the ACE flags `flags` (two letters each) hold `which`.
fn flag(flags: &str, which: &str) -> bool {
    flags.as_bytes().chunks(2).any(|c| c == which.as_bytes())
}

/// The access mask of an ACE's rights: `0x...`, or two-letter codes. An unknown code counts as
/// every right.
fn mask(rights: &str) -> u32 {
    if let Some(hex) = rights
        .strip_prefix("0x")
        .or_else(|| rights.strip_prefix("0X"))
    {
        return u32::from_str_radix(hex, 16).unwrap_or(u32::MAX);
    }
    rights
        .as_bytes()
        .chunks(2)
        .map(|code| match code {
            b"GA" => GA,
            b"GR" => GR,
            b"GW" => GW,
            b"GX" => 0x2000_0000,
            b"RC" => 0x2_0000,
            b"SD" => 0x1_0000,
            b"WD" => 0x4_0000,
            b"WO" => 0x8_0000,
            b"CC" => 0x1,
            b"DC" => 0x2,
            b"LC" => 0x4,
            b"SW" => 0x8,
            b"RP" => 0x10,
            b"WP" => 0x20,
            b"DT" => 0x40,
            b"LO" => 0x80,
            b"CR" => 0x100,
            b"FA" => 0x1F_01FF,
            b"FR" => 0x12_0089,
            b"FW" => 0x12_0116,
            b"FX" => 0x12_00A0,
            _ => u32::MAX,
        })
        .fold(0, |a, b| a | b)
}

/// An SID as a person reads it: the well-known groups by name.
fn shown(sid: &str) -> String {
    match sid {
        "WD" | "S-1-1-0" => "Everyone".into(),
        "BU" | "S-1-5-32-545" => "Users".into(),
        "AU" | "S-1-5-11" => "Authenticated Users".into(),
        "IU" | "S-1-5-4" => "Interactive users".into(),
        "BG" | "S-1-5-32-546" => "Guests".into(),
        "AN" | "S-1-5-7" => "Anonymous".into(),
        other => other.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ME: &str = "S-1-5-21-1-2-3-1001";

    #[test]
    fn the_directories_ddns_creates_pass() {
        // %ProgramData%\ddns as created (SYSTEM and Administrators, protected), read back with
        // an owner; the per-user one with the user too; Wine's own answer.
        for sddl in [
            "O:BAD:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)",
            "O:SYD:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)",
            "O:S-1-5-21-1-2-3-1001G:S-1-5-21-1-2-3-513D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;FA;;;S-1-5-21-1-2-3-1001)",
            "D:(A;OICI;FA;;;SY)(A;OICI;FA;;;S-1-5-21-1-2-3-1001)",
            // A profile's AppData: the user, SYSTEM, Administrators; CREATOR OWNER for children.
            "O:S-1-5-21-1-2-3-1001D:AI(A;OICIIOID;GA;;;CO)(A;OICIID;FA;;;SY)(A;OICIID;FA;;;BA)(A;OICIID;FA;;;S-1-5-21-1-2-3-1001)",
            // Users may list it (not inherited by files) and a deny entry.
            "O:BAD:(A;;0x1200a9;;;BU)(D;OICI;FA;;;AN)(A;OICI;FA;;;SY)",
        ] {
            assert_eq!(judge(sddl, Some(ME)), Ok(()), "{sddl}");
        }
    }

    #[test]
    fn what_others_can_change_or_read_is_refused() {
        // C:\ProgramData itself: Users may create files and folders there.
        let program_data = "O:SYD:P(A;OICIIO;GA;;;CO)(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;0x1200a9;;;BU)(A;CI;0x100116;;;BU)";
        assert_eq!(
            judge(program_data, Some(ME)),
            Err(Finding::Writer("Users".into()))
        );
        // A folder on D:\ with the default ACL: Authenticated Users may modify.
        assert_eq!(
            judge(
                "D:AI(A;OICIID;FA;;;BA)(A;OICIID;FA;;;SY)(A;OICIID;0x1301bf;;;AU)",
                None
            ),
            Err(Finding::Writer("Authenticated Users".into()))
        );
        assert_eq!(
            judge("D:(A;OICI;FW;;;WD)", Some(ME)),
            Err(Finding::Writer("Everyone".into()))
        );
        assert_eq!(
            judge("D:(A;;WDWO;;;S-1-5-21-9)", Some(ME)),
            Err(Finding::Writer("S-1-5-21-9".into()))
        );
        // Readable by Users, and files inherit it: the tokens would be readable.
        assert_eq!(
            judge("O:BAD:P(A;OICI;FA;;;SY)(A;OICI;FR;;;BU)", Some(ME)),
            Err(Finding::Reader("Users".into()))
        );
        // Another user's directory, even a private one.
        assert_eq!(
            judge(
                "O:S-1-5-21-1-2-3-1002D:P(A;OICI;FA;;;S-1-5-21-1-2-3-1002)",
                Some(ME)
            ),
            Err(Finding::Owner("S-1-5-21-1-2-3-1002".into()))
        );
        assert_eq!(
            judge("O:BAD:NO_ACCESS_CONTROL", Some(ME)),
            Err(Finding::NoDacl)
        );
        // Not knowing the user, their own entry counts as someone else's.
        assert!(judge("D:(A;OICI;FA;;;S-1-5-21-1-2-3-1001)", None).is_err());
        // A right code we do not know is taken as every right.
        assert!(judge("D:(A;;ZZ;;;BU)", Some(ME)).is_err());
    }

    #[test]
    fn sections_and_masks_are_read_as_windows_writes_them() {
        let s = "O:BAG:SYD:PAI(A;;FA;;;SY)S:(AU;SA;FA;;;WD)";
        assert_eq!(section(s, 'O'), Some("BA"));
        assert_eq!(section(s, 'G'), Some("SY"));
        assert_eq!(section(s, 'D'), Some("PAI(A;;FA;;;SY)"));
        assert_eq!(section("D:(A;;FA;;;SY)", 'O'), None);
        assert_eq!(mask("0x1301bf"), 0x13_01bf);
        assert_eq!(mask("FA"), 0x1F_01FF);
        assert_eq!(mask("CCDCLC"), 0x7);
        assert!(flag("OICIIO", "IO") && !flag("OICI", "IO") && !flag("IOI", "OI"));
    }
}
