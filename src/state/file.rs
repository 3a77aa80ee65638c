//! The state file on disk: read without a lock (saves are atomic, so a reader sees the old file
//! or the new one), or locked for a whole read-modify-write through a sidecar lock file, and
//! replaced atomically (temp file, fsync, rename, and on Unix an fsync of the directory), and
//! written only when its content changed. The directory is refused when another user could
//! change it, and is created private (`0700`, or an owner-only ACL on Windows); the lock and
//! temp files are opened without following symlinks, the temp file exclusively
//! (`platform::files`).

use super::State;
use crate::error::{Error, Result};
use crate::platform::files;
use std::fs::{self, File};
use std::io::{ErrorKind, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A state file larger than this is not ours: refuse it rather than read it into memory.
const MAX_STATE_BYTES: u64 = 1 << 20;

/// Read the state at `path` without locking (for read-only commands: saves are atomic renames,
/// so a reader sees the old file or the new one). A missing file is an empty state. A
/// directory another user could change is refused (`check_dir`), as `lock` refuses it.
pub fn read(path: &Path) -> Result<State> {
    check_dir(path)?;
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(State::default()),
        Err(e) => return Err(io_error("read the state file", path, &e)),
    };
    let mut bytes = Vec::new();
    Read::by_ref(&mut file)
        .take(MAX_STATE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| io_error("read the state file", path, &e))?;
    if bytes.len() as u64 > MAX_STATE_BYTES {
        return Err(Error::usage(format!(
            "the state file {} is larger than 1 MiB, so it is not a ddns state file; it was left \
             untouched",
            path.display()
        )));
    }
    State::parse(&bytes, path)
}

fn io_error(doing: &str, path: &Path, e: &std::io::Error) -> Error {
    let hint = match e.kind() {
        ErrorKind::PermissionDenied => ": run ddns as the user that owns it, or pass --state",
        ErrorKind::ReadOnlyFilesystem => {
            ": the file system is read-only; pass --state with a writable path"
        }
        ErrorKind::StorageFull | ErrorKind::QuotaExceeded => ": the disk is full; free some space",
        _ => "",
    };
    Error::transient(format!("could not {doing} {} ({e}){hint}", path.display()))
}

/// The state file under lock: load, change, save. The lock is released when this is dropped.
pub struct Locked {
    path: PathBuf,
    _lock: File,
    /// What is on disk now.
    on_disk: State,
    /// The state to change.
    pub state: State,
}

/// Refuse the directory of the state file `path` when another user could change it (exit 2,
/// nothing created). [`lock`] checks it too; a command checks it first, before any request.
pub fn check_dir(path: &Path) -> Result<()> {
    files::check_dir(&parent(path))
}

/// Take the lock on `path` (waiting at most `wait`) and load the state.
pub fn lock(path: &Path, wait: Duration) -> Result<Locked> {
    let dir = parent(path);
    files::check_dir(&dir)?;
    if !dir.as_os_str().is_empty() && !dir.exists() {
        files::create_dir(&dir).map_err(|e| io_error("create the state directory", &dir, &e))?;
    }
    let lock_path = sidecar(path, ".lock");
    let lock =
        files::open_lock(&lock_path).map_err(|e| io_error("open the lock file", &lock_path, &e))?;
    let deadline = Instant::now() + wait;
    loop {
        match lock.try_lock() {
            Ok(()) => break,
            Err(fs::TryLockError::WouldBlock) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(fs::TryLockError::WouldBlock) => {
                return Err(Error::transient(format!(
                    "another ddns run has held the lock on {} for over {} seconds: try again \
                     later, or check for a hung ddns process",
                    path.display(),
                    wait.as_secs()
                )));
            }
            Err(fs::TryLockError::Error(e)) => {
                return Err(io_error("lock", &lock_path, &e));
            }
        }
    }
    let on_disk = read(path)?;
    Ok(Locked {
        path: path.to_path_buf(),
        _lock: lock,
        state: on_disk.clone(),
        on_disk,
    })
}

/// Whether another run holds the lock on `path` now. Creates nothing. (For the router page.)
#[cfg(unix)]
pub fn is_locked(path: &Path) -> bool {
    let Ok(lock) = files::open_existing_lock(&sidecar(path, ".lock")) else {
        return false;
    };
    matches!(lock.try_lock(), Err(fs::TryLockError::WouldBlock))
}

fn parent(path: &Path) -> PathBuf {
    path.parent().map(Path::to_path_buf).unwrap_or_default()
}

fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    path.with_file_name(name)
}

impl Locked {
    /// The entry of `name`, to change (a bug if it is not there: callers hold the lock since
    /// they found it).
    pub fn entry_mut(&mut self, name: &str) -> Result<&mut super::Entry> {
        self.state
            .names
            .get_mut(name)
            .ok_or_else(|| Error::new(crate::error::Class::Bug, "the entry vanished under lock"))
    }

    /// Write the state if it differs from what is on disk: a new temp file in the same
    /// directory, fsync, then put in place of the old file atomically (`files::replace`).
    /// Returns whether it wrote.
    pub fn save(&mut self) -> Result<bool> {
        if self.state == self.on_disk {
            return Ok(false);
        }
        let dir = parent(&self.path);
        let dir = if dir.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            dir
        };
        remove_stale_temps(&self.path);
        let tmp = sidecar(&self.path, &format!(".tmp.{}", std::process::id()));
        let write = || -> std::io::Result<()> {
            let mut file = files::create_temp(&tmp)?;
            file.write_all(&self.state.to_bytes())?;
            file.sync_all()?;
            drop(file);
            files::replace(&tmp, &self.path, &dir)
        };
        if let Err(e) = write() {
            let _ = fs::remove_file(&tmp);
            return Err(io_error("save the state file", &self.path, &e));
        }
        self.on_disk = self.state.clone();
        Ok(true)
    }
}

/// Temp files left by a run that was killed mid-save; only the lock holder writes, so any that
/// exist now are stale.
fn remove_stale_temps(path: &Path) {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        return;
    };
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let prefix = format!("{}.tmp.", name.to_string_lossy());
    if let Ok(entries) = fs::read_dir(dir) {
        for entry in entries.flatten() {
            if entry.file_name().to_string_lossy().starts_with(&prefix) {
                let _ = fs::remove_file(entry.path());
            }
        }
    }
}
