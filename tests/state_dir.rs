//! A state directory that another user can change is refused (issue 22, item 1): in a shared
//! directory, a planted symlink at `state.json.lock` made root create a file where that user
//! chose, and a pre-created `state.json.tmp.<pid>` ended up as the state file, owned by that
//! user with the tokens in it. Now such a directory gets one line and exit 2, before any
//! request, and nothing is created in it. Each test here failed on the code before the fix.
//! They need root (to own files as other users, and to run `ddns` as `nobody`).

#![allow(
    clippy::unwrap_used,
    reason = "a test that cannot unwrap should fail loudly"
)]

mod support;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use support::provider::Route;
use support::{NAME, World, require_root, world};

const NOBODY: u32 = 65534;
/// Debian's `daemon` user: "another user" that plants files.
const DAEMON: u32 = 1;

/// A directory `shared` in the world's scratch directory, owned by `uid` with `mode`, and a
/// world whose state file is in it.
fn shared(tag: &str, uid: u32, mode: u32) -> (World, PathBuf) {
    require_root("files owned by other users, and ddns run as nobody");
    let mut w = world(tag);
    let dir = w.dir.join("shared");
    std::fs::create_dir(&dir).unwrap();
    std::os::unix::fs::chown(&dir, Some(uid), Some(uid)).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(mode)).unwrap();
    w.state = dir.join("state.json");
    w.state_arg = w.state.clone();
    (w, dir)
}

/// Run `ddns` as nobody (in a PID namespace of its own when `pid1`: it is then PID 1, so its
/// temp file's name is known in advance).
fn as_nobody(w: &mut World, pid1: bool) {
    let mut wrapper: Vec<String> = Vec::new();
    if pid1 {
        wrapper.extend(["unshare", "--pid", "--fork"].map(String::from));
    }
    wrapper.extend(
        [
            "setpriv",
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
        ]
        .map(String::from),
    );
    wrapper.push(w.bin.to_str().unwrap().to_string());
    w.wrapper = wrapper;
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
#[ignore = "needs root"]
fn a_symlink_planted_at_the_lock_file_is_never_followed() {
    // A directory another user owns and anyone may write (no sticky bit, so the kernel's
    // protected_symlinks does not step in): that user plants the lock file as a symlink.
    let (w, dir) = shared("planted-lock", NOBODY, 0o777);
    let victim = w.dir.join("victim");
    let link = dir.join("state.json.lock");
    std::os::unix::fs::symlink(&victim, &link).unwrap();
    std::os::unix::fs::lchown(&link, Some(NOBODY), Some(NOBODY)).unwrap();
    let s = w.run(&["setup", NAME, "--begin"]);
    assert_eq!(
        (s.code, s.stdout.as_str(), s.stderr),
        (
            Some(2),
            "",
            format!(
                "ddns: the state directory {} belongs to user 65534, not to the user running \
                 ddns (0), so that user could take over the state file: run ddns as its owner, \
                 or pass --state with a directory of your own\n",
                dir.display()
            )
        )
    );
    assert!(
        !victim.exists(),
        "root created the file the symlink points at"
    );
    assert_eq!(entries(&dir), ["state.json.lock"]);
    // Refused before discovery: the fake saw nothing (every budget is 0).
}

#[test]
#[ignore = "needs root"]
fn a_temp_file_planted_by_another_user_never_becomes_the_state_file() {
    // A /tmp-like directory (root's, 1777); another user has pre-created the temp file that
    // ddns, as PID 1 of its namespace, will write (`state.json.tmp.1`), writable by all.
    let (mut w, dir) = shared("planted-tmp", 0, 0o1777);
    let planted = dir.join("state.json.tmp.1");
    std::fs::write(&planted, b"").unwrap();
    std::os::unix::fs::chown(&planted, Some(DAEMON), Some(DAEMON)).unwrap();
    std::fs::set_permissions(&planted, std::fs::Permissions::from_mode(0o666)).unwrap();
    as_nobody(&mut w, true);
    let s = w.run(&["setup", NAME, "--begin"]);
    assert_eq!(
        (s.code, s.stderr),
        (
            Some(2),
            format!(
                "ddns: the state directory {} belongs to user 0, not to the user running ddns \
                 (65534), so that user could take over the state file: run ddns as its owner, \
                 or pass --state with a directory of your own\n",
                dir.display()
            )
        )
    );
    assert!(!w.state.exists(), "the planted file became the state file");
    assert_eq!(std::fs::metadata(&planted).unwrap().len(), 0);
    assert_eq!(entries(&dir), ["state.json.tmp.1"]);
}

#[test]
#[ignore = "needs root"]
fn a_world_writable_directory_is_refused_and_a_private_one_works() {
    // The user's own directory, but writable by everyone (a /tmp of one's own).
    let (mut w, dir) = shared("world-writable", NOBODY, 0o1777);
    as_nobody(&mut w, false);
    for args in [&["setup", NAME, "--begin"][..], &["update"], &["check"]] {
        let r = w.run(args);
        assert_eq!(
            (r.code, r.stderr),
            (
                Some(2),
                format!(
                    "ddns: the state directory {0} can be written by other users (mode 1777), \
                     who could take over the state file: remove their write permission (chmod \
                     go-w {0}), or pass --state with a directory of your own\n",
                    dir.display()
                )
            ),
            "{args:?}"
        );
    }
    assert!(entries(&dir).is_empty());
    // Group-writable is refused the same way.
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o770)).unwrap();
    let r = w.run(&["update"]);
    assert!(r.stderr.contains("(mode 0770)"), "{r:?}");
    // Made private, the same directory works, and what ddns writes there is private too.
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    let s = w.run(&["setup", NAME, "--begin"]);
    assert_eq!(s.code, Some(0), "{s:?}");
    for name in ["state.json", "state.json.lock"] {
        let meta = std::fs::metadata(dir.join(name)).unwrap();
        assert_eq!((meta.uid(), meta.mode() & 0o777), (NOBODY, 0o600), "{name}");
    }
    w.expect_all(&[(Route::Settings, 1), (Route::Template, 1)]);
}

#[test]
#[ignore = "needs root"]
fn a_parent_another_user_can_change_is_refused() {
    // The state directory would be created in a directory that every user can write and that
    // has no sticky bit: anyone could rename it away and put their own in its place.
    let (mut w, dir) = shared("open-parent", 0, 0o777);
    w.state = dir.join("ddns/state.json");
    w.state_arg = w.state.clone();
    let r = w.run(&["setup", NAME, "--begin"]);
    assert_eq!(
        (r.code, r.stderr),
        (
            Some(2),
            format!(
                "ddns: {0}, a parent of the state directory {0}/ddns, can be written by every \
                 user (mode 0777, without the sticky bit), who could replace the state \
                 directory: chmod o-w {0}, or pass --state with a directory of your own\n",
                dir.display()
            )
        )
    );
    assert!(entries(&dir).is_empty());
    // With the sticky bit (as /tmp has), ddns creates its own private directory there.
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o1777)).unwrap();
    let s = w.run(&["setup", NAME, "--begin"]);
    assert_eq!(s.code, Some(0), "{s:?}");
    let made = std::fs::metadata(dir.join("ddns")).unwrap();
    assert_eq!(made.mode() & 0o7777, 0o700);
    w.expect_all(&[(Route::Settings, 1), (Route::Template, 1)]);
}

/// `probe` keeps no state: a state directory it would refuse for every other command is not
/// its business (it said "pass --state", an option `probe` does not have).
#[test]
#[ignore = "needs root"]
fn probe_ignores_the_state_directory() {
    let (mut w, dir) = shared("probe", NOBODY, 0o1777);
    as_nobody(&mut w, false);
    let p = w.run(&["probe", NAME, "--json"]);
    assert_eq!(p.code, Some(0), "{p:?}");
    assert!(entries(&dir).is_empty());
    let doc: serde_json::Value = serde_json::from_str(&p.stdout).unwrap();
    let per_probe = if doc["ipv6"]["route"] == true { 2 } else { 1 };
    w.expect_all(&[
        (Route::Settings, 1),
        (Route::Template, 1),
        (Route::Echo, per_probe),
    ]);
}
