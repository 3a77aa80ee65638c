//! The state file's directory and files on Windows (issue 23), behind the same functions as
//! `unix/files.rs`. A directory `ddns` creates gets a protected ACL: SYSTEM and Administrators
//! (and the user, for a run that is not elevated), inherited by every file in it, the lock and
//! temp files included, so files need no mode of their own. An existing directory is refused,
//! one line and exit 2, when someone else may change it or read the files made in it
//! (`platform/sddl.rs` judges its ACL). Its parents are not judged: renaming it away needs the
//! delete right on it, which its own ACL gives no one else.
//!
//! The lock is `std`'s `File::try_lock` (`LockFileEx`) on the sidecar file. The replace is
//! `MoveFileExW` with `MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH`: atomic on NTFS and
//! on disk when it returns, so there is no directory to fsync (opening a directory as a file
//! fails there, which once made a good save report "could not save"). A virus scanner holding
//! the old file open makes it fail for a moment: it is retried for up to a second.

use super::ffi;
use crate::error::{Error, Result};
use crate::platform::sddl::{self, Finding};
use std::fs::{File, OpenOptions};
use std::os::windows::fs::OpenOptionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

/// `FILE_FLAG_OPEN_REPARSE_POINT`: open a symlink or junction itself, never what it points at.
const OPEN_REPARSE_POINT: u32 = 0x0020_0000;

/// Refuse the state directory `dir` (which may not exist yet) when someone other than SYSTEM,
/// Administrators and the user running `ddns` may change it or read the files made in it.
pub fn check_dir(dir: &Path) -> Result<()> {
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    if !dir.is_dir() {
        return Ok(());
    }
    let shown = dir.display();
    let sddl = ffi::sddl_of(dir).map_err(|e| {
        Error::usage(format!(
            "could not read the permissions of the state directory {shown} ({e}): pass --state \
             with a directory of your own"
        ))
    })?;
    sddl::judge(&sddl, ffi::user_sid().as_deref()).map_err(|finding| {
        Error::usage(match finding {
            Finding::Owner(who) => format!(
                "the state directory {shown} belongs to {who}, not to SYSTEM, Administrators or \
                 the user running ddns, so that account could take over the state file: pass \
                 --state with a directory of your own"
            ),
            Finding::Writer(who) => format!(
                "the state directory {shown} can be changed by {who} (its permissions allow \
                 it), who could take over the state file: remove that permission, or pass \
                 --state with a directory of your own"
            ),
            Finding::Reader(who) => format!(
                "files in the state directory {shown} can be read by {who} (the permissions \
                 they inherit allow it), who could read the tokens: remove that permission, or \
                 pass --state with a directory of your own"
            ),
            Finding::NoDacl => format!(
                "the state directory {shown} has no access control list, so everyone can \
                 change it: pass --state with a directory of your own"
            ),
        })
    })
}

/// Create the state directory (and any missing parents, which inherit their ACL as usual), the
/// directory itself private to SYSTEM and Administrators, and the user when not elevated.
pub fn create_dir(dir: &Path) -> std::io::Result<()> {
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    // Protected (P): nothing is inherited from the parent; OICI: files and folders in it
    // inherit these entries.
    let mut sddl = String::from("D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)");
    if !ffi::elevated()
        && let Some(me) = ffi::user_sid()
    {
        sddl = format!("{sddl}(A;OICI;FA;;;{me})");
    }
    ffi::create_dir_with(dir, &sddl)
}

/// Open (or create) the lock file for locking, never through a symlink.
pub fn open_lock(path: &Path) -> std::io::Result<File> {
    OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .custom_flags(OPEN_REPARSE_POINT)
        .open(path)
}

/// Create a new temp file: fails if anything is at `path`.
pub fn create_temp(path: &Path) -> std::io::Result<File> {
    OpenOptions::new()
        .create_new(true)
        .write(true)
        .custom_flags(OPEN_REPARSE_POINT)
        .open(path)
}

/// Put `from` (written and synced) in place of `to` atomically, and on disk (`_dir` is for the
/// Unix twin, which syncs it).
pub fn replace(from: &Path, to: &Path, _dir: &Path) -> std::io::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(1);
    loop {
        match ffi::replace_file(from, to) {
            // Access denied or a sharing violation: someone (a scanner, a backup) has the old
            // file open for a moment.
            Err(e) if matches!(e.raw_os_error(), Some(5 | 32)) && Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(50));
            }
            other => return other,
        }
    }
}
