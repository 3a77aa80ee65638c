//! The state file: the only copy of each name's grant, and what was last published. A versioned
//! JSON document, validated on load, guarded by a lock on a sidecar file for the whole
//! read-modify-write, replaced atomically, created `0600` in a `0700` directory, and written only
//! when its content changed.

use crate::address::{Addresses, Family};
use crate::domainconnect::protocol::Template;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Read, Write};
use std::net::{IpAddr, Ipv6Addr};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The newest schema version this `ddns` reads and writes. Version 2 adds the zone's name
/// servers, pending consents and the lost-grant mark; a file that uses none of them is still
/// written as version 1, byte for byte as 0.1.0 wrote it, so that release can still read it.
pub const VERSION: u32 = 2;

/// A pending consent expires this long after `setup --begin`.
pub const PENDING_SECS: u64 = 3600;

/// A state file larger than this is not ours: refuse it rather than read it into memory.
const MAX_STATE_BYTES: u64 = 1 << 20;

/// The whole state file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct State {
    /// Schema version, [`VERSION`].
    pub version: u32,
    /// Every set-up name, by its normalised form.
    pub names: BTreeMap<String, Entry>,
    /// Consents started with `setup --begin` and not finished yet, by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub pending: BTreeMap<String, Pending>,
}

impl Default for State {
    fn default() -> Self {
        State {
            version: 1,
            names: BTreeMap::new(),
            pending: BTreeMap::new(),
        }
    }
}

/// A consent started with `setup --begin`: everything `setup --code` needs to finish it
/// without discovering the provider again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pending {
    /// The zone the provider hosts.
    pub zone: String,
    /// The host inside the zone.
    pub host: String,
    /// The provider, as discovered.
    pub provider: Provider,
    /// The template it supports.
    pub template: Template,
    /// The families to publish.
    pub families: Vec<Family>,
    /// The IPv6 interface identifier, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipv6_suffix: Option<Ipv6Addr>,
    /// The zone's name servers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nameservers: Vec<IpAddr>,
    /// The OAuth `state` sent in the consent URL; a pasted address must carry it back.
    pub state: String,
    /// Unix time of `--begin`.
    pub started_at: u64,
}

impl Pending {
    /// Unix time it expires.
    pub fn expires_at(&self) -> u64 {
        self.started_at.saturating_add(PENDING_SECS)
    }
}

/// One set-up name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// The zone the provider hosts, e.g. `example.com`.
    pub zone: String,
    /// The host inside the zone, `""` for the apex.
    pub host: String,
    /// Where tokens and applies go: found once, at setup (never re-discovered).
    pub provider: Provider,
    /// The template the provider supports.
    pub template: Template,
    /// The families this name publishes.
    pub families: Vec<Family>,
    /// For a host behind the router: its fixed IPv6 interface identifier, combined with the
    /// detected /64 prefix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipv6_suffix: Option<Ipv6Addr>,
    /// The addresses of the zone's authoritative name servers (its NS), asked directly to
    /// compare the record with what was published. Learnt at setup, or on the first update of
    /// a name set up before this existed; empty until then.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nameservers: Vec<IpAddr>,
    /// The OAuth grant.
    pub grant: Grant,
    /// What this client last published successfully.
    #[serde(default)]
    pub published: Addresses,
    /// Unix time of the last successful apply, if any.
    #[serde(default)]
    pub last_applied: Option<u64>,
    /// Unix time an update found the grant gone (the provider refused the refresh token);
    /// cleared when a later refresh works, replaced by `setup`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grant_lost_at: Option<u64>,
}

impl Entry {
    /// Whether this name publishes `family`: set up for it, and the template can carry it.
    pub fn publishes(&self, family: Family) -> bool {
        self.families.contains(&family) && self.template.carries(family)
    }
}

/// The provider settings kept from discovery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provider {
    /// `providerId`.
    pub id: String,
    /// A name to show.
    pub name: String,
    /// `urlAPI`: tokens and applies go here.
    pub url_api: String,
    /// `urlAsyncUX`: the consent page.
    pub url_async_ux: String,
}

/// OAuth tokens. Secret: never printed.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grant {
    /// The bearer token.
    pub access_token: String,
    /// Unix time it expires, when known.
    pub access_expires_at: Option<u64>,
    /// The refresh token, when the provider issued one.
    pub refresh_token: Option<String>,
}

impl std::fmt::Debug for Grant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Grant { .. }")
    }
}

impl State {
    /// Parse and validate a state file's bytes.
    pub fn parse(bytes: &[u8], path: &Path) -> Result<State> {
        let shown = path.display();
        let corrupt = |detail: String| {
            Error::usage(format!(
                "the state file {shown} is not valid ({detail}); it was left untouched: restore \
                 it from a backup, or move it away and run `ddns setup` again"
            ))
        };
        let value: serde_json::Value =
            serde_json::from_slice(bytes).map_err(|e| corrupt(format!("not JSON: {e}")))?;
        match value.get("version").and_then(serde_json::Value::as_u64) {
            Some(v) if (1..=u64::from(VERSION)).contains(&v) => {}
            Some(v) => {
                return Err(Error::usage(format!(
                    "the state file {shown} has version {v}, and this ddns reads \
                     versions up to {VERSION}: use the ddns that wrote it, or a newer one"
                )));
            }
            None => return Err(corrupt("no version field".into())),
        }
        let state: State = serde_json::from_value(value).map_err(|e| corrupt(e.to_string()))?;
        for (name, entry) in &state.names {
            let ok = crate::name::normalise(name).is_ok_and(|n| &n == name)
                && crate::name::host_in_zone(name, &entry.zone).as_deref() == Some(&entry.host)
                && !entry.families.is_empty();
            if !ok {
                return Err(corrupt(format!(
                    "the entry for '{}' is inconsistent",
                    crate::out::printable(name, 80)
                )));
            }
        }
        Ok(state)
    }

    /// The schema version this content needs: 1 unless it uses what version 2 added.
    fn needed_version(&self) -> u32 {
        let v2 = !self.pending.is_empty()
            || self
                .names
                .values()
                .any(|e| !e.nameservers.is_empty() || e.grant_lost_at.is_some());
        if v2 { 2 } else { 1 }
    }

    /// The bytes written to disk.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut state = self.clone();
        state.version = self.needed_version();
        let mut bytes = serde_json::to_vec_pretty(&state).unwrap_or_default();
        bytes.push(b'\n');
        bytes
    }
}

/// Read the state at `path` without locking (for read-only commands: saves are atomic renames,
/// so a reader sees the old file or the new one). A missing file is an empty state.
pub fn read(path: &Path) -> Result<State> {
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

/// Take the lock on `path` (waiting at most `wait`) and load the state.
pub fn lock(path: &Path, wait: Duration) -> Result<Locked> {
    let dir = parent(path);
    if !dir.as_os_str().is_empty() && !dir.exists() {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&dir)
            .map_err(|e| io_error("create the state directory", &dir, &e))?;
    }
    let lock_path = sidecar(path, ".lock");
    let lock = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .open(&lock_path)
        .map_err(|e| io_error("open the lock file", &lock_path, &e))?;
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

/// Whether another run holds the lock on `path` now. Creates nothing.
pub fn is_locked(path: &Path) -> bool {
    let Ok(lock) = File::open(sidecar(path, ".lock")) else {
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
    /// Write the state if it differs from what is on disk: a temp file in the same directory,
    /// fsync, rename over the old file, fsync the directory. Returns whether it wrote.
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
            let mut file = OpenOptions::new()
                .create(true)
                .truncate(true)
                .write(true)
                .mode(0o600)
                .open(&tmp)?;
            file.write_all(&self.state.to_bytes())?;
            file.sync_all()?;
            fs::rename(&tmp, &self.path)?;
            File::open(&dir)?.sync_all()
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn entry() -> Entry {
        Entry {
            zone: "example.com".into(),
            host: "home".into(),
            provider: Provider {
                id: "p".into(),
                name: "P".into(),
                url_api: "https://api.p.test".into(),
                url_async_ux: "https://ux.p.test".into(),
            },
            template: Template::V2,
            families: vec![Family::Ipv4],
            ipv6_suffix: None,
            nameservers: Vec::new(),
            grant: Grant {
                access_token: "AT".into(),
                access_expires_at: Some(10),
                refresh_token: Some("RT".into()),
            },
            published: Addresses::default(),
            last_applied: None,
            grant_lost_at: None,
        }
    }

    fn tempdir(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("ddns-state-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn round_trip_and_write_only_when_changed() {
        let dir = tempdir("rt");
        let path = dir.join("sub/state.json");
        let mut locked = lock(&path, Duration::from_secs(1)).unwrap();
        assert!(
            !locked.save().unwrap(),
            "an unchanged empty state is not written"
        );
        assert!(!path.exists());
        locked
            .state
            .names
            .insert("home.example.com".into(), entry());
        assert!(locked.save().unwrap());
        assert!(!locked.save().unwrap());
        drop(locked);
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let dir_mode = fs::metadata(path.parent().unwrap())
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(dir_mode, 0o700);
        assert_eq!(read(&path).unwrap().names["home.example.com"], entry());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn corrupt_and_future_files_are_refused() {
        let p = Path::new("/x/state.json");
        let err = State::parse(b"{\"version\":1,\"names\":{", p).unwrap_err();
        assert!(err.message.contains("not JSON") && err.message.contains("left untouched"));
        let err = State::parse(br#"{"version":3,"names":{}}"#, p).unwrap_err();
        assert!(err.message.contains("version 3"));
        assert!(State::parse(br#"{"names":{}}"#, p).is_err());
        assert!(State::parse(br#"{"version":1,"names":{},"extra":1}"#, p).is_err());
        let mut s = State::default();
        let mut e = entry();
        e.host = "other".into();
        s.names.insert("home.example.com".into(), e);
        assert!(
            State::parse(&s.to_bytes(), p)
                .unwrap_err()
                .message
                .contains("inconsistent")
        );
    }

    /// A state file written by release 0.1.0 (three names: both families, an IPv6 suffix, never
    /// published) reads and writes back byte for byte.
    #[test]
    fn a_state_file_of_the_first_release_round_trips_byte_identical() {
        let old = include_bytes!("../../tests/fixtures/state-0.1.0.json");
        let state = State::parse(old, Path::new("state.json")).unwrap();
        assert_eq!(state.names.len(), 3);
        assert_eq!(
            String::from_utf8(state.to_bytes()).unwrap(),
            String::from_utf8(old.to_vec()).unwrap()
        );
    }

    #[test]
    fn the_version_written_is_the_oldest_that_can_read_the_content() {
        let mut s = State::default();
        s.names.insert("home.example.com".into(), entry());
        assert!(
            String::from_utf8(s.to_bytes())
                .unwrap()
                .contains("\"version\": 1,")
        );
        s.names.get_mut("home.example.com").unwrap().nameservers =
            vec!["192.0.2.53".parse().unwrap()];
        let bytes = s.to_bytes();
        assert!(
            String::from_utf8(bytes.clone())
                .unwrap()
                .contains("\"version\": 2,")
        );
        let back = State::parse(&bytes, Path::new("s")).unwrap();
        assert_eq!(back.names, s.names);
    }

    #[test]
    fn debug_output_hides_tokens() {
        assert!(!format!("{:?}", entry()).contains("RT"));
    }

    #[test]
    fn stale_temp_files_are_removed_on_save() {
        let dir = tempdir("tmp");
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("state.json");
        fs::write(dir.join("state.json.tmp.99999"), b"junk").unwrap();
        let mut locked = lock(&path, Duration::from_secs(1)).unwrap();
        locked
            .state
            .names
            .insert("home.example.com".into(), entry());
        locked.save().unwrap();
        assert!(!dir.join("state.json.tmp.99999").exists());
        fs::remove_dir_all(&dir).unwrap();
    }
}
