//! The last run, in a RAM file (`context::run_file`): when `update` last ran and how each name
//! ended, so that `status` and `health` know it without a packet and without writing the state
//! file on flash each run. Lost at a reboot, which is the point: it says what this boot did.

use crate::error::Result;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::Path;

/// A run file larger than this is not ours.
const MAX_BYTES: u64 = 256 * 1024;

/// The last `update` run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LastRun {
    /// Unix time it ended.
    pub at: u64,
    /// Its exit status.
    pub exit: u8,
    /// Why it ended before any name (a busy lock, an unusable state file), if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Each name's last run (a run of some names keeps the others' earlier ones).
    pub names: BTreeMap<String, NameRun>,
}

/// How one name's last run ended: what `report::Summary` said, and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NameRun {
    /// Unix time.
    pub at: u64,
    /// The report's status (`in-sync`, `updated`, `error`, ...).
    pub status: String,
    /// The exit status the name called for.
    pub exit: u8,
    /// A stable code for the page (`in-sync`, `partial`, `not-detected`, ...).
    pub code: String,
    /// The code's arguments.
    #[serde(default)]
    pub args: BTreeMap<String, Value>,
    /// The same in one sentence.
    pub text: String,
}

/// The last run recorded at `path`; `None` when there is none (or it is not ours).
pub fn read(path: &Path) -> Option<LastRun> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .ok()?
        .take(MAX_BYTES)
        .read_to_end(&mut bytes)
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Record `run` at `path`: a new file beside it (never following a link planted there), then
/// put in place of the old one, as the state file is saved (`platform::files`).
pub fn write(path: &Path, run: &LastRun) -> Result<()> {
    use crate::platform::files;
    let tmp = path.with_extension(format!("tmp.{}", std::process::id()));
    let save = || -> std::io::Result<()> {
        let mut file = files::create_temp(&tmp)?;
        file.write_all(&serde_json::to_vec(run).unwrap_or_default())?;
        drop(file);
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
        files::replace(&tmp, path, dir.unwrap_or(Path::new(".")))
    };
    save().map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        crate::error::Error::transient(format!(
            "could not record the run in {} ({e})",
            path.display()
        ))
    })
}

/// Forget `name`'s last run at `path` (it was removed, or set up afresh): what it said is about
/// a grant that is gone. Nothing to forget is no error; a file that cannot be written is left.
pub fn forget(path: &Path, name: &str) {
    if let Some(mut run) = read(path)
        && run.names.remove(name).is_some()
    {
        let _ = write(path, &run);
    }
}
