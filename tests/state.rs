//! The state file as every subcommand treats it: a corrupt or newer file is refused and left
//! untouched, and the file is private (0600 in a 0700 directory) even under `umask 000`.

#![allow(
    clippy::unwrap_used,
    reason = "a test that cannot unwrap should fail loudly"
)]

mod support;

use std::os::unix::fs::PermissionsExt;
use support::{NAME, world};

#[test]
fn corrupt_state_is_left_untouched() {
    let w = world("corrupt");
    std::fs::create_dir_all(w.state.parent().unwrap()).unwrap();
    std::fs::write(&w.state, b"{\"version\":1,\"names\":{\"home.example.com\":").unwrap();
    let before = w.state_file();
    for args in [&["update"][..], &["check"], &["remove", NAME]] {
        let r = w.run(args);
        assert_eq!(r.code, Some(2), "{args:?}: {r:?}");
        assert!(
            r.stderr.starts_with(&format!(
                "ddns: the state file {} is not valid (not JSON: ",
                w.state.display()
            )),
            "{r:?}"
        );
        assert!(r.stderr.ends_with("it was left untouched: restore it from a backup, or move it away and run `ddns setup` again\n"), "{r:?}");
    }
    let s = w.run(&["setup", NAME, "--code", "x", "--ipv4"]);
    assert_ne!(s.code, Some(0));
    assert_eq!(w.state_file(), before);
    std::fs::write(&w.state, br#"{"version":9,"names":{}}"#).unwrap();
    let r = w.run(&["update"]);
    assert_eq!(r.code, Some(2));
    assert!(
        r.stderr
            .contains("has version 9, and this ddns reads versions up to 3"),
        "{r:?}"
    );
}

#[test]
fn state_file_is_private() {
    let mut w = world("modes");
    // Even under a permissive umask.
    let bin = w.bin.to_str().unwrap().to_string();
    w.wrapper = vec![
        "sh".into(),
        "-c".into(),
        "umask 000; exec \"$0\" \"$@\"".into(),
        bin,
    ];
    assert_eq!(w.setup(&["--ipv4"]).code, Some(0));
    assert_eq!(w.run(&["update"]).code, Some(0));
    let file = std::fs::metadata(&w.state).unwrap().permissions().mode() & 0o777;
    let dir = std::fs::metadata(w.state.parent().unwrap())
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!((file, dir), (0o600, 0o700));
    w.expect_all(&support::SETUP);
    w.expect_all(&[
        (support::provider::Route::Echo, 1),
        (support::provider::Route::Apply, 1),
    ]);
}
