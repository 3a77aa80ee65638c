//! The state file's directory and files on Unix (issue 22, item 1). The directory must be one
//! that no other user can change, the way ssh's StrictModes judges a home directory: owned by
//! the user running `ddns` and writable by nobody else. Its parents must not let another user
//! replace it (owned by root or that user, and not world-writable unless sticky, as `/tmp` is);
//! a group-writable parent is allowed, because a Kubernetes volume with an `fsGroup` is one
//! (`root:GID`, mode 2775) and its group is the pod's own. In such a directory the lock file is
//! opened without following a symlink and temp files are created exclusively (`O_EXCL`,
//! `O_NOFOLLOW`), both `0600`; a directory `ddns` creates is `0700`.
//!
//! Not guarded against: a parent changed between the check and the open (that needs `openat`),
//! and root, who can do anything anyway.

use crate::error::{Error, Result};
use std::fs::{File, OpenOptions};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// Write permission for the group and for others.
const GROUP_OR_OTHER_WRITE: u32 = 0o022;
/// Write permission for others.
const OTHER_WRITE: u32 = 0o002;
/// The sticky bit: only an entry's owner may rename or remove it.
const STICKY: u32 = 0o1000;

/// What the check needs to know of a directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Facts {
    /// Its owner.
    pub uid: u32,
    /// Its mode bits.
    pub mode: u32,
}

/// Refuse the state directory `dir` (which may not exist yet) when another user could change
/// it or one of its parents: one line, exit 2, nothing created. `dir` empty means the current
/// directory.
pub fn check_dir(dir: &Path) -> Result<()> {
    let dir = absolute(dir);
    let me = nix::unistd::geteuid().as_raw();
    let facts = |p: &Path| {
        std::fs::metadata(p).ok().map(|m| Facts {
            uid: m.uid(),
            mode: m.mode(),
        })
    };
    if let Some(own) = facts(&dir) {
        judge_own(&dir, own, me)?;
    }
    for parent in dir.ancestors().skip(1) {
        if let Some(f) = facts(parent) {
            judge_parent(&dir, parent, f, me)?;
        }
    }
    Ok(())
}

fn absolute(dir: &Path) -> PathBuf {
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf())
}

/// The state directory itself: owned by `me`, writable by no one else.
pub fn judge_own(dir: &Path, f: Facts, me: u32) -> Result<()> {
    let shown = dir.display();
    if f.uid != me {
        return Err(Error::usage(format!(
            "the state directory {shown} belongs to user {}, not to the user running ddns ({me}), \
             so that user could take over the state file: run ddns as its owner, or pass --state \
             with a directory of your own",
            f.uid
        )));
    }
    if f.mode & GROUP_OR_OTHER_WRITE != 0 {
        return Err(Error::usage(format!(
            "the state directory {shown} can be written by other users (mode {:04o}), who could \
             take over the state file: remove their write permission (chmod go-w {shown}), or \
             pass --state with a directory of your own",
            f.mode & 0o7777
        )));
    }
    Ok(())
}

/// A parent of the state directory: nobody but root and `me` may rename it away.
pub fn judge_parent(dir: &Path, parent: &Path, f: Facts, me: u32) -> Result<()> {
    let (shown, parent_shown) = (dir.display(), parent.display());
    if f.uid != 0 && f.uid != me {
        return Err(Error::usage(format!(
            "{parent_shown}, a parent of the state directory {shown}, belongs to user {}, who \
             could replace the state directory: pass --state with a directory of your own",
            f.uid
        )));
    }
    if f.mode & OTHER_WRITE != 0 && f.mode & STICKY == 0 {
        return Err(Error::usage(format!(
            "{parent_shown}, a parent of the state directory {shown}, can be written by every \
             user (mode {:04o}, without the sticky bit), who could replace the state directory: \
             chmod o-w {parent_shown}, or pass --state with a directory of your own",
            f.mode & 0o7777
        )));
    }
    Ok(())
}

/// Create the state directory and any missing parents, `0700`.
pub fn create_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

/// Open (or create, `0600`) the lock file for locking; a symlink there is refused (`ELOOP`).
pub fn open_lock(path: &Path) -> std::io::Result<File> {
    OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .custom_flags(nix::libc::O_NOFOLLOW)
        .open(path)
}

/// Open an existing lock file to test the lock, without following a symlink.
pub fn open_existing_lock(path: &Path) -> std::io::Result<File> {
    OpenOptions::new()
        .read(true)
        .custom_flags(nix::libc::O_NOFOLLOW)
        .open(path)
}

/// Create a new temp file, `0600`: fails if anything (a file, a symlink) is at `path`.
pub fn create_temp(path: &Path) -> std::io::Result<File> {
    OpenOptions::new()
        .create_new(true)
        .write(true)
        .mode(0o600)
        .custom_flags(nix::libc::O_NOFOLLOW)
        .open(path)
}

/// Put `from` (written and synced) in place of `to` atomically, and make that last: rename,
/// then fsync the directory.
pub fn replace(from: &Path, to: &Path, dir: &Path) -> std::io::Result<()> {
    std::fs::rename(from, to)?;
    File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn own(uid: u32, mode: u32) -> Result<()> {
        judge_own(Path::new("/s"), Facts { uid, mode }, 1000)
    }

    fn parent(uid: u32, mode: u32) -> Result<()> {
        judge_parent(
            Path::new("/p/s"),
            Path::new("/p"),
            Facts { uid, mode },
            1000,
        )
    }

    #[test]
    fn the_state_directory_is_the_users_alone() {
        assert!(own(1000, 0o40700).is_ok());
        assert!(own(1000, 0o40755).is_ok());
        for (uid, mode) in [
            (0, 0o40700),
            (1001, 0o40700),
            (1000, 0o40770),
            (1000, 0o41777),
        ] {
            let e = own(uid, mode).unwrap_err();
            assert_eq!(e.class, crate::error::Class::Usage, "{e}");
        }
        assert!(
            own(1000, 0o41777)
                .unwrap_err()
                .message
                .contains("mode 1777")
        );
        assert!(
            own(0, 0o40700)
                .unwrap_err()
                .message
                .contains("belongs to user 0")
        );
        // root's own directory.
        assert!(
            judge_own(
                Path::new("/etc/ddns"),
                Facts {
                    uid: 0,
                    mode: 0o40755
                },
                0
            )
            .is_ok()
        );
    }

    #[test]
    fn parents_may_not_let_another_user_replace_it() {
        // /tmp, /, a home directory, a Kubernetes fsGroup volume (root:GID 2775).
        for (uid, mode) in [(0, 0o41777), (0, 0o40755), (1000, 0o40700), (0, 0o42775)] {
            assert!(parent(uid, mode).is_ok(), "{uid} {mode:o}");
        }
        assert!(
            parent(1001, 0o40755)
                .unwrap_err()
                .message
                .contains("user 1001")
        );
        assert!(parent(0, 0o40777).unwrap_err().message.contains("sticky"));
    }
}
